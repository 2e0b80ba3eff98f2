"""Per-token rate limit on the `throttle` cache; over the limit → 429 with Retry-After.

DRF's SimpleRateThrottle keeps the time of every request in the window and rewrites that list on
each call, so its cost grows with the limit (a generous 100,000/min limit meant unpickling and
pickling a list of thousands of floats per request). This keeps one number per token instead: the
generic cell rate algorithm (GCRA). `N/period` admits a burst of N and then one request every
period/N, like a sliding window, with one cache read and one write per request.
"""

from functools import cache

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


@cache
def _parsed(rate):
    return SimpleRateThrottle.parse_rate(None, rate)


class ChannelTokenRateThrottle(SimpleRateThrottle):
    scope = "channel_token"

    def __init__(self):
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self):
        return settings.DELIVERY_RATE_LIMIT

    def parse_rate(self, rate):
        return _parsed(rate)  # once per rate string, not on every request

    def get_cache_key(self, request, view):
        token = getattr(request.user, "token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        interval = self.duration / self.num_requests
        # The theoretical arrival time: when the token's allowance would be used up at the steady rate.
        arrival = max(self.cache.get(key, now), now) + interval
        if arrival - now > self.duration:
            self._retry_after = arrival - self.duration - now
            return False
        self.cache.set(key, arrival, timeout=int(self.duration) + 1)
        return True

    def wait(self):
        return max(getattr(self, "_retry_after", 1.0), 1.0)
