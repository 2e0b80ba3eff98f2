"""Background work for the index; tasks carry no payload, they read the outbox."""

from django.utils import timezone
from django_tasks import task

from search.indexing import next_due_at, outbox_drain


@task()
def drain_outbox() -> dict:
    """Deliver due outbox events; when some fail, schedule the next try for when they are due again."""
    report = outbox_drain()
    due_at = next_due_at()
    if due_at is not None and drain_outbox.get_backend().supports_defer:
        drain_outbox.using(run_after=max(due_at, timezone.now())).enqueue()
    return {"delivered": report.delivered, "failed": report.failed}


def enqueue_drain() -> None:
    drain_outbox.enqueue()
