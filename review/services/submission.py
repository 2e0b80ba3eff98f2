"""Submitting an item for review, and restarting a review when the item is edited during it."""

from django.db import transaction
from wagtail.models import Revision, WorkflowState
from wagtail.permissions import policy_registry

from ..audit import audit_record
from ..errors import NotPermitted, ReviewError
from ..models import ApprovalRecord, Signature
from .notifications import reviewers_notify_restarted


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


def review_restart_if_edited(*, obj, revision: Revision, user=None) -> None:
    """An edit during review voids the signatures so far: restart the current task on the new revision."""
    state = obj.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS:
        return
    task_state = state.current_task_state
    if task_state is None or task_state.revision_id == revision.pk:
        return
    with transaction.atomic():
        voided = list(
            Signature.objects.filter(task_state=task_state).select_related("signer").order_by("signed_at")
        )
        task_state.specific.cancel(user=user, resume=True, comment="Edited during review: review restarted.")
        audit_record(
            action="review.restarted",
            actor=user,
            obj=obj,
            revision_id=revision.pk,
            data={"previous_revision_id": task_state.revision_id},
        )
        if voided:
            # Mail leaves only once the restart is committed; a rolled-back edit tells nobody.
            transaction.on_commit(
                lambda: reviewers_notify_restarted(
                    obj=obj, signatures=voided, revision_id=revision.pk, editor=user
                )
            )
