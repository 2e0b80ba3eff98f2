"""Reads about modules and assemblies that the admin, rendering and services share."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse
from wagtail.models import Revision

from . import snapshots
from .models import Assembly, EmailPlacement, InvitationPlacement, Module, Placement, SlidePlacement
from .ports import PinApproval, ReviewRoute, review_port


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
    pairs = ((p, newer_approved_revision(p)) for p in assembly.all_placements())
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


@dataclass(frozen=True)
class PinSummary:
    """One placement as the assembly editor shows it: the module as pinned and where its approval stands."""

    placement: Placement
    module: Module  # as it was in the pinned revision
    revision: Revision
    approval: PinApproval
    newer: Revision | None  # a newer approved revision the pin could move to
    expires_before: datetime | None  # set when the pin's approval ends before a new assembly approval would

    @property
    def expiring(self) -> bool:
        return (
            self.approval.approved
            and self.approval.expires_at is not None
            and self.expires_before is not None
            # By day: a module approved earlier today ends with the assembly's approval, not before it.
            and self.approval.expires_at.date() < self.expires_before.date()
        )

    @property
    def full_mlr_reason(self) -> str:
        """Why this pin sends the assembly to full MLR ("" when it does not)."""
        if self.approval.approved:
            return ""
        reasons = {
            "in_review": "this revision is still in review",
            "changes_requested": "changes were requested on this revision",
            "withdrawn": f"its approval {self.approval.job_code} was withdrawn",
            "expired": f"its approval {self.approval.job_code} has expired",
        }
        return reasons.get(self.approval.state, "this revision has not been approved")


def pin_summary(placement: Placement, *, expires_before: datetime | None = None) -> PinSummary | None:
    """What the editor shows about one placement (None for a placement not saved with a pin yet)."""
    revision = placement.pinned_revision
    if revision is None or not placement.module_id:
        return None
    return PinSummary(
        placement=placement,
        module=revision.as_object(),
        revision=revision,
        approval=review_port().pin_approval(placement.module, revision),
        newer=newer_approved_revision(placement),
        expires_before=expires_before,
    )


@dataclass(frozen=True)
class Readiness:
    """Which review an assembly goes to if submitted now, and the pins that decide it."""

    pins: list[PinSummary]
    route: ReviewRoute | None
    renew_by: datetime

    @property
    def blocking(self) -> list[PinSummary]:
        return [pin for pin in self.pins if not pin.approval.approved]

    @property
    def expiring(self) -> list[PinSummary]:
        """Approved pins that end before a new approval would, soonest first: the assembly's approval
        ends with the first of them."""
        return sorted((pin for pin in self.pins if pin.expiring), key=lambda pin: pin.approval.expires_at)

    @property
    def all_approved(self) -> bool:
        return bool(self.pins) and not self.blocking


def assembly_readiness(assembly: Assembly) -> Readiness:
    """The readiness panel's reading of the assembly as last saved (what submit would review)."""
    renew_by = review_port().new_approval_expires_at()
    pins = [pin_summary(p, expires_before=renew_by) for p in assembly.all_placements()]
    return Readiness(
        pins=[pin for pin in pins if pin is not None],
        route=review_port().review_route(assembly) if assembly.pk else None,
        renew_by=renew_by,
    )


@dataclass(frozen=True)
class AssemblyUse:
    """One assembly that pins a module, with each of its revisions that does."""

    assembly: Assembly
    revisions: list[tuple[Revision, int]]  # (assembly revision, module revision it pins)

    @property
    def edit_url(self) -> str:
        name = self.assembly._meta.model_name
        return reverse(f"wagtailsnippets_modules_{name}:edit", args=[self.assembly.pk])

    @property
    def latest_pins(self) -> bool:
        return any(revision.pk == self.assembly.latest_revision_id for revision, _ in self.revisions)

    @property
    def live_pins(self) -> bool:
        return any(revision.pk == self.assembly.live_revision_id for revision, _ in self.revisions)


def module_usage(module: Module) -> list[AssemblyUse]:
    """Every assembly, and every saved revision of it, that pins any revision of this module."""
    module_revisions = set(
        Revision.objects.filter(
            base_content_type=Module.get_base_content_type(), object_id=str(module.pk)
        ).values_list("pk", flat=True)
    )
    if not module_revisions:
        return []
    found: dict[str, list[tuple[Revision, int]]] = defaultdict(list)
    revisions = Revision.objects.filter(base_content_type=Assembly.get_base_content_type()).order_by(
        "-created_at"
    )
    # Scanned through the snapshot accessors: the JSON layout belongs to modules/snapshots.py.
    for revision in revisions.iterator():
        for pinned in snapshots.pinned_revision_ids(revision.content):
            if pinned in module_revisions:
                found[revision.object_id].append((revision, pinned))
    assemblies = Assembly.objects.filter(pk__in=[int(pk) for pk in found]).specific()
    return [AssemblyUse(a, found[str(a.pk)]) for a in sorted(assemblies, key=lambda a: a.title)]


PLACEMENT_PARENTS = [
    (SlidePlacement, "slide__edetail"),
    (EmailPlacement, "email"),
    (InvitationPlacement, "invitation"),
]


def assemblies_using(module_ids) -> dict[int, list[Assembly]]:
    """The assemblies whose saved placements pin each of these modules (the chooser's "used in")."""
    used: dict[int, list[Assembly]] = defaultdict(list)
    for placement_model, parent in PLACEMENT_PARENTS:
        rows = placement_model.objects.filter(module_id__in=module_ids).select_related(parent)
        for row in rows:
            assembly = attrgetter(parent.replace("__", "."))(row)
            if assembly not in used[row.module_id]:
                used[row.module_id].append(assembly)
    return used
