"""manage.py search_reindex: rebuild the approved-content index with no downtime."""

import sys

from django.core.management.base import BaseCommand, CommandError
from elasticsearch import ApiError, TransportError

from search.errors import SearchError
from search.index import ApprovedContentIndex
from search.rebuild import BATCH_SIZE, search_index_rebuild


class Command(BaseCommand):
    help = (
        "Build a new approved-content index from every approval in force, bulk-load it with a progress bar "
        "and swap the alias atomically (searches keep working throughout). With --if-missing, only create "
        "the index and alias when they do not exist yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="documents per bulk request")
        parser.add_argument("--keep-old", action="store_true", help="keep the previous index after the swap")
        parser.add_argument(
            "--if-missing", action="store_true", help="set up the alias only if it is missing"
        )

    def handle(self, *args, batch_size, keep_old, if_missing, **options):
        try:
            if if_missing:
                index = ApprovedContentIndex()
                if index.indices():
                    self.stdout.write(f"{index.alias} -> {', '.join(index.indices())} (left as is)")
                    return
            report = search_index_rebuild(batch_size=batch_size, keep_old=keep_old, progress=self._progress)
        except (SearchError, TransportError, ApiError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {report.indexed} document(s) into {report.index} in {report.seconds:.1f}s "
                f"({report.rate:.0f}/s); alias swapped"
                + (f", dropped {', '.join(report.dropped_indices)}" if report.dropped_indices else "")
            )
        )
        if report.failed:
            raise CommandError(f"{report.failed} document(s) failed to index; run search_check for details.")

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total}")
        sys.stderr.flush()
