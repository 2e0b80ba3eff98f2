"""Admin screens for sign-in protection."""

from wagtail import hooks

from .lockouts import LoginLockoutViewSet


@hooks.register("register_admin_viewset")
def register_login_lockouts():
    return LoginLockoutViewSet("login_lockouts")
