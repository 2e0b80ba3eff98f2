"""Signal receivers: record the feed in the approval's transaction, hand everything else to tasks."""

from django.db import transaction


def outbox_event_created(sender, instance, created, **kwargs):
    """Feed events commit with the approval, withdrawal or expiry; renders and webhooks run after commit."""
    if not created:
        return
    from delivery import services, tasks

    services.feed_events_record(outbox_event=instance)
    approval_id = instance.approval_id
    if instance.kind == "published":
        transaction.on_commit(lambda: tasks.enqueue_render_manifest(approval_id))
    transaction.on_commit(tasks.enqueue_webhooks)


def request_finished(sender, **kwargs):
    """Write buffered pull records after the response has gone out (see delivery/pulls.py)."""
    from delivery import pulls

    pulls.flush_if_due()
