"""Reads about review state that views, services and other apps share."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.models import Revision, TaskState, Workflow, WorkflowState

from .models import Annotation, ApprovalRecord, CitationCheck, MLRTaskState, Signature

FULL_MLR = "Full MLR"
ASSEMBLY_REVIEW = "Assembly review"


def approval_in_force(obj) -> ApprovalRecord | None:
    """The approval that makes this item usable now (approved, not withdrawn, not expired)."""
    if obj.pk is None:
        return None
    return ApprovalRecord.objects.for_object(obj).current().select_related("revision").first()


def revision_is_approved(revision: Revision, now=None) -> bool:
    """Whether this exact revision was approved and that approval was neither withdrawn nor expired.

    A revision superseded by a newer approval stays approved for the assemblies that pin it.
    """
    return ApprovalRecord.objects.filter(
        revision=revision,
        status__in=[ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED],
        expires_at__gt=now or timezone.now(),
    ).exists()


def pinned_revision_ids(revision: Revision) -> list[int]:
    """The module revisions an assembly revision pins (none for a module)."""
    return [
        p["pinned_revision"] for p in revision.content.get("placements") or [] if p.get("pinned_revision")
    ]


def ended_pin_approvals(revision: Revision, now=None) -> list[ApprovalRecord]:
    """Approvals of module revisions this (assembly) revision pins that were withdrawn, expired or lapsed."""
    pinned = pinned_revision_ids(revision)
    if not pinned:
        return []
    in_force = {"status__in": [ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED]}
    return list(
        ApprovalRecord.objects.filter(revision_id__in=pinned)
        .exclude(expires_at__gt=now or timezone.now(), **in_force)
        .order_by("pk")
    )


def approval_label(obj) -> str:
    """One line for listings: in review, or the latest approval's state and job code."""
    if obj.workflow_in_progress:
        return "In review"
    record = ApprovalRecord.objects.for_object(obj).order_by("-approved_at").first()
    if record is None:
        return "Not approved"
    if record.status == ApprovalRecord.APPROVED and not record.in_force:
        return f"Expired · {record.job_code}"
    return f"{record.get_status_display().split(' by ')[0]} · {record.job_code}"


def previous_approval(revision: Revision) -> ApprovalRecord | None:
    """The latest approval of the same item before this revision was saved (what reviewers compare with)."""
    return (
        ApprovalRecord.objects.filter(
            base_content_type_id=revision.base_content_type_id,
            object_id=revision.object_id,
            revision__created_at__lt=revision.created_at,
        )
        .select_related("revision")
        .order_by("-revision__created_at")
        .first()
    )


def revision_is_frozen(revision: Revision) -> bool:
    """Whether this revision is under review, signed, approved or pinned, so it must never be rewritten."""
    return (
        revision.task_states.exists()
        or ApprovalRecord.objects.filter(revision=revision).exists()
        or revision.pinned_by_approvals.exists()
        or Signature.objects.filter(revision=revision).exists()
    )


def workflow_for(obj) -> Workflow | None:
    """Full MLR for modules and for assemblies with any unapproved pin; Assembly review otherwise."""
    from modules.models import Assembly

    name = FULL_MLR
    if isinstance(obj, Assembly) and obj.pk is not None:
        draft = obj.get_latest_revision_as_object()
        pins = [p.pinned_revision for p in draft.placements.all()]
        if pins and all(pin is not None and revision_is_approved(pin) for pin in pins):
            name = ASSEMBLY_REVIEW
    return Workflow.objects.active().filter(name=name).first()


def revision_editors(revision: Revision) -> set[int]:
    """Ids of users who created or edited this revision: authors of every revision since the last approval."""
    obj = revision.content_object
    history = Revision.objects.filter(
        base_content_type_id=revision.base_content_type_id,
        object_id=revision.object_id,
        created_at__lte=revision.created_at,
    )
    previous = previous_approval(revision)
    if previous is not None:
        history = history.filter(created_at__gt=previous.revision.created_at)
    editors = set(history.exclude(user=None).values_list("user_id", flat=True))
    if getattr(obj, "owner_id", None):
        editors.add(obj.owner_id)
    return editors


def annotatable_fields(revision: Revision) -> dict[str, str]:
    """Content fields of this revision a reviewer can annotate: name → label."""
    from .diff import NOT_COMPARED, field_label
    from .hashing import VOLATILE_KEYS

    model = revision.content_type.model_class()
    return {
        name: field_label(model, name)
        for name in revision.content
        if name not in VOLATILE_KEYS and name not in NOT_COMPARED
    }


def blocking_annotations(revision: Revision):
    return Annotation.objects.for_object_up_to(revision).blocking()


def citation_count(revision: Revision) -> int:
    return len(revision.content.get("citations") or [])


def unverified_citations(revision: Revision) -> list[int]:
    verified = set(CitationCheck.objects.filter(revision=revision).values_list("position", flat=True))
    return [n for n in range(citation_count(revision)) if n not in verified]


def approvals_on(task_state: TaskState):
    return Signature.objects.filter(task_state=task_state, decision=Signature.APPROVED)


def missing_disciplines(task_state: TaskState):
    signed = approvals_on(task_state).values("discipline")
    return task_state.task.specific.disciplines.exclude(pk__in=signed)


def reviews_for(user):
    """Open MLR reviews where this user's discipline has not yet signed, soonest due first."""
    if not user.is_authenticated:
        return MLRTaskState.objects.none()
    groups = user.groups.all()
    return (
        MLRTaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
            task__mlrtask__disciplines__in=groups,
        )
        .exclude(
            Exists(
                Signature.objects.filter(
                    task_state=OuterRef("pk"), decision=Signature.APPROVED, discipline__in=groups
                )
            )
        )
        .select_related("revision", "task", "workflow_state")
        .distinct()
        .order_by("due_at", "pk")
    )


def open_reviews():
    """Every open MLR review, for coordinators watching due dates."""
    return (
        MLRTaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS, workflow_state__status=WorkflowState.STATUS_IN_PROGRESS
        )
        .select_related("revision", "task", "workflow_state")
        .order_by("due_at", "pk")
    )
