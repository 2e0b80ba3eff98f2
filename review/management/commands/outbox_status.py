from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from review.outbox_health import outbox_lag


class Command(BaseCommand):
    help = (
        "Say how old the oldest undelivered outbox event is (the search index and channels follow the "
        "outbox). Exits 1 when it is older than --max-age, so cron or a monitor can alert."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=float,
            default=settings.OUTBOX_MAX_AGE_SECONDS,
            metavar="SECONDS",
            help="Unhealthy past this age in seconds (default: OUTBOX_MAX_AGE_SECONDS, %(default)s).",
        )

    def handle(self, *args, max_age, **options):
        if max_age < 0:
            raise CommandError("--max-age must be zero or more seconds.")
        lag = outbox_lag()
        if not lag.undelivered:
            self.stdout.write("Outbox: every event delivered.")
            return
        self.stdout.write(
            f"Outbox: {lag.undelivered} undelivered event(s), {lag.failing} failing and retrying; "
            f"the oldest is {lag.oldest_age_seconds:.0f} s old."
        )
        if not lag.healthy(max_age):
            raise CommandError(
                f"The oldest undelivered outbox event is {lag.oldest_age_seconds:.0f} s old, over the "
                f"{max_age:g} s limit: is a worker (manage.py run_worker) and the scheduler running? "
                "`manage.py search_drain` delivers now."
            )
