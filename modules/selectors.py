"""Reads about modules and assemblies that the admin, rendering and services share."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from wagtail.models import Revision

from .models import Module, Placement
from .ports import review_port


def approved_revision(module: Module) -> Revision | None:
    """The module's revision whose approval is in force (not withdrawn, not expired), if any."""
    return review_port().approved_revision(module)


def default_pin(module: Module) -> Revision | None:
    """What a new placement pins: the approved revision, else the latest saved one."""
    return approved_revision(module) or module.latest_revision


def newer_approved_revision(placement: Placement) -> Revision | None:
    """An approved revision of the placed module that is newer than the pinned one, if any."""
    approved = approved_revision(placement.module)
    pinned = placement.pinned_revision
    if approved is None or pinned is None or approved.pk == pinned.pk:
        return None
    return approved if approved.created_at > pinned.created_at else None


def placements_with_newer_approvals(assembly) -> list[tuple[Placement, Revision]]:
    pairs = (
        (p, newer_approved_revision(p))
        for p in assembly.placements.select_related("module", "pinned_revision")
    )
    return [(placement, revision) for placement, revision in pairs if revision is not None]


def authors_of(model) -> QuerySet:
    """Active users who may write content of this type: superusers and holders of its change permission.

    These are the people an item's accountable owner is chosen from; reviewers and reps are not.
    """
    permission = Permission.objects.filter(
        content_type__app_label=model._meta.app_label, codename=f"change_{model._meta.model_name}"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
