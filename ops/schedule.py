"""The product's periodic jobs: the one registry the scheduler (`manage.py run_scheduler`) reads.

Each job names a function taking no arguments, by dotted path so this module imports no domain app.
`inline` jobs run inside the scheduler process itself: they supervise the worker (re-queue what a
dead worker left, queue a drain for events nobody drained), so they must not depend on it. The
others are queued as a task (`ops.tasks.run_periodic_job`) for the worker, at most one pending run
per job however long the worker is away. Cron expressions are in UTC.

To add a job, add one line to PERIODIC_JOBS.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    call: str
    cron: str
    description: str
    inline: bool = False

    def run(self):
        """Call the job's function here, in this process."""
        return import_string(self.call)()


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "recover_stale_tasks",
        "ops.tasking.recover_stale_tasks",
        cron="* * * * *",
        description="re-queue tasks left RUNNING by a worker that died (lease: TASKS_LEASE_SECONDS)",
        inline=True,
    ),
    PeriodicJob(
        "outbox_sweep",
        "search.tasks.outbox_sweep",
        cron="* * * * *",
        description="queue an outbox drain when events are due and none is pending",
        inline=True,
    ),
    PeriodicJob(
        "expire_approvals",
        "review.jobs.approvals_expire_and_warn",
        cron="*/10 * * * *",
        description="expire approvals past their date (with cascade) and warn owners ahead of expiry",
    ),
    PeriodicJob(
        "audit_checkpoint",
        "review.jobs.audit_checkpoint",
        cron="*/15 * * * *",
        description="append the audit chain head to AUDIT_CHECKPOINT_DIR (and mail it when configured)",
    ),
    PeriodicJob(
        "engagement_rollup",
        "engagement.tasks.rollup_sweep",
        cron="*/5 * * * *",
        description="queue an engagement rollup when aggregate buckets wait and none is queued",
        inline=True,
    ),
    PeriodicJob(
        "recommendations_refresh",
        "engagement.recommendations.recommendations_job",
        cron="23 * * * *",
        description="recompute next-best-content's co-engagement and specialty popularity from the events",
    ),
    PeriodicJob(
        "prune_task_results",
        "ops.tasking.prune_task_results",
        cron="40 3 * * *",
        description="delete finished task results older than TASKS_KEEP_RESULTS_DAYS",
    ),
)


def job_named(name: str) -> PeriodicJob:
    for job in PERIODIC_JOBS:
        if job.name == name:
            return job
    raise LookupError(f"No periodic job is called {name!r}; see ops/schedule.py.")
