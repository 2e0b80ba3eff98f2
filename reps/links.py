"""Signed links in sent emails (open pixel, click redirect, unsubscribe) and the portal's preview link.

Tokens are django.core.signing values with a salt per purpose, so a token for one purpose never
works for another, and any change to a token makes it invalid.
"""

from django.core import signing
from django.urls import reverse

from .errors import TrackingLinkInvalid

OPEN_SALT = "reps.tracking.open"
CLICK_SALT = "reps.tracking.click"
UNSUBSCRIBE_SALT = "reps.unsubscribe"


def _dumps(value, salt: str) -> str:
    return signing.dumps(value, salt=salt, compress=True)


def _loads(token: str, salt: str):
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature as error:
        raise TrackingLinkInvalid("This link is not valid.") from error


def open_path(send_token: str) -> str:
    return reverse("reps:track_open", args=[_dumps(send_token, OPEN_SALT)])


def click_path(send_token: str, url: str) -> str:
    return reverse("reps:track_click", args=[_dumps([send_token, url], CLICK_SALT)])


def unsubscribe_path(send_token: str) -> str:
    return reverse("reps:unsubscribe", args=[_dumps(send_token, UNSUBSCRIBE_SALT)])


def open_token_send(token: str) -> str:
    return _loads(token, OPEN_SALT)


def click_token_target(token: str) -> tuple[str, str]:
    value = _loads(token, CLICK_SALT)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise TrackingLinkInvalid("This link is not valid.")
    return value[0], value[1]


def unsubscribe_token_send(token: str) -> str:
    return _loads(token, UNSUBSCRIBE_SALT)


def rep_preview_url(caller, hit) -> str | None:
    """The portal preview for callers with a rep scope (registered with search.previews)."""
    if not getattr(caller, "pk", None):
        return None
    is_rep = getattr(caller, "_reps_has_scope", None)
    if is_rep is None:
        from search.models import RepScope

        is_rep = caller._reps_has_scope = RepScope.objects.filter(user=caller).exists()
    return reverse("reps:content", args=[hit.approval_id]) if is_rep else None
