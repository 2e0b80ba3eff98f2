"""One item's detail answered without DRF's dispatch when nothing about the request is unusual.

A pull of `GET /api/v1/content/{id}` that asks nothing unusual (GET, no parameters, JSON or anything
accepted, a well-formed channel token) whose token is usable is answered here with the same checks,
by the same functions as the DRF view: the token-and-item read (`usable_token`, remembered by
`delivery.read_cache` while nothing it read has changed, else one statement), the token's rate
limit, then `detail_response` (the client's scope against the item's, the stored JSON and the pull
record), which the view calls too, then last-use bookkeeping; the response is the one the view
gives (tests compare them). Any other case, a refused one included, returns None and the DRF view
answers it from scratch, so every error keeps one definition. DRF's dispatch was most of what a
pull still cost (bench/RESULTS.md).
"""

from types import SimpleNamespace

from django.http import HttpResponse
from django.utils import timezone

from delivery import pulls
from delivery.api.negotiation import accepts_first_renderer
from delivery.authentication import ChannelUser, header_token
from delivery.errors import ContentNotFound
from delivery.models import token_digest
from delivery.payloads import stored_detail
from delivery.selectors import content_item_approval_id, usable_token
from delivery.services import token_touch
from delivery.throttling import ChannelTokenRateThrottle

JSON = "application/json"


def remembered_detail(request, item_id: str, *, cache_control: str) -> HttpResponse | None:
    meta = request.META
    if request.method != "GET" or meta.get("QUERY_STRING") or not accepts_first_renderer(meta, JSON):
        return None
    raw, problem = header_token(meta.get("HTTP_AUTHORIZATION", "").encode("iso-8859-1", "replace"))
    if raw is None or problem:
        return None
    now = timezone.now()
    # Remembered (delivery.read_cache), or read now with the same one statement as the DRF
    # authentication: an entry that came of age is refreshed here, not by a whole DRF dispatch
    # (bench/RESULTS.md, 2026-12-08: those refreshes were 8% of a loaded worker's time).
    token, item_approvals = usable_token(digest=token_digest(raw), now=now, item_id=item_id)
    if token is None:
        return None  # the view answers the 401
    user = ChannelUser(token, item_approvals)
    try:
        approval_id = item_approval_id(user, item_id)
    except ContentNotFound:
        return None  # the view answers the 404, counting it against the rate limit once
    if not ChannelTokenRateThrottle().allow_request(SimpleNamespace(user=user), None):
        return None  # the view answers the 429
    response = detail_response(request, user, item_id, approval_id=approval_id)
    token_touch(token=token, now=now)
    response["Cache-Control"] = cache_control
    response["Allow"] = "GET, HEAD, OPTIONS"
    return response


def item_approval_id(user: ChannelUser, item_id: str) -> int:
    """The item's approval in force for this channel; ContentNotFound when it is missing, not in
    force or outside the channel's scope."""
    return content_item_approval_id(
        scope_ids=user.delivery_scope_ids(), item_id=item_id, read_with_token=user.item_approvals
    )


def detail_response(
    request, user: ChannelUser, item_id: str, *, approval_id: int | None = None
) -> HttpResponse:
    """One item's stored detail JSON for this channel, its pull recorded (the DRF view's answer too).

    ContentNotFound when the item is missing, not in force or outside the channel's scope (checked
    here unless the caller already found `approval_id` with `item_approval_id`).
    """
    if approval_id is None:
        approval_id = item_approval_id(user, item_id)
    stored = stored_detail(request, approval_id)
    pulls.pull_record(
        token=user.token, approval_id=approval_id, revision_id=stored.revision_id, item_id=item_id
    )
    return HttpResponse(stored.body, content_type=JSON)
