"""The roles of the MLR process as Django groups, with the admin permissions each needs."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from modules.models import ASSEMBLY_TYPES, MODULE_TYPES

AUTHORS = "Authors"
MEDICAL = "Medical reviewers"
LEGAL = "Legal reviewers"
REGULATORY = "Regulatory reviewers"
COORDINATORS = "Review coordinators"
REPS = "Reps"
CHANNELS = "Channel integrations"

CONTENT_MODELS = [*MODULE_TYPES, *ASSEMBLY_TYPES]

# Authors write but never publish: publishing happens only through review.
ROLE_PERMISSIONS = {
    AUTHORS: ["add", "change", "view"],
    MEDICAL: ["view"],
    LEGAL: ["view"],
    REGULATORY: ["view"],
    COORDINATORS: ["view"],
    REPS: [],
    CHANNELS: [],
}
ADMIN_ROLES = {AUTHORS, MEDICAL, LEGAL, REGULATORY, COORDINATORS}


def ensure_role_groups() -> dict[str, Group]:
    """Create or update the role groups; safe to run repeatedly."""
    groups = {}
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name, actions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(
                content_type=ContentType.objects.get_for_model(model),
                codename=f"{action}_{model._meta.model_name}",
            )
            for model in CONTENT_MODELS
            for action in actions
        ]
        if name in ADMIN_ROLES:
            permissions.append(admin_access)
        group.permissions.add(*permissions)
        groups[name] = group
    return groups
