"""Signal receivers: they only hand work to background tasks."""

from django.db import transaction


def outbox_event_created(sender, instance, created, **kwargs):
    """After the approval's transaction commits, drain the outbox (the task reads rows, not this event)."""
    if created:
        from search.tasks import enqueue_drain

        transaction.on_commit(enqueue_drain)
