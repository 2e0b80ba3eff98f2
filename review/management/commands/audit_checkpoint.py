from django.core.management.base import BaseCommand, CommandError

from review.checkpoints import FILE_NAME, CheckpointError, checkpoint_dir, checkpoint_write


class Command(BaseCommand):
    help = (
        "Append a checkpoint of the audit chain's head (sequence and hash of the newest entry, number of "
        f"entries, UTC time) to AUDIT_CHECKPOINT_DIR/{FILE_NAME}, and mail it to AUDIT_CHECKPOINT_EMAIL "
        "when set. `verify_audit` later proves every entry a checkpoint vouched for is still there. "
        "Exits 1 with the reason when the checkpoint cannot be written or mailed."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_write(reason="command")
        except CheckpointError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint written to {checkpoint_dir() / FILE_NAME}: entry #{checkpoint.sequence} "
                f"(hash {checkpoint.entry_hash}), {checkpoint.count} entries, "
                f"{checkpoint.taken_at:%Y-%m-%d %H:%M:%S} UTC."
            )
        )
