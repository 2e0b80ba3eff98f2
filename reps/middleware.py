"""Reps never see the Wagtail admin: a signed-in rep without admin access is sent to the portal.

A rep who posts the admin's logout form is logged out here and sent to the portal's login (the
admin's own logout only serves users with admin access).
"""

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import is_rep


class RepsStayInPortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/admin/")
            and user is not None
            and user.is_authenticated
            and not user.has_perm("wagtailadmin.access_admin")
            and is_rep(user)
        ):
            if request.method == "POST" and request.path == reverse("wagtailadmin_logout"):
                logout(request)
                return redirect("reps:login")
            return redirect("reps:search")
        return self.get_response(request)
