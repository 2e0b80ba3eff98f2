from django.core.management.base import BaseCommand, CommandError

from review.audit import audit_verify
from review.checkpoints import checkpoint_dir


class Command(BaseCommand):
    help = (
        "Prove the audit trail intact: recompute every entry's hash and its link to the entry before it, "
        "and hold the chain against every checkpoint in AUDIT_CHECKPOINT_DIR (entries a checkpoint vouched "
        "for must all still be there, unchanged, and nothing may be slipped in behind one with an earlier "
        "time). Exits 0 when intact; otherwise exits 1 and names the first broken entry or the missing or "
        "changed range."
    )

    def handle(self, *args, **options):
        report = audit_verify()
        entry = report.broken_at
        if entry is not None:
            raise CommandError(
                f"Audit chain broken at entry #{entry.sequence} (id {entry.pk}, {entry.action} on "
                f"{entry.object_type} {entry.object_id}, {entry.created_at:%Y-%m-%d %H:%M:%S} UTC): "
                f"{report.reason}. "
                f"{report.checked} entries before it are intact.",
                returncode=1,
            )
        if not report.intact:
            raise CommandError(f"Audit trail does not match its checkpoints: {report.reason}.", returncode=1)
        newest = report.newest_checkpoint
        if newest is None:
            self.stderr.write(
                self.style.WARNING(
                    f"No checkpoints in {checkpoint_dir()}: a cut tail or a rewritten chain cannot be "
                    "detected. Run `manage.py audit_checkpoint` now and on a schedule (docs/audit-trail.md)."
                )
            )
        else:
            self.stdout.write(
                f"Checked against {len(report.checkpoints)} checkpoints; the newest vouches for #"
                f"{newest.sequence} ({newest.describe()})."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified."))
