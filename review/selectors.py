"""Reads about review state that views, services and other apps share."""

from dataclasses import dataclass, fields

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from wagtail.models import Revision, TaskState, Workflow, WorkflowState

from modules import snapshots
from modules.models import Assembly, Citation, Reference

from . import roles
from .diff import NOT_COMPARED, FieldChange, field_changes, field_label
from .hashing import VOLATILE_KEYS
from .models import Annotation, ApprovalRecord, CitationCheck, MLRTaskState, Signature

FULL_MLR = "Full MLR"
ASSEMBLY_REVIEW = "Assembly review"


def approval_in_force(obj) -> ApprovalRecord | None:
    """The approval that makes this item usable now (approved, not withdrawn, not expired)."""
    if obj.pk is None:
        return None
    return ApprovalRecord.objects.for_object(obj).in_force().select_related("revision").first()


def withdrawable_approval(obj, *, for_update: bool = False) -> ApprovalRecord | None:
    """The approval a withdrawal of this item ends: its newest approval that nobody has ended yet.

    That is the approval in force, or, once that ended, a superseded one that assemblies still pin.
    The withdraw screen and `content_withdraw` both ask this, so they can never disagree.
    """
    if obj.pk is None:
        return None
    records = ApprovalRecord.objects.for_object(obj).not_ended()
    if for_update:
        records = records.select_for_update()
    return records.order_by("-approved_at").first()


def approvals_pinning(record: ApprovalRecord):
    """Approvals in force of assemblies that pin this approval's exact revision (a withdrawal ends them)."""
    pinning = ApprovalRecord.objects.pinning([record.revision_id]).values("pk")
    return ApprovalRecord.objects.filter(pk__in=pinning, status=ApprovalRecord.APPROVED)


def cascaded_from(record: ApprovalRecord):
    """The assembly approvals that ending this approval ended with it (the impact report)."""
    return record.cascaded.order_by("object_title")


def approvals_listed(*, status: str | None = None):
    """Approval records for the approvals screen, newest first, optionally of one status."""
    last_review = (
        TaskState.objects.filter(revision_id=OuterRef("revision_id")).order_by("-pk").values("pk")[:1]
    )
    records = (
        ApprovalRecord.objects.select_related("revision", "content_type", "base_content_type")
        .prefetch_related("revision__signatures")
        .annotate(last_task_state_id=Subquery(last_review))
        .order_by("-approved_at")
    )
    return records.filter(status=status) if status else records


def revision_is_approved(revision: Revision, now=None) -> bool:
    """Whether this exact revision was approved and that approval was neither withdrawn nor expired.

    A revision superseded by a newer approval stays approved for the assemblies that pin it.
    """
    return ApprovalRecord.objects.filter(revision=revision).usable_for_pinning(now).exists()


def ended_pin_approvals(revision: Revision, now=None) -> list[ApprovalRecord]:
    """Approvals of the module revisions this (assembly) revision pins that were withdrawn, expired or
    lapsed: the pins an assembly must not be approved on."""
    pinned = snapshots.pinned_revision_ids(revision.content)
    if not pinned:
        return []
    usable = ApprovalRecord.objects.filter(revision_id__in=pinned).usable_for_pinning(now)
    return list(
        ApprovalRecord.objects.filter(revision_id__in=pinned)
        .exclude(pk__in=usable.values("pk"))
        .order_by("pk")
    )


def approval_state(record: ApprovalRecord | None, now=None) -> str:
    """What a reader must be told about an approval: "draft" without one; an approval past its
    date reads as expired at once, before the expiry job has ended it."""
    if record is None:
        return DRAFT
    if record.status == ApprovalRecord.APPROVED and not record.is_in_force(now):
        return ApprovalRecord.EXPIRED
    return record.status


DRAFT = "draft"
STATE_NAMES = {
    DRAFT: "Not approved",
    **{key: label.split(" by ")[0] for key, label in ApprovalRecord.STATUSES},
}


@dataclass(frozen=True)
class ItemReviewStatus:
    """Where one item stands: its latest approval, and the review open on it (in review or
    returned with changes requested). The editor panel and the listing column both show this."""

    record: ApprovalRecord | None
    open_task: TaskState | None

    @property
    def state(self) -> str:
        return approval_state(self.record)

    @property
    def in_review(self) -> bool:
        return self.open_task is not None and self.open_task.status == TaskState.STATUS_IN_PROGRESS

    @property
    def changes_requested(self) -> bool:
        return self.open_task is not None and self.open_task.status == TaskState.STATUS_REJECTED

    @property
    def label(self) -> str:
        """One line for listings: in review, or the latest approval's state and job code."""
        if self.in_review:
            return "In review"
        if self.record is None:
            return STATE_NAMES[DRAFT]
        return f"{STATE_NAMES[self.state]} · {self.record.job_code}"


def item_review_status(obj) -> ItemReviewStatus:
    if obj.pk is None:
        return ItemReviewStatus(None, None)
    record = ApprovalRecord.objects.for_object(obj).order_by("-approved_at").first()
    open_task = (
        TaskState.objects.filter(
            workflow_state__base_content_type=obj.get_base_content_type(),
            workflow_state__object_id=str(obj.pk),
            status__in=[TaskState.STATUS_IN_PROGRESS, TaskState.STATUS_REJECTED],
            workflow_state__status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
        )
        .order_by("-pk")
        .first()
    )
    return ItemReviewStatus(record, open_task)


def latest_review_of(obj) -> TaskState | None:
    """The item's most recent review step (open, returned or finished), for readers opening the item."""
    if obj.pk is None:
        return None
    return (
        TaskState.objects.filter(
            workflow_state__base_content_type=obj.get_base_content_type(),
            workflow_state__object_id=str(obj.pk),
        )
        .exclude(status=TaskState.STATUS_CANCELLED)
        .order_by("-pk")
        .first()
    )


def revision_approval(revision: Revision) -> ApprovalRecord | None:
    """The approval of exactly this revision, if it was ever approved (the package watermark asks)."""
    return ApprovalRecord.objects.filter(revision=revision).select_related("ended_by").first()


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
    name = FULL_MLR
    if isinstance(obj, Assembly) and obj.pk is not None:
        draft = obj.get_latest_revision_as_object()
        pins = [p.pinned_revision for p in draft.all_placements()]
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
    model = revision.content_type.model_class()
    return {
        name: field_label(model, name)
        for name in revision.content
        if name not in VOLATILE_KEYS and name not in NOT_COMPARED
    }


def blocking_annotations(revision: Revision):
    return Annotation.objects.for_object_up_to(revision).blocking()


def citation_count(revision: Revision) -> int:
    return snapshots.citation_count(revision.content)


@dataclass(frozen=True)
class CitationLine:
    """One citation of a claim revision with its reference and medical verification, if any."""

    position: int
    citation: snapshots.CitationSnapshot
    reference: Reference | None
    check: CitationCheck | None

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def anchor(self) -> str:
        kind = dict(Citation.ANCHOR_KINDS).get(self.citation.anchor_kind, self.citation.anchor_kind)
        return f"{kind} {self.citation.anchor}".strip()

    @property
    def supporting_quote(self) -> str:
        return self.citation.supporting_quote


def citation_lines(revision: Revision) -> list[CitationLine]:
    """The citations as stored in this revision, for the review screen and the review package."""
    stored = snapshots.citations(revision.content)
    references = Reference.objects.in_bulk([c.reference_id for c in stored if c.reference_id])
    checks = {
        c.position: c for c in CitationCheck.objects.filter(revision=revision).select_related("verified_by")
    }
    return [
        CitationLine(position, citation, references.get(citation.reference_id), checks.get(position))
        for position, citation in enumerate(stored)
    ]


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


def revision_annotations(revision: Revision):
    """Annotations on this revision and the item's earlier ones, with replies (screen and package)."""
    return (
        Annotation.objects.for_object_up_to(revision)
        .select_related("author", "resolved_by", "revision")
        .prefetch_related("replies__author")
    )


# --- screens: everything a review screen shows, read in one place -----------------------------------


def _with_waiting(task_states) -> list:
    states = list(task_states)
    for state in states:
        state.waiting_for = ", ".join(d.name for d in missing_disciplines(state))
    return states


@dataclass(frozen=True)
class Dashboard:
    """My reviews (soonest due first), items returned to me, and for coordinators every open review."""

    my_reviews: list
    returned: list[WorkflowState]
    is_coordinator: bool
    open_reviews: list


def dashboard_for(user) -> Dashboard:
    returned = [
        state
        for state in WorkflowState.objects.filter(status=WorkflowState.STATUS_NEEDS_CHANGES).select_related(
            "current_task_state__revision", "current_task_state__finished_by"
        )
        if getattr(state.content_object, "owner_id", None) == user.pk or state.requested_by_id == user.pk
    ]
    is_coordinator = roles.user_in_roles(user, [roles.COORDINATORS]) or user.is_superuser
    return Dashboard(
        my_reviews=_with_waiting(reviews_for(user)),
        returned=returned,
        is_coordinator=is_coordinator,
        open_reviews=_with_waiting(open_reviews()) if is_coordinator else [],
    )


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "the system"


def _discipline_states(task, task_state, signatures) -> list[tuple[str, str]]:
    """Each discipline with its latest decision on this review, or "waiting"."""
    states = []
    for discipline in task.disciplines.all():
        signed = [
            s for s in signatures if s.task_state_id == task_state.pk and s.discipline_id == discipline.pk
        ]
        if signed:
            latest = signed[-1]
            states.append((discipline.name, f"{latest.get_decision_display()} by {latest.signer_name}"))
        else:
            states.append((discipline.name, "Waiting"))
    return states


@dataclass(frozen=True)
class ReviewScreen:
    """One review as a reviewer or author sees it; the view adds only forms and links."""

    task_state: TaskState
    status_label: str
    revision: Revision
    author_name: str
    object: object
    approval: ApprovalRecord | None
    disciplines: list[tuple[str, str]]
    signatures: list[Signature]
    changes: list[FieldChange]
    compared_with: ApprovalRecord | None
    citations: list[CitationLine]
    annotations: object
    my_disciplines: list
    last_reviewed: Revision | None
    changes_since_reviewed: list[FieldChange]
    citations_waiting: int
    is_reviewer: bool
    may_discuss: bool
    can_sign: bool
    is_medical: bool
    editor_of_revision: bool

    def as_context(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def last_reviewed_by(user, revision: Revision) -> Revision | None:
    """The latest earlier revision of this item this user signed (approved or requested changes on)."""
    if not user.is_authenticated:
        return None
    return (
        Revision.objects.filter(
            base_content_type_id=revision.base_content_type_id,
            object_id=revision.object_id,
            created_at__lt=revision.created_at,
            signatures__signer=user,
        )
        .order_by("-created_at")
        .first()
    )


def review_screen_for(task_state: TaskState, user) -> ReviewScreen:
    revision = task_state.revision
    task = task_state.task.specific
    missing = list(missing_disciplines(task_state))
    my_disciplines = [d for d in task.disciplines_of(user) if d in missing]
    is_open = task_state.status == TaskState.STATUS_IN_PROGRESS
    is_reviewer = bool(task.disciplines_of(user)) and is_open
    previous = previous_approval(revision)
    signatures = list(
        Signature.objects.filter(task_state__workflow_state=task_state.workflow_state)
        .select_related("discipline", "revision")
        .order_by("signed_at")
    )
    editors = revision_editors(revision)
    for signature in signatures:
        # A signature on an earlier revision of this review was voided by the edit that restarted it.
        signature.void = signature.revision_id != revision.pk
    labels = annotatable_fields(revision)
    annotations = list(revision_annotations(revision))
    for annotation in annotations:
        annotation.field_label = labels.get(annotation.field_path, annotation.field_path)
    reviewed = last_reviewed_by(user, revision)
    return ReviewScreen(
        task_state=task_state,
        status_label="Changes requested"
        if task_state.status == TaskState.STATUS_REJECTED
        else task_state.get_status_display(),
        revision=revision,
        author_name=_display_name(revision.user),
        object=revision.as_object(),
        approval=ApprovalRecord.objects.filter(revision=revision).first(),
        disciplines=_discipline_states(task, task_state, signatures),
        signatures=signatures,
        changes=field_changes(previous.revision if previous else None, revision),
        compared_with=previous,
        citations=citation_lines(revision),
        annotations=annotations,
        my_disciplines=my_disciplines,
        last_reviewed=reviewed,
        changes_since_reviewed=field_changes(reviewed, revision) if reviewed else [],
        citations_waiting=len(unverified_citations(revision)) if is_open else 0,
        is_reviewer=is_reviewer,
        may_discuss=is_reviewer or user.pk in editors,
        can_sign=bool(my_disciplines) and is_open,
        is_medical=roles.user_in_roles(user, [roles.MEDICAL]),
        editor_of_revision=user.pk in editors,
    )


def new_approval_expires_at(now=None):
    """When an approval given now expires (REVIEW_APPROVAL_MONTHS later): the one definition."""
    return (now or timezone.now()) + relativedelta(months=settings.REVIEW_APPROVAL_MONTHS)
