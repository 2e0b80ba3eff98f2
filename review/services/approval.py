"""Completing a review: the approval record of exactly the signed revision, its job code, publishing."""

from django.db import transaction
from django.utils import timezone
from wagtail.models import Revision, WorkflowState

from modules import snapshots
from modules.models import Assembly

from .. import selectors
from ..audit import audit_record
from ..errors import ReviewError
from ..hashing import content_hash
from ..jobcodes import job_code_assign
from ..labels import object_type_label
from ..models import ApprovalRecord, OutboxEvent
from ._common import emit
from .withdrawal import end_approval


def _job_code_scope(obj):
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
        end_approval(old, status=ApprovalRecord.SUPERSEDED, user=user, reason="A newer version was approved.")
    product, market = _job_code_scope(obj)
    now = timezone.now()
    pinned = snapshots.pinned_revision_ids(revision.content)
    # An assembly's approval never outlasts the module approvals it is built on (their expiry cascades
    # only when the expiry job runs; until then readers rely on this date).
    expires_at = min(
        [
            selectors.new_approval_expires_at(now),
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
    common = {"actor": user, "object_type": object_type_label(obj), "object_id": revision.object_id}
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
    emit(record, OutboxEvent.PUBLISHED)
    return record
