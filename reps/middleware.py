"""Reps never see the Wagtail admin: a signed-in rep without admin access is sent to the portal."""

from django.shortcuts import redirect
from django.urls import reverse

from .selectors import is_rep


class RepsStayInPortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/admin/"

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self.admin_prefix)
            and user is not None
            and user.is_authenticated
            and not user.has_perm("wagtailadmin.access_admin")
            and is_rep(user)
        ):
            return redirect(reverse("reps:search"))
        return self.get_response(request)
