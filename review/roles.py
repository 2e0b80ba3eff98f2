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
    # Wagtail creates this permission in a data migration, which a test-database flush removes.
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    admin_access, _ = Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
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


# What a signature means, per discipline; the signer chooses one when signing.
APPROVAL_MEANINGS = {
    MEDICAL: ["Approved — medical accuracy", "Approved — medical accuracy and fair balance"],
    LEGAL: ["Approved — legal", "Approved — legal, with intellectual-property clearance"],
    REGULATORY: ["Approved — regulatory compliance", "Approved — regulatory, consistent with label"],
}
CHANGES_MEANINGS = {
    MEDICAL: ["Changes requested — medical"],
    LEGAL: ["Changes requested — legal"],
    REGULATORY: ["Changes requested — regulatory"],
}
# Who may withdraw approved content.
WITHDRAWERS = {COORDINATORS, REGULATORY}


def meanings_for(discipline_name: str, decision: str) -> list[str]:
    """The meanings a signer of this discipline may choose for an approval or a request for changes."""
    table = APPROVAL_MEANINGS if decision == "approved" else CHANGES_MEANINGS
    verb = "Approved" if decision == "approved" else "Changes requested"
    return table.get(discipline_name, [f"{verb} — {discipline_name.lower()}"])


def user_in_roles(user, names) -> bool:
    return user.is_authenticated and user.groups.filter(name__in=names).exists()
