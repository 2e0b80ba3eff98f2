from django.core.management.base import BaseCommand, CommandError

from engagement.recommendations import recommendations_refresh


class Command(BaseCommand):
    help = (
        "Recompute next-best-content's co-engagement and specialty popularity tables from the events of "
        "the last RECOMMENDATIONS_WINDOW_DAYS days (the scheduler does this every hour)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="read this many recent days of events")

    def handle(self, *args, days=None, **options):
        if days is not None and not 1 <= days <= 3650:
            raise CommandError(f"--days must be between 1 and 3650; got {days}.")
        run = recommendations_refresh(window_days=days)
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"Read {run.events} events of {run.hcps} HCPs on {run.items} items since {run.since:%Y-%m-%d}; "
            f"stored {run.neighbour_rows} neighbour rows and {run.popularity_rows} popularity rows "
            f"in {seconds:.1f} s."
        )
