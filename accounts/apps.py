"""Signing in and out: login lockout (django-axes) audited into the trail, session limits, logout."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import receivers

        user_login_failed.connect(receivers.audit_login_failed, dispatch_uid="accounts-login-failed")
        user_locked_out.connect(receivers.audit_login_locked, dispatch_uid="accounts-login-locked")
        user_logged_in.connect(receivers.start_session_clock, dispatch_uid="accounts-session-clock")
