"""The one task the scheduler queues: run a periodic job from ops/schedule.py by name."""

from django_tasks import task

from ops.schedule import job_named


@task()
def run_periodic_job(name: str) -> str:
    """Tasks carry only the job's name; what it runs comes from the registry, never from the queue."""
    result = job_named(name).run()
    return "" if result is None else str(result)[:500]
