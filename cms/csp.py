"""The Content-Security-Policy middleware: one strict policy, with inline scripts allowed in the admin.

django-csp builds the header string from the settings twice per response (the policy and the
report-only one), which was the largest single cost of a small response such as a channel's JSON
pull (bench/RESULTS.md). Here a response that asks for nothing of its own (no nonce, no per-view
`csp_*` decorator, no excluded URL prefix) gets the headers django-csp built for the first such
response of its kind (admin or not); any other response goes through django-csp unchanged. A
settings change (tests' override_settings) forgets what was built.
"""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import reverse

# What a view's decorator or the library sets on a response or request to change its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_built: dict[bool, dict[str, str]] = {}
_admin_prefix: list[str] = []


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting in ("ROOT_URLCONF", "DEBUG"):
        _built.clear()
        _admin_prefix.clear()


def _in_admin(request) -> bool:
    if not _admin_prefix:
        _admin_prefix.append(reverse("wagtailadmin_home"))
    return request.path_info.startswith(_admin_prefix[0])


def _plain(request, response) -> bool:
    """True when django-csp would build the same headers as for any other response of its kind."""
    if getattr(request, "_csp_nonce", None) is not None:
        return False
    if any(hasattr(response, name) for name in _PER_RESPONSE):
        return False
    if settings.DEBUG and response.status_code in (404, 500):
        return False  # django-csp leaves the debug pages alone
    return not any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; in the admin, script-src is CONTENT_SECURITY_POLICY_ADMIN_SCRIPT_SRC."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # Wagtail 8 still writes inline scripts for chooser widgets and inline panels on edit forms.
        if _in_admin(request):
            parts.replace = {
                **(parts.replace or {}),
                "script-src": settings.CONTENT_SECURITY_POLICY_ADMIN_SCRIPT_SRC,
            }
        return parts

    def process_response(self, request, response):
        if not _plain(request, response):
            return super().process_response(request, response)
        admin = _in_admin(request)
        headers = _built.get(admin)
        if headers is None:
            sample = super().process_response(request, HttpResponse())
            headers = _built[admin] = {h: sample[h] for h in (HEADER, HEADER_REPORT_ONLY) if h in sample}
        for header, value in headers.items():
            if header not in response:
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp does: a nonce asked for after the header was written raises.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
