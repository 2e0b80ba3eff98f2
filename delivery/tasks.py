"""Background work of the delivery app; tasks carry ids only and read everything else from the database."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def record_render_manifest(approval_id: int) -> int:
    """Render every format of a newly approved revision once and record the hashes with the approval."""
    from delivery.renders import render_manifest_record
    from review.models import ApprovalRecord

    approval = ApprovalRecord.objects.select_related("content_type", "revision").get(pk=approval_id)
    return len(render_manifest_record(approval=approval))


@task()
def send_webhooks() -> dict:
    """Fan new feed events out to subscriptions and POST what is due; reschedules itself for retries."""
    from delivery.webhooks import webhooks_run

    return webhooks_run()


def enqueue_render_manifest(approval_id: int) -> None:
    try:
        record_render_manifest.enqueue(approval_id)
    except Exception:  # noqa: BLE001 - a failed render must never undo or block the approval
        logger.exception("delivery: recording the render manifest of approval %s failed", approval_id)


def enqueue_webhooks() -> None:
    try:
        send_webhooks.enqueue()
    except Exception:  # noqa: BLE001 - a failing receiver must never block approvals
        logger.exception("delivery: webhook run failed; it runs again with the next event or retry")
