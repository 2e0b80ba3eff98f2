"""Per-token rate limit (DRF throttling on the `throttle` cache); over the limit → 429 with Retry-After."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


class ChannelTokenRateThrottle(SimpleRateThrottle):
    scope = "channel_token"

    def __init__(self):
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self):
        return settings.DELIVERY_RATE_LIMIT

    def get_cache_key(self, request, view):
        token = getattr(request.user, "token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
