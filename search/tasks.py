"""Background work for the index; tasks carry no payload, they read the outbox."""

from django.utils import timezone
from django_tasks import task

from ops.tasking import enqueue_once
from review.models import OutboxEvent
from search.indexing import next_due_at, outbox_drain

# Ahead of Wagtail's own tasks (reference index, admin search: 225 after seeding), so a burst of
# edits never delays approvals and withdrawals reaching search.
DRAIN_PRIORITY = 50


@task(priority=DRAIN_PRIORITY)
def drain_outbox() -> dict:
    """Deliver due outbox events; when some fail, schedule the next try for when they are due again."""
    report = outbox_drain()
    due_at = next_due_at()
    if due_at is not None and drain_outbox.get_backend().supports_defer:
        enqueue_once(drain_outbox, run_after=max(due_at, timezone.now()))
    return {"delivered": report.delivered, "failed": report.failed}


def enqueue_drain() -> None:
    """Queue a drain unless one is already waiting: it will deliver this commit's events too."""
    enqueue_once(drain_outbox)


def outbox_sweep() -> str:
    """The periodic job: events due that nobody is draining (a lost task, a crash before on_commit)."""
    if not OutboxEvent.objects.due().exists():
        return "nothing due"
    return "drain queued" if enqueue_once(drain_outbox) else "drain already queued"
