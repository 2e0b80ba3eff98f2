"""`manage.py run_worker`: django-tasks-db's worker, without the autoreloader and optionally quiet.

`db_worker` reloads on code changes whenever DEBUG is on, which runs two processes and can cut a
task short; and it logs two lines per task (254 tasks after `seed_demo`: 508 lines that bury the
logins). This command keeps its options and changes only those two defaults.
"""

import logging
import threading
from collections import Counter

from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("ops.worker")


class TaskSummary:
    """Counts finished tasks and logs one line per interval in which any finished."""

    def __init__(self, interval: float):
        self.interval = interval
        self.counts: Counter = Counter()
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def task_finished(self, sender, task_result, **kwargs):
        with self.lock:
            self.counts[task_result.status] += 1

    def start(self) -> None:
        task_finished.connect(self.task_finished, weak=False)
        threading.Thread(target=self._loop, name="task-summary", daemon=True).start()

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        with self.lock:
            counts, self.counts = self.counts, Counter()
        if counts:
            done = sum(counts.values())
            failed = counts[TaskResultStatus.FAILED]
            logger.info(
                "worker: %d task(s) finished in the last %g s, %d succeeded, %d failed",
                done,
                self.interval,
                done - failed,
                failed,
            )


class Command(db_worker.Command):
    help = (
        "Run the background worker (django-tasks-db's db_worker, same options) without the "
        "autoreloader unless --reload is given. --summary-every N logs one line every N seconds "
        "instead of two per task; failures are still logged in full."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--summary-every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Log a one-line summary every SECONDS instead of a line per task state (default: off).",
        )

    def handle(self, *args, summary_every: float, **options):
        self.summary_every = summary_every
        summary = TaskSummary(summary_every) if summary_every > 0 else None
        if summary:
            summary.start()
        try:
            super().handle(*args, **options)
        finally:
            if summary:
                summary.flush()

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        if self.summary_every > 0 and verbosity <= 1:
            # Task failures are logged with logger.exception (ERROR), so they still show.
            logging.getLogger(TASKS_LOGGER).setLevel(logging.WARNING)
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
