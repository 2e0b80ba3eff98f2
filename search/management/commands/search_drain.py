"""manage.py search_drain: deliver due outbox events to the index now (the background task does the same)."""

from django.core.management.base import BaseCommand, CommandError

from search.indexing import outbox_drain
from search.outbox import outbox_retry_now


class Command(BaseCommand):
    help = "Deliver due outbox events (publish, withdraw, expire) to the approved-content index."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="retry every undelivered event now, ignoring backoff"
        )

    def handle(self, *args, all, **options):
        if all:
            outbox_retry_now()
        report = outbox_drain()
        self.stdout.write(f"Delivered {report.delivered} event(s); {report.failed} failed.")
        if report.failed:
            raise CommandError(
                "Some events were not delivered and stay queued: " + "; ".join(report.errors[:3])
            )
