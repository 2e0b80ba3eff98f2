"""Who may do what with reviewable content: publishing and unpublishing happen only through review,
for every user including superusers; `user_can_view` is the one "may this user see it" rule."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

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


def user_can_view(user, target) -> bool:
    """Whether this user may view a module or assembly (an instance or its model class).

    Every screen and document (review screen, rendered preview, impact report, review package,
    assembly pins) asks this one question the same way: the item type's permission policy.
    """
    model = target if isinstance(target, type) else type(target)
    if model is None or not user.is_authenticated:
        return False
    return user.is_superuser or policy_registry.get_by_type(model).user_has_permission(user, "view")
