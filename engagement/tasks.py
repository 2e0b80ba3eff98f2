"""Background work for engagement: keep the daily aggregate up to date; tasks carry no payload."""

from django_tasks import task

from engagement.models import RollupBacklog
from engagement.rollup import rollup_backlog
from ops.tasking import enqueue_once


@task()
def rollup_engagement() -> dict:
    """Rebuild the aggregate buckets that received events; queue another run while some wait."""
    done, waiting = rollup_backlog()
    if waiting:
        enqueue_once(rollup_engagement)
    return {"rebuilt": done, "waiting": waiting}


def enqueue_rollup() -> None:
    """After an ingest commits: one pending rollup covers every batch that arrives before it runs."""
    enqueue_once(rollup_engagement)


def rollup_sweep() -> str:
    """The periodic job: buckets waiting that no queued rollup will take (a lost task, a crash)."""
    if not RollupBacklog.objects.exists():
        return "nothing waiting"
    return "rollup queued" if enqueue_once(rollup_engagement) else "rollup already queued"
