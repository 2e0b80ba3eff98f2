from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from review.services import approvals_expire, approvals_warn_expiring


class Command(BaseCommand):
    help = (
        "Expire every approval whose expiry date has passed (withdrawing the assemblies that pin it, "
        "with an impact report), then email owners whose approvals expire within the warning period. "
        "The scheduler (manage.py run_scheduler) does this every 10 minutes; run it to do it now."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--warn-days",
            type=int,
            default=settings.REVIEW_EXPIRY_WARNING_DAYS,
            help="Warn owners this many days before expiry (default: REVIEW_EXPIRY_WARNING_DAYS).",
        )

    def handle(self, *args, warn_days, **options):
        if warn_days < 0:
            raise CommandError("--warn-days must be zero or more.")
        reports = approvals_expire()
        for report in reports:
            self.stdout.write(f"Expired {report.ended.job_code} “{report.ended.object_title}”")
            for record in report.cascaded:
                self.stdout.write(f"  and withdrew {record.job_code} “{record.object_title}”, which uses it")
        warned = approvals_warn_expiring(days=warn_days)
        for record in warned:
            self.stdout.write(f"Warned the owner of {record.job_code}: expires {record.expires_at:%Y-%m-%d}")
        self.stdout.write(f"{len(reports)} approval(s) expired, {len(warned)} warning(s) sent.")
