"""The address a request came from, for login lockout: behind proxies, the one the first trusted proxy saw."""

from django.conf import settings


def client_address(request) -> str | None:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the X-Forwarded-For entry they vouch for."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    # Each proxy appends the address it received from; entries left of those are the client's to forge.
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
