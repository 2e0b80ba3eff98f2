"""Channel clients send `Authorization: Bearer <token>` (or `Token <token>`, as search always took).

The principal is a ChannelUser; search and delivery read its scope through `search_access()` and
`delivery_scope()` without search knowing about delivery.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from delivery.models import ChannelClient, ChannelToken, token_digest
from delivery.scope import DeliveryScope
from delivery.services import token_touch
from search.access import SearchAccess

KEYWORDS = ("Bearer", "Token")


def scope_of(client: ChannelClient) -> DeliveryScope:
    return DeliveryScope(
        markets=frozenset(m.code for m in client.markets.all()),
        channels=frozenset(c.code for c in client.channels.all()),
        audiences=frozenset(a.code for a in client.audiences.all()),
        caller=f"channel:{client.name}",
    )


class ChannelUser(AnonymousUser):
    """The request.user of a channel call: authenticated as the channel, never as a person."""

    def __init__(self, token: ChannelToken):
        self.token = token
        self.channel_client: ChannelClient = token.client

    @property
    def is_authenticated(self):
        return True

    def __str__(self):
        return f"channel {self.channel_client.name}"

    def delivery_scope(self) -> DeliveryScope:
        if not hasattr(self, "_scope"):
            self._scope = scope_of(self.channel_client)
        return self._scope

    def search_access(self) -> SearchAccess:
        scope = self.delivery_scope()
        return SearchAccess(markets=scope.markets, channels=scope.channels, caller=scope.caller)


class ChannelTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Authorization: Bearer <token>`.")
        raw = header[1].decode(errors="replace")
        if len(raw) > 200:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired channel token.")
        now = timezone.now()
        token = (
            ChannelToken.objects.usable(now)
            .select_related("client")
            .prefetch_related("client__markets", "client__channels", "client__audiences")
            .filter(digest=token_digest(raw))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired channel token.")
        token_touch(token=token, now=now)
        return ChannelUser(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
