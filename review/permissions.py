"""Publishing and unpublishing happen only through review, for every user including superusers."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy

REVIEW_ONLY_ACTIONS = frozenset({"publish", "unpublish"})


class ReviewedContentPermissionPolicy(ModelPermissionPolicy):
    """Django permissions as usual, except that nobody may publish or unpublish directly."""

    def user_has_permission(self, user, action):
        if action in REVIEW_ONLY_ACTIONS:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, set(actions) - REVIEW_ONLY_ACTIONS)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def users_with_any_permission(self, actions):
        remaining = set(actions) - REVIEW_ONLY_ACTIONS
        if not remaining:
            return get_user_model().objects.none()
        return super().users_with_any_permission(remaining)
