"""`manage.py run_scheduler`: the product's clock. Runs the jobs of ops/schedule.py until stopped."""

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from ops.schedule import PERIODIC_JOBS, PeriodicJob
from ops.tasking import enqueue_once
from ops.tasks import run_periodic_job

logger = logging.getLogger("ops.scheduler")


def dispatch(job: PeriodicJob) -> str:
    """Run an inline job here, or queue the job for the worker (once: a pending run is not doubled)."""
    if job.inline:
        return f"{job.name}: {job.run()}"
    queued = enqueue_once(run_periodic_job, job.name)
    return f"{job.name}: {'queued' if queued else 'already queued'}"


def fire(job: PeriodicJob) -> None:
    # A long-lived process: drop connections the database closed meanwhile, as a request would.
    close_old_connections()
    # One failing job (the database restarting, say) must not stop the clock for the others.
    try:
        logger.debug("scheduler: %s", dispatch(job))
    except Exception:
        logger.exception("scheduler: job %s failed; it runs again at its next time", job.name)
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = (
        "Run the product's periodic jobs (ops/schedule.py) until stopped: task recovery and the outbox "
        "sweep every minute in this process; expiry and the other jobs queued for the worker. "
        "Run one scheduler beside the workers (a second one queues nothing twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once now, then exit.")
        parser.add_argument(
            "--list",
            action="store_true",
            dest="show_list",
            help="List the jobs and their schedules, then exit.",
        )

    def handle(self, *args, once, show_list, **options):
        if show_list:
            for job in PERIODIC_JOBS:
                where = "scheduler" if job.inline else "worker"
                self.stdout.write(f"{job.name:<22} {job.cron:<14} {where:<9} {job.description}")
            return
        if once:
            for job in PERIODIC_JOBS:
                self.stdout.write(dispatch(job))
            return
        scheduler = BlockingScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
        )
        now = timezone.now()
        for job in PERIODIC_JOBS:
            # Supervising jobs also run at start, so a restart after a crash recovers at once.
            scheduler.add_job(
                fire,
                CronTrigger.from_crontab(job.cron, timezone="UTC"),
                args=[job],
                id=job.name,
                name=job.name,
                **({"next_run_time": now} if job.inline else {}),
            )
        if options["verbosity"] > 1:
            self.stdout.write(
                f"Scheduler: {len(PERIODIC_JOBS)} periodic jobs (manage.py run_scheduler --list)."
            )
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
