"""Background-task plumbing on top of django-tasks: queue a task once, and recover tasks whose worker died.

Both rules hold for the database backend (`manage.py run_worker`); with any other backend (tests run
tasks immediately) a task is simply enqueued and there is nothing to recover.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded on a task whose worker vanished too often while running it (see `tasks_recover_stale`)."""


def enqueue_once(task, *args, run_after: datetime | None = None):
    """Enqueue `task(*args)` unless the same call is already waiting to run by `run_after` (default: now).

    However many approvals commit, at most one drain is pending; a task already running does not
    count, so work that arrives while it runs is picked up by the next one. Returns the new result,
    or None when an existing one will do.
    """
    backend = task.get_backend()
    scheduled = task.using(run_after=run_after) if run_after else task
    if not isinstance(backend, DatabaseBackend):
        return scheduled.enqueue(*args)
    using = DBTaskResult.objects.db
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            # Two commits at the same instant would both see nothing pending; one waits for the other.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [task.module_path])
        deadline = run_after or timezone.now()
        pending = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            backend_name=backend.alias,
            task_path=task.module_path,
        ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=deadline))
        if any(row.args_kwargs.get("args") == list(args) for row in pending.only("args_kwargs")):
            return None
        return scheduled.enqueue(*args)


@dataclass
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def tasks_recover_stale(
    *, lease: timedelta, max_attempts: int, now: datetime | None = None
) -> RecoveryReport:
    """Re-queue tasks RUNNING longer than `lease`: their worker was killed (SIGKILL, OOM, a deploy).

    django-tasks-db marks a task RUNNING when a worker claims it and nothing ever clears that if the
    worker dies, so the task would never run again. Tasks must therefore be idempotent (the outbox
    drain and expiry are) and finish well within the lease. A task that lost its worker
    `max_attempts` times is marked FAILED instead, so one that kills its worker cannot loop forever.
    """
    now = now or timezone.now()
    report = RecoveryReport()
    with transaction.atomic(using=DBTaskResult.objects.db):
        stale = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=now - lease)
            .select_for_update(skip_locked=True)
            .order_by("started_at")
        )
        for result in stale:
            label = f"{result.task_path} id={result.id}"
            if len(result.worker_ids) >= max_attempts:
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
                result.traceback = (
                    f"WorkerLost: the worker running this task stopped without finishing it "
                    f"{len(result.worker_ids)} time(s) (workers {', '.join(result.worker_ids)})."
                )
                result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                report.failed.append(label)
                logger.error(
                    "tasks: %s lost its worker %d times; marked failed", label, len(result.worker_ids)
                )
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                report.requeued.append(label)
                logger.warning("tasks: %s was running for over %s on a lost worker; re-queued", label, lease)
    return report


def recover_stale_tasks() -> str:
    """The periodic job: recovery with the lease and attempt limit from settings."""
    report = tasks_recover_stale(
        lease=timedelta(seconds=settings.TASKS_LEASE_SECONDS), max_attempts=settings.TASKS_MAX_ATTEMPTS
    )
    return f"{len(report.requeued)} re-queued, {len(report.failed)} given up"


def prune_task_results() -> str:
    """The periodic job: finished task results are kept TASKS_KEEP_RESULTS_DAYS days, then deleted."""
    cutoff = timezone.now() - timedelta(days=settings.TASKS_KEEP_RESULTS_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return f"{deleted} finished task result(s) deleted"
