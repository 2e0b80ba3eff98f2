"""Failed sign-ins and lockouts go into the hash-chained audit trail (21 CFR 11.300(d))."""

from axes.helpers import get_client_ip_address

from review.audit import audit_record

from .sessions import SESSION_STARTED_KEY, now_seconds


def audit_login_failed(sender, credentials, request=None, **kwargs):
    """Every wrong password on the login form, with the name tried and where it came from."""
    if request is None:
        return
    username = str(credentials.get("username") or "")
    audit_record(
        action="auth.login_failed",
        object_type="auth.user",
        object_repr=username,
        data={
            "username": username[:150],
            "ip_address": get_client_ip_address(request),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


def audit_login_locked(sender, request, username, ip_address, **kwargs):
    """The attempt that locked the account: sign-in is refused until the cool-off ends or an unlock."""
    audit_record(
        action="auth.login_locked",
        object_type="auth.user",
        object_repr=str(username or ""),
        data={"username": str(username or "")[:150], "ip_address": ip_address},
    )


def start_session_clock(sender, request, user, **kwargs):
    # The maximum session age counts from signing in, however active the session stays.
    request.session[SESSION_STARTED_KEY] = now_seconds()
