"""Cache backends of the project's own."""

from django.core.cache.backends.locmem import LocMemCache


class LocalMemoryCache(LocMemCache):
    """Django's local-memory cache without memcached's key check.

    BaseCache.validate_key warns about keys memcached would refuse, one character at a time in
    Python; on the per-token rate limit (two cache calls per API request) that check cost more than
    the cache itself. Keys here are made by the project's own code, and this store is not memcached.
    """

    def validate_key(self, key):
        pass
