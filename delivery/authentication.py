"""Channel clients send `Authorization: Bearer <token>` (or `Token <token>`, as search always took).

The principal is a ChannelUser; search and delivery read its scope through `search_access()` and
`delivery_scope()` without search knowing about delivery.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from delivery.models import ChannelClient, ChannelToken, token_digest
from delivery.scope import DeliveryScope
from delivery.scope_cache import ClientScope, cached_client_scope
from delivery.selectors import usable_token
from delivery.services import token_touch
from search.access import SearchAccess

KEYWORDS = ("Bearer", "Token")


class ChannelUser(AnonymousUser):
    """The request.user of a channel call: authenticated as the channel, never as a person."""

    def __init__(self, token: ChannelToken, item_approvals: dict | None = None):
        self.token = token
        self.channel_client: ChannelClient = token.client
        # {item_id: in-force approval id or None}, read with the token (ChannelTokenAuthentication).
        self.item_approvals = item_approvals or {}

    @property
    def is_authenticated(self):
        return True

    def __str__(self):
        return f"channel {self.channel_client.name}"

    def client_scope(self) -> ClientScope:
        if not hasattr(self, "_scope"):
            self._scope = cached_client_scope(self.channel_client)
        return self._scope

    def delivery_scope(self) -> DeliveryScope:
        return self.client_scope().codes

    def delivery_scope_ids(self) -> DeliveryScope:
        """The same scope as market, channel and audience row ids (see delivery/scope_cache.py)."""
        return self.client_scope().ids

    def search_access(self) -> SearchAccess:
        scope = self.delivery_scope()
        return SearchAccess(markets=scope.markets, channels=scope.channels, caller=scope.caller)


def header_token(header: bytes) -> tuple[str | None, str]:
    """The raw token of an `Authorization` header: (token, ""); (None, "") when the header is not a
    channel one (another scheme may take it); (None, why) when it is a malformed one."""
    parts = header.split()
    if not parts or parts[0].decode(errors="replace") not in KEYWORDS:
        return None, ""
    if len(parts) != 2:
        return None, "Send the header as `Authorization: Bearer <token>`."
    raw = parts[1].decode(errors="replace")
    if len(raw) > 200:
        return None, "Unknown, revoked or expired channel token."
    return raw, ""


class ChannelTokenAuthentication(authentication.BaseAuthentication):
    """The token, read from the database (or `delivery.read_cache` while nothing changed); a view
    with `item_read_with_token = True` (one item's detail) has the item's in-force approval read in
    the same statement."""

    def authenticate(self, request):
        raw, problem = header_token(authentication.get_authorization_header(request))
        if problem:
            raise exceptions.AuthenticationFailed(problem)
        if raw is None:
            return None
        now = timezone.now()
        context = getattr(request, "parser_context", None) or {}
        item_id = None
        if getattr(context.get("view"), "item_read_with_token", False):
            item_id = context.get("kwargs", {}).get("item_id")
        # One query, or none while the read cache knows nothing changed: a revoked, expired or
        # deactivated token fails on the next request either way.
        token, item_approvals = usable_token(digest=token_digest(raw), now=now, item_id=item_id)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired channel token.")
        token_touch(token=token, now=now)
        return ChannelUser(token, item_approvals), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
