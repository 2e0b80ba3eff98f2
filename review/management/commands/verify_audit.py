from django.core.management.base import BaseCommand, CommandError

from review.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Prove the audit trail intact: recompute every entry's hash and its link to the entry before it. "
        "Exits 0 when the chain is intact; otherwise exits 1 and names the first broken entry."
    )

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.intact:
            entry = report.broken_at
            raise CommandError(
                f"Audit chain broken at entry #{entry.sequence} (id {entry.pk}, {entry.action} on "
                f"{entry.object_type} {entry.object_id}, {entry.created_at:%Y-%m-%d %H:%M:%S} UTC): "
                f"{report.reason}. "
                f"{report.checked} entries before it are intact.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified."))
