"""Sessions end after SESSION_IDLE_TIMEOUT without a request and SESSION_MAX_AGE after signing in."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

SESSION_STARTED_KEY = "accounts_started_at"
LAST_SEEN_KEY = "accounts_last_seen_at"
# Writing the session on every request would cost a database write each time; a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


def now_seconds() -> int:
    return int(time.time())


class SessionLimitsMiddleware:
    """Sign out a session idle too long or older than its maximum age; the request goes on anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._enforce(request)
        return self.get_response(request)

    def _enforce(self, request) -> None:
        session, now = request.session, now_seconds()
        started = session.setdefault(SESSION_STARTED_KEY, now)
        last_seen = session.get(LAST_SEEN_KEY, now)
        if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            reason = f"after {settings.SESSION_IDLE_TIMEOUT // 60} minutes without activity"
        elif now - started > settings.SESSION_MAX_AGE:
            reason = f"{settings.SESSION_MAX_AGE // 3600} hours after signing in"
        else:
            reason = ""
        if reason:
            # logout() flushes the session and swaps request.user for AnonymousUser.
            logout(request)
            messages.info(request, f"You were signed out {reason}. Sign in again to continue.")
            return
        if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN_KEY not in session:
            session[LAST_SEEN_KEY] = now
