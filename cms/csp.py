"""The Content-Security-Policy middleware: one strict policy, with inline scripts allowed in the admin."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; in the admin, script-src is CONTENT_SECURITY_POLICY_ADMIN_SCRIPT_SRC."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # Wagtail 8 still writes inline scripts for chooser widgets and inline panels on edit forms.
        if request.path_info.startswith(reverse("wagtailadmin_home")):
            parts.replace = {
                **(parts.replace or {}),
                "script-src": settings.CONTENT_SECURITY_POLICY_ADMIN_SCRIPT_SRC,
            }
        return parts
