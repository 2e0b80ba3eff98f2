"""manage.py search_check: does the index match the database's approvals in force?"""

from django.core.management.base import BaseCommand, CommandError

from search.drift import search_drift
from search.errors import SearchError

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Compare the approvals in force with the approved-content index and list missing, stale "
        "(wrong revision or hash) and extra documents. Exit code 0 when they match, 1 on drift."
    )

    def handle(self, *args, **options):
        try:
            report = search_drift()
        except SearchError as exc:
            raise CommandError(str(exc)) from exc
        for label, items in (("missing", report.missing), ("stale", report.stale), ("extra", report.extra)):
            if items:
                self.stdout.write(f"{label}: {len(items)}")
                for item in items[:SHOWN]:
                    self.stdout.write(f"  {item}")
                if len(items) > SHOWN:
                    self.stdout.write(f"  … and {len(items) - SHOWN} more")
        if not report.clean:
            raise CommandError(
                f"Drift: {len(report.missing)} missing, {len(report.stale)} stale, {len(report.extra)} extra "
                f"({report.checked} approvals in force, {report.indexed} documents). Fix: search_drain or "
                "search_reindex."
            )
        self.stdout.write(self.style.SUCCESS(f"No drift: {report.checked} approvals in force, all indexed."))
