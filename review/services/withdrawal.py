"""Taking approved content out of use: withdrawal by a person, expiry by date, and the cascade to
every approved assembly that pins the revision that ended."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from wagtail.actions.unpublish import UnpublishAction

from .. import roles, selectors
from ..audit import audit_record
from ..errors import NotPermitted, ReviewError
from ..labels import object_type_label
from ..models import ApprovalRecord, OutboxEvent
from ._common import emit


@dataclass
class ImpactReport:
    """What one withdrawal or expiry took out of use, including assemblies that pinned it."""

    ended: ApprovalRecord
    cascaded: list[ApprovalRecord] = field(default_factory=list)


def end_approval(record: ApprovalRecord, *, status: str, user, reason: str, cause=None) -> None:
    record.status = status
    record.ended_at = timezone.now()
    record.ended_by = user if user is not None and user.pk else None
    record.end_reason = reason
    record.cascaded_from = cause
    record.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "cascaded_from"])


def _take_out_of_use(record: ApprovalRecord, *, status: str, user, reason: str, cause=None) -> None:
    end_approval(record, status=status, user=user, reason=reason, cause=cause)
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
        object_type=object_type_label(obj),
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
    emit(record, OutboxEvent.WITHDRAWN if status == ApprovalRecord.WITHDRAWN else OutboxEvent.EXPIRED)


def _end_with_cascade(record: ApprovalRecord, *, status: str, user, reason: str) -> ImpactReport:
    report = ImpactReport(ended=record)
    _take_out_of_use(record, status=status, user=user, reason=reason)
    # Assemblies built on this exact revision are withdrawn with it; their own assemblies do not exist.
    for dependant in selectors.approvals_pinning(record).select_for_update():
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
    record = selectors.withdrawable_approval(obj, for_update=True)
    if record is None:
        raise ReviewError(f"“{obj}” has no approval to withdraw.")
    return _end_with_cascade(record, status=ApprovalRecord.WITHDRAWN, user=user, reason=reason)


def approvals_expire(*, now=None) -> list[ImpactReport]:
    """Expire every approval whose date has passed; each in its own transaction."""
    now = now or timezone.now()
    reports = []
    # Oldest first: a module ends before the assemblies whose date was capped at its own, so their
    # cascade names it as the cause.
    due = (
        ApprovalRecord.objects.not_ended()
        .filter(expires_at__lte=now)
        .order_by("expires_at", "approved_at", "pk")
    )
    for record_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            record = ApprovalRecord.objects.select_for_update().get(pk=record_id)
            if record.status not in (ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED):
                continue
            reason = f"Approval expired on {record.expires_at:%Y-%m-%d}."
            reports.append(_end_with_cascade(record, status=ApprovalRecord.EXPIRED, user=None, reason=reason))
    return reports
