"""Locked-out sign-ins in the Wagtail admin: superusers see them and unlock a username (audited)."""

from axes.models import AccessAttempt
from axes.utils import reset
from django.db import transaction
from django.db.models import Q
from django.utils.functional import cached_property
from wagtail.admin.views.generic import DeleteView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from review.audit import audit_record


class SuperuserUnlockPolicy(ModelPermissionPolicy):
    """Only superusers see failed sign-ins, and they may only unlock (delete), never edit or add."""

    ACTIONS = frozenset({"view", "delete"})

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser and action in self.ACTIONS

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model

        if not self.ACTIONS & set(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if self.user_has_any_permission(user, actions):
            return self.model.objects.all()
        return self.model.objects.none()


class UnlockView(DeleteView):
    page_title = "Unlock"
    success_message = "Sign-in for “%(object)s” is unlocked."

    @cached_property
    def confirmation_message(self):
        return (
            f"Unlock sign-in for “{self.object.username}”? Every recorded failure for this username "
            "is cleared, from every address."
        )

    def get_success_message(self):
        return self.success_message % {"object": self.object.username}

    @transaction.atomic
    def delete_action(self):
        username = self.object.username
        # Every address's failures for this username are cleared together (a by-address lock stays).
        attempts = AccessAttempt.objects.filter(Q(username=username))
        failures = max((attempt.failures_since_start for attempt in attempts), default=0)
        reset(username=username)
        audit_record(
            action="auth.login_unlocked",
            actor=self.request.user,
            object_type="auth.user",
            object_repr=username or "",
            data={"username": username, "failures_cleared": failures},
        )


class LoginLockoutViewSet(ModelViewSet):
    model = AccessAttempt
    icon = "lock"
    menu_label = "Sign-in lockouts"
    add_to_settings_menu = True
    copy_view_enabled = False
    delete_view_class = UnlockView
    # Add and edit are refused by the policy; a form is still required to build those views.
    form_fields = ["username"]
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "user_agent"]
    list_filter = []
    search_fields = ["username", "ip_address"]


register_permission_policy(AccessAttempt, SuperuserUnlockPolicy(AccessAttempt))
