"""Every change to review state: signing, annotating, approving, withdrawing and expiring.

Each write has one shape: lock, check the state (raise a typed error when it is wrong), change it,
write the audit entry and, for anything the rest of the system must follow, an outbox row,
all in one transaction.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from wagtail.actions.unpublish import UnpublishAction
from wagtail.models import Revision, TaskState, WorkflowState
from wagtail.permissions import policy_registry

from . import roles, selectors
from .audit import audit_record
from .errors import (
    ApprovalBlocked,
    NotPermitted,
    ReviewError,
    SegregationOfDuties,
    SignatureRefused,
    SigningLocked,
)
from .hashing import content_hash
from .jobcodes import job_code_assign
from .models import (
    Annotation,
    AnnotationReply,
    ApprovalRecord,
    CitationCheck,
    OutboxEvent,
    Signature,
    SigningFailure,
)

SIGNING_FAILURE_LIMIT = 5
SIGNING_WINDOW = timedelta(minutes=15)


def _object_label(obj) -> str:
    return obj.specific._meta.label_lower


def _full_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _audit_revision(action: str, revision: Revision, user, data: dict) -> None:
    """An audit entry about one revision of an item, named by the item's specific type."""
    content_type = revision.content_type
    audit_record(
        action=action,
        actor=user,
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_id=revision.object_id,
        object_repr=revision.object_str,
        revision_id=revision.pk,
        data=data,
    )


# --- submitting ----------------------------------------------------------------------------------


@transaction.atomic
def review_submit(*, obj, user) -> WorkflowState:
    """Send the item's latest revision to review, through the workflow chosen for it.

    `user` None means the system itself (demo seeding, scripts run by an operator).
    """
    if user is not None and not policy_registry.get_by_type(type(obj)).user_has_permission(user, "change"):
        raise NotPermitted("Only authors who may edit this item can submit it for review.")
    if obj.workflow_in_progress:
        raise ReviewError(f"“{obj}” is already in review.")
    latest = obj.get_latest_revision()
    if latest is None:
        raise ReviewError("Save the item before submitting it.")
    if ApprovalRecord.objects.filter(revision=latest).exists():
        # One revision, one approval: a withdrawn or expired version comes back only as a new one.
        raise ReviewError(
            f"This version of “{obj}” was already approved; edit it to make a new version first."
        )
    draft = obj.get_latest_revision_as_object()
    errors = draft.submission_errors(draft.children_from_database())
    if errors:
        raise ReviewError(" ".join(errors))
    state = obj.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user=user)
        return state
    return obj.get_workflow().start(obj, user)


# --- e-signatures -------------------------------------------------------------------------------


def signing_locked_until(user):
    """When this user's e-signing lock ends, or None if they may sign."""
    failures = list(SigningFailure.objects.recent_for(user, window=SIGNING_WINDOW)[:SIGNING_FAILURE_LIMIT])
    if len(failures) < SIGNING_FAILURE_LIMIT:
        return None
    return failures[0].failed_at + SIGNING_WINDOW


@transaction.atomic
def _record_signing_failure(*, user, revision: Revision) -> None:
    SigningFailure.objects.create(user=user, revision=revision)
    locked_until = signing_locked_until(user)
    _audit_revision(
        "review.signature_failed", revision, user, {"reason": "wrong password", "locked_until": locked_until}
    )


def review_sign(
    *, task_state: TaskState, user, password: str, decision: str, meaning: str, discipline: Group, comment=""
) -> Signature:
    """Sign a review as approved or changes requested, after re-checking the signer's password.

    A wrong password is refused and recorded (in its own transaction, so the refusal itself is kept);
    five in fifteen minutes lock e-signing for fifteen minutes.
    """
    locked_until = signing_locked_until(user)
    if locked_until is not None:
        raise SigningLocked(
            f"E-signing is locked after {SIGNING_FAILURE_LIMIT} wrong passwords. "
            f"Try again after {locked_until:%H:%M} UTC."
        )
    if not user.check_password(password):
        _record_signing_failure(user=user, revision=task_state.revision)
        if signing_locked_until(user) is not None:
            raise SigningLocked(
                f"Wrong password. E-signing is now locked for {SIGNING_WINDOW.seconds // 60} minutes."
            )
        left = SIGNING_FAILURE_LIMIT - SigningFailure.objects.recent_for(user, window=SIGNING_WINDOW).count()
        raise SignatureRefused(
            f"Wrong password: the signature was not recorded. {left} more wrong attempt(s) "
            f"lock e-signing for {SIGNING_WINDOW.seconds // 60} minutes."
        )
    return _sign(
        task_state=task_state,
        user=user,
        decision=decision,
        meaning=meaning,
        discipline=discipline,
        comment=comment,
    )


@transaction.atomic
def _sign(*, task_state, user, decision, meaning, discipline, comment) -> Signature:
    # Signers of one review are serialised, so two "last" approvals cannot both miss each other.
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk).specific
    _check_can_sign(
        task_state=task_state, user=user, decision=decision, meaning=meaning, discipline=discipline
    )
    revision = task_state.revision
    if decision == Signature.APPROVED:
        _check_approvable(task_state=task_state, discipline=discipline)
    signature = Signature.objects.create(
        task_state=task_state,
        revision=revision,
        discipline=discipline,
        signer=user,
        signer_name=_full_name(user),
        decision=decision,
        meaning=meaning,
        comment=comment,
        content_hash=content_hash(revision),
    )
    _audit_revision(
        "review.sign",
        revision,
        user,
        {
            "signature_id": signature.pk,
            "decision": decision,
            "meaning": meaning,
            "discipline": discipline.name,
            "content_hash": signature.content_hash,
            "signed_at": signature.signed_at,
        },
    )
    if decision == Signature.CHANGES_REQUESTED:
        task_state.reject(user=user, comment=f"{meaning}: {comment}".strip(": "))
    elif not selectors.missing_disciplines(task_state).exists():
        task_state.approve(user=user, comment=meaning)
    return signature


def _check_can_sign(*, task_state, user, decision, meaning, discipline) -> None:
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewError("This review is no longer open; it was completed, cancelled or restarted.")
    obj = task_state.revision.content_object
    if obj.get_latest_revision().pk != task_state.revision_id:
        raise ReviewError("The item was edited after this review started; review the newest version.")
    task = task_state.task.specific
    if discipline not in task.disciplines_of(user):
        raise NotPermitted(f"You are not a member of {discipline.name}, a discipline of this review.")
    if user.pk in selectors.revision_editors(task_state.revision):
        raise SegregationOfDuties("You created or edited this version, so you cannot sign its review.")
    if decision not in dict(Signature.DECISIONS):
        raise ReviewError("Choose whether you approve or request changes.")
    if meaning not in roles.meanings_for(discipline.name, decision):
        raise ReviewError("Choose what your signature means from the list.")
    if (
        decision == Signature.APPROVED
        and selectors.approvals_on(task_state).filter(discipline=discipline).exists()
    ):
        raise ReviewError(f"{discipline.name} has already approved this version.")


def _check_approvable(*, task_state, discipline) -> None:
    revision = task_state.revision
    blocking = selectors.blocking_annotations(revision).count()
    if blocking:
        raise ApprovalBlocked(f"Resolve the {blocking} open must-fix annotation(s) before approving.")
    unverified = selectors.unverified_citations(revision)
    if unverified:
        numbers = ", ".join(str(n + 1) for n in unverified)
        raise ApprovalBlocked(f"A medical reviewer must verify citation(s) {numbers} before approval.")
    # Withdrawal and expiry cascade only to assembly approvals that exist, so an assembly in review
    # must not be approved on a module whose approval ended meanwhile.
    ended = selectors.ended_pin_approvals(revision)
    if ended:
        names = ", ".join(f"“{record.object_title}” ({record.job_code})" for record in ended)
        raise ApprovalBlocked(
            f"Pinned module {names} is no longer approved (withdrawn or expired). Move the pin to an "
            "approved revision or remove the module, then resubmit."
        )


# --- completing a workflow: approval record, job code, publish ----------------------------------


def _job_code_scope(obj):
    from modules.models import Assembly

    if isinstance(obj, Assembly):
        return obj.product, obj.market
    products, markets = list(obj.products.all()), list(obj.markets.all())
    return (products[0] if products else None), (markets[0] if len(markets) == 1 else None)


def workflow_finish(workflow_state: WorkflowState, user=None) -> ApprovalRecord:
    """Wagtail's finish action: record the approval of exactly the signed revision, then publish it."""
    task_state = workflow_state.current_task_state
    revision = task_state.revision
    obj = revision.as_object()
    if obj.get_latest_revision().pk != revision.pk:
        raise ReviewError("The item was edited after it was signed; the review must restart.")
    record = approval_record_create(revision=revision, workflow_state=workflow_state, user=user)
    revision.publish(user=user, skip_permission_checks=True)
    return record


@transaction.atomic
def approval_record_create(*, revision: Revision, workflow_state=None, user=None) -> ApprovalRecord:
    obj = revision.as_object()
    previous = (
        ApprovalRecord.objects.for_object(obj).select_for_update().filter(status=ApprovalRecord.APPROVED)
    )
    for old in previous:
        _end_approval(
            old, status=ApprovalRecord.SUPERSEDED, user=user, reason="A newer version was approved."
        )
    product, market = _job_code_scope(obj)
    now = timezone.now()
    pinned = selectors.pinned_revision_ids(revision)
    # An assembly's approval never outlasts the module approvals it is built on (their expiry cascades
    # only when the daily job runs; until then readers rely on this date).
    expires_at = min(
        [
            now + relativedelta(months=settings.REVIEW_APPROVAL_MONTHS),
            *ApprovalRecord.objects.filter(revision_id__in=pinned).values_list("expires_at", flat=True),
        ]
    )
    record = ApprovalRecord.objects.create(
        revision=revision,
        base_content_type_id=revision.base_content_type_id,
        content_type_id=revision.content_type_id,
        object_id=revision.object_id,
        object_title=str(obj)[:255],
        workflow_state=workflow_state,
        content_hash=content_hash(revision),
        job_code=job_code_assign(product=product, market=market),
        approved_at=now,
        expires_at=expires_at,
    )
    record.pinned_revisions.set(pinned)
    common = {"actor": user, "object_type": _object_label(obj), "object_id": revision.object_id}
    audit_record(
        action="review.approved",
        object_repr=str(obj),
        revision_id=revision.pk,
        data={"approval_id": record.pk, "content_hash": record.content_hash, "expires_at": record.expires_at},
        **common,
    )
    audit_record(
        action="review.job_code_assigned",
        object_repr=str(obj),
        revision_id=revision.pk,
        data={"approval_id": record.pk, "job_code": record.job_code},
        **common,
    )
    _emit(record, OutboxEvent.PUBLISHED)
    return record


def _emit(record: ApprovalRecord, kind: str) -> OutboxEvent:
    return OutboxEvent.objects.create(
        kind=kind,
        approval=record,
        object_type=f"{record.content_type.app_label}.{record.content_type.model}",
        object_id=record.object_id,
        revision_id=record.revision_id,
    )


# --- withdrawal and expiry ----------------------------------------------------------------------


@dataclass
class ImpactReport:
    """What one withdrawal or expiry took out of use, including assemblies that pinned it."""

    ended: ApprovalRecord
    cascaded: list[ApprovalRecord] = field(default_factory=list)


def _end_approval(record: ApprovalRecord, *, status: str, user, reason: str, cause=None) -> None:
    record.status = status
    record.ended_at = timezone.now()
    record.ended_by = user if user is not None and user.pk else None
    record.end_reason = reason
    record.cascaded_from = cause
    record.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "cascaded_from"])


def _take_out_of_use(record: ApprovalRecord, *, status: str, user, reason: str, cause=None) -> None:
    _end_approval(record, status=status, user=user, reason=reason, cause=cause)
    obj = record.revision.content_object
    # Only the revision that is live goes out of use; ending an older (superseded) approval
    # must never unpublish the item's newer approved revision.
    if obj.live and obj.live_revision_id == record.revision_id:
        UnpublishAction(obj, user=user if user is not None and user.pk else None, log_action=False).execute(
            skip_permission_checks=True
        )
    audit_record(
        action=f"review.{status}",
        actor=user,
        object_type=_object_label(obj),
        object_id=record.object_id,
        object_repr=record.object_title,
        revision_id=record.revision_id,
        data={
            "approval_id": record.pk,
            "job_code": record.job_code,
            "reason": reason,
            "cascaded_from": cause.job_code if cause else None,
        },
    )
    _emit(record, OutboxEvent.WITHDRAWN if status == ApprovalRecord.WITHDRAWN else OutboxEvent.EXPIRED)


def _end_with_cascade(record: ApprovalRecord, *, status: str, user, reason: str) -> ImpactReport:
    report = ImpactReport(ended=record)
    _take_out_of_use(record, status=status, user=user, reason=reason)
    # Assemblies built on this exact revision are withdrawn with it; their own assemblies do not exist.
    pinning = ApprovalRecord.objects.pinning([record.revision_id]).values("pk")
    dependants = ApprovalRecord.objects.filter(pk__in=pinning, status=ApprovalRecord.APPROVED)
    for dependant in dependants.select_for_update():
        cascade_reason = f"Uses {record.object_title} ({record.job_code}), which was {status}: {reason}"
        _take_out_of_use(
            dependant, status=ApprovalRecord.WITHDRAWN, user=user, reason=cascade_reason, cause=record
        )
        report.cascaded.append(dependant)
    return report


@transaction.atomic
def content_withdraw(*, obj, user, reason: str) -> ImpactReport:
    """Withdraw an item's approval in force, and every assembly that pins the withdrawn revision."""
    if not roles.user_in_roles(user, roles.WITHDRAWERS):
        raise NotPermitted("Only review coordinators and regulatory reviewers can withdraw approved content.")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Give a reason for the withdrawal; it is kept in the audit trail.")
    record = (
        ApprovalRecord.objects.for_object(obj)
        .select_for_update()
        .filter(status__in=[ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED])
        .order_by("-approved_at")
        .first()
    )
    if record is None:
        raise ReviewError(f"“{obj}” has no approval to withdraw.")
    return _end_with_cascade(record, status=ApprovalRecord.WITHDRAWN, user=user, reason=reason)


def approvals_expire(*, now=None) -> list[ImpactReport]:
    """Expire every approval whose date has passed; each in its own transaction."""
    now = now or timezone.now()
    reports = []
    # Oldest first: a module ends before the assemblies whose date was capped at its own, so their
    # cascade names it as the cause.
    due = ApprovalRecord.objects.filter(
        status__in=[ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED], expires_at__lte=now
    ).order_by("expires_at", "approved_at", "pk")
    for record_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            record = ApprovalRecord.objects.select_for_update().get(pk=record_id)
            if record.status not in (ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED):
                continue
            reason = f"Approval expired on {record.expires_at:%Y-%m-%d}."
            reports.append(_end_with_cascade(record, status=ApprovalRecord.EXPIRED, user=None, reason=reason))
    return reports


# --- annotations and citation checks -------------------------------------------------------------


def _check_reviewer(user, revision: Revision) -> None:
    open_states = TaskState.objects.filter(
        revision__base_content_type_id=revision.base_content_type_id,
        revision__object_id=revision.object_id,
        status=TaskState.STATUS_IN_PROGRESS,
    )
    if not any(state.task.specific.disciplines_of(user) for state in open_states):
        raise NotPermitted("Only reviewers of an open review of this item can do that.")


@transaction.atomic
def annotation_create(
    *,
    revision: Revision,
    user,
    field_path: str,
    body: str,
    kind=Annotation.MUST_FIX,
    quote="",
    quote_start=None,
) -> Annotation:
    _check_reviewer(user, revision)
    if not body.strip():
        raise ReviewError("Write what needs attention.")
    if field_path.split(".")[0] not in selectors.annotatable_fields(revision):
        raise ReviewError(f"“{field_path}” is not a field of this {revision.content_type.name}.")
    if kind not in dict(Annotation.KINDS):
        raise ReviewError("Unknown annotation kind.")
    annotation = Annotation(
        revision=revision, field_path=field_path, body=body.strip(), kind=kind, author=user, quote=quote
    )
    if quote:
        text = str(revision.content.get(field_path.split(".")[0], ""))
        start = text.find(quote) if quote_start is None else quote_start
        if start < 0 or text[start : start + len(quote)] != quote:
            raise ReviewError(f"The quoted text does not appear in “{field_path}” of this version.")
        annotation.quote_start, annotation.quote_end = start, start + len(quote)
    annotation.full_clean()
    annotation.save()
    _audit_annotation("review.annotate", annotation, user, {"kind": kind, "field_path": field_path})
    return annotation


@transaction.atomic
def annotation_resolve(*, annotation: Annotation, user) -> Annotation:
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.status == Annotation.RESOLVED:
        raise ReviewError("This annotation is already resolved.")
    if user.pk != annotation.author_id:
        _check_reviewer(user, annotation.revision)
    annotation.status, annotation.resolved_by, annotation.resolved_at = (
        Annotation.RESOLVED,
        user,
        timezone.now(),
    )
    annotation.save(update_fields=["status", "resolved_by", "resolved_at"])
    _audit_annotation("review.annotation_resolved", annotation, user, {})
    return annotation


@transaction.atomic
def annotation_reply(*, annotation: Annotation, user, body: str) -> AnnotationReply:
    """Reviewers of an open review of the item, and the people who wrote it, discuss an annotation."""
    if user.pk not in selectors.revision_editors(annotation.revision) and user.pk != annotation.author_id:
        _check_reviewer(user, annotation.revision)
    if not body.strip():
        raise ReviewError("Write a reply.")
    reply = AnnotationReply.objects.create(annotation=annotation, author=user, body=body.strip())
    _audit_annotation("review.annotation_reply", annotation, user, {"reply_id": reply.pk})
    return reply


def _audit_annotation(action, annotation, user, extra) -> None:
    _audit_revision(action, annotation.revision, user, {"annotation_id": annotation.pk, **extra})


@transaction.atomic
def citation_verify(*, revision: Revision, position: int, user) -> CitationCheck:
    """A medical reviewer confirms one citation of a claim revision supports the claim."""
    if not roles.user_in_roles(user, [roles.MEDICAL]):
        raise NotPermitted("Only medical reviewers verify citations.")
    _check_reviewer(user, revision)
    if not 0 <= position < selectors.citation_count(revision):
        raise ReviewError("That citation is not in this version.")
    if user.pk in selectors.revision_editors(revision):
        raise SegregationOfDuties("You created or edited this version, so you cannot verify its citations.")
    check, created = CitationCheck.objects.get_or_create(
        revision=revision, position=position, defaults={"verified_by": user}
    )
    if created:
        _audit_revision("review.citation_verified", revision, user, {"position": position})
    return check


# --- edits during review -----------------------------------------------------------------------


def review_restart_if_edited(obj, revision: Revision, user=None) -> None:
    """An edit during review voids the signatures so far: restart the current task on the new revision."""
    state = obj.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS:
        return
    task_state = state.current_task_state
    if task_state is None or task_state.revision_id == revision.pk:
        return
    with transaction.atomic():
        task_state.specific.cancel(user=user, resume=True, comment="Edited during review: review restarted.")
        audit_record(
            action="review.restarted",
            actor=user,
            obj=obj,
            revision_id=revision.pk,
            data={"previous_revision_id": task_state.revision_id},
        )


def approvals_warn_expiring(*, days: int, now=None) -> list[ApprovalRecord]:
    """Email each owner once about approvals expiring within `days`; returns the records warned about."""
    now = now or timezone.now()
    due = ApprovalRecord.objects.filter(
        status=ApprovalRecord.APPROVED,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days),
        expiry_warning_sent_at__isnull=True,
    ).select_related("revision")
    warned = []
    for record in due:
        owner = getattr(record.revision.content_object, "owner", None)
        if owner is None or not owner.email:
            continue
        send_mail(
            subject=f"Approval {record.job_code} expires on {record.expires_at:%Y-%m-%d}",
            message=(
                f"Hello {owner.get_full_name() or owner.get_username()},\n\n"
                f"The approval of “{record.object_title}” ({record.job_code}) expires on "
                f"{record.expires_at:%Y-%m-%d}. After that it is withdrawn from search, the channel API "
                "and every assembly that uses it. Submit an updated version for review before then.\n"
            ),
            from_email=None,
            recipient_list=[owner.email],
        )
        with transaction.atomic():
            record.expiry_warning_sent_at = timezone.now()
            record.save(update_fields=["expiry_warning_sent_at"])
            audit_record(
                action="review.expiry_warning_sent",
                object_type=f"{record.content_type.app_label}.{record.content_type.model}",
                object_id=record.object_id,
                object_repr=record.object_title,
                revision_id=record.revision_id,
                data={"approval_id": record.pk, "job_code": record.job_code, "to": owner.email},
            )
        warned.append(record)
    return warned


def review_sign_every_discipline(*, obj, signer_for, comment="") -> list[Signature]:
    """Sign the open review's approval once per discipline, as `signer_for(discipline_name)` says.

    `signer_for` returns (user, password), or None to leave that discipline unsigned. Medical
    signers verify the citations first. Used by the demo seeding and the test factories, so they
    go through exactly the checks a reviewer on the review screen goes through.
    """
    task_state = obj.current_workflow_state.current_task_state.specific
    signatures = []
    for discipline in task_state.task.specific.disciplines.all():
        signer = signer_for(discipline.name)
        if signer is None:
            continue
        user, password = signer
        if discipline.name == roles.MEDICAL:
            for position in selectors.unverified_citations(task_state.revision):
                citation_verify(revision=task_state.revision, position=position, user=user)
        signatures.append(
            review_sign(
                task_state=task_state,
                user=user,
                password=password,
                decision=Signature.APPROVED,
                meaning=roles.meanings_for(discipline.name, Signature.APPROVED)[0],
                discipline=discipline,
                comment=comment,
            )
        )
    obj.refresh_from_db()
    return signatures
