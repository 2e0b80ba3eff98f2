"""Checkpoints of the audit chain's head, kept outside the database, so a cut or rewritten trail shows.

A hash chain proves each entry follows the one before it, but not where it ends: delete the newest
entries, or empty the table, and what is left still verifies. A checkpoint records the head — the
sequence and hash of the newest entry, the number of entries and the UTC time — as one JSON line
appended to ``checkpoints.jsonl`` in ``AUDIT_CHECKPOINT_DIR`` (opened with O_APPEND, never
rewritten), and mails it to ``AUDIT_CHECKPOINT_EMAIL`` when that is set. One is written after every
committed approval (``review.audit``), by ``manage.py audit_checkpoint`` and by the scheduler, which
calls ``checkpoint_write()``. ``review.audit.audit_verify`` checks the chain against all of them.

The file is only as strong as the storage under it: put the directory on write-once storage
(see docs/audit-trail.md).
"""

import datetime
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .errors import ReviewError
from .models import GENESIS_HASH, AuditEntry
from .models.audit import lock_chain_head

logger = logging.getLogger(__name__)

FILE_NAME = "checkpoints.jsonl"
FIELDS = ("sequence", "entry_hash", "count", "taken_at_utc", "reason")


class CheckpointError(ReviewError):
    """A checkpoint could not be written, mailed or read back."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain head as it was at one moment: what every later verification must still find."""

    sequence: int  # of the newest entry; 0 for an empty trail
    entry_hash: str
    count: int  # entries in the table at that moment (equals sequence while the trail is whole)
    taken_at: datetime.datetime
    reason: str = ""  # approval, scheduled, command
    source: str = ""  # file:line it was read from

    def as_line(self) -> str:
        taken_at = self.taken_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        values = (self.sequence, self.entry_hash, self.count, taken_at, self.reason)
        return json.dumps(dict(zip(FIELDS, values, strict=True)), separators=(",", ":")) + "\n"

    @classmethod
    def from_line(cls, line: str, *, source: str) -> "Checkpoint":
        try:
            values = json.loads(line)
            sequence, entry_hash, count = values["sequence"], values["entry_hash"], values["count"]
            taken_at = datetime.datetime.fromisoformat(values["taken_at_utc"])
            valid = (
                type(sequence) is int
                and type(count) is int
                and sequence >= 0
                and isinstance(entry_hash, str)
                and len(entry_hash) == 64
                and taken_at.tzinfo is not None
            )
        except (ValueError, TypeError, KeyError) as error:
            raise CheckpointError(f"Checkpoint {source} cannot be read ({error}).") from None
        if not valid:
            raise CheckpointError(f"Checkpoint {source} is not a checkpoint: {line.strip()[:200]}")
        return cls(sequence, entry_hash, count, taken_at, str(values.get("reason", "")), source)

    def describe(self) -> str:
        return f"the checkpoint of {self.taken_at:%Y-%m-%d %H:%M:%S} UTC ({self.source})"


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


@transaction.atomic
def _chain_head(reason: str) -> Checkpoint:
    # Under the append lock: every entry whose append began earlier has committed, and every later
    # one gets a time after taken_at — which is what lets verification catch a backdated entry.
    lock_chain_head()
    head = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
    return Checkpoint(
        sequence=head.sequence if head else 0,
        entry_hash=head.entry_hash if head else GENESIS_HASH,
        count=AuditEntry.objects.count(),
        taken_at=timezone.now(),
        reason=reason,
    )


def checkpoint_write(*, reason: str = "scheduled") -> Checkpoint:
    """Append a checkpoint of the chain head to the checkpoint file, and mail it when configured."""
    checkpoint, path = _checkpoint_append(reason)
    recipients = list(settings.AUDIT_CHECKPOINT_EMAIL)
    if recipients:
        try:
            _mail(checkpoint, recipients)
        except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
            raise CheckpointError(
                f"Checkpoint #{checkpoint.sequence} was appended to {path}, but mailing it to "
                f"{', '.join(recipients)} failed: {error}"
            ) from error
    return checkpoint


def _checkpoint_append(reason: str) -> tuple[Checkpoint, Path]:
    checkpoint = _chain_head(reason)
    return checkpoint, _append(checkpoint_dir(), checkpoint.as_line())


def _append(directory: Path, line: str) -> Path:
    path = directory / FILE_NAME
    data = line.encode("utf-8")
    try:
        directory.mkdir(mode=0o750, parents=True, exist_ok=True)
        # O_APPEND: the one write lands after whatever is there, even with several writers at once;
        # nothing here ever opens the file for anything but appending.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(f"only part of the checkpoint was written to {path}")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise CheckpointError(f"Could not append the audit checkpoint to {path}: {error}") from error
    return path


def _mail(checkpoint: Checkpoint, recipients: list[str]) -> None:
    send_mail(
        subject=f"Audit checkpoint #{checkpoint.sequence} ({checkpoint.taken_at:%Y-%m-%d %H:%M:%S} UTC)",
        message=(
            f"The audit trail of {settings.WAGTAIL_SITE_NAME} held {checkpoint.count} entries; the newest "
            f"is #{checkpoint.sequence} with hash {checkpoint.entry_hash}.\n\n"
            "Keep this message: `manage.py verify_audit` proves the trail still holds every entry a "
            "checkpoint vouched for. The checkpoint line, as written to the checkpoint file:\n\n"
            f"{checkpoint.as_line()}"
        ),
        from_email=None,
        recipient_list=recipients,
    )


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint in every *.jsonl file of the checkpoint directory; an unreadable line is an error."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return []
    checkpoints = []
    for path in sorted(directory.glob("*.jsonl")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CheckpointError(f"Checkpoint file {path} cannot be read: {error}") from error
        for number, line in enumerate(lines, start=1):
            if line.strip():
                checkpoints.append(Checkpoint.from_line(line, source=f"{path.name}:{number}"))
    return checkpoints


def checkpoint_after_approval() -> None:
    """Run after an approval commits: append a checkpoint now and mail it from the worker.

    The approval is done by then, so a failure is logged, not raised; the next checkpoint covers it.
    Mail goes through a task so a slow mail server never holds up the signer's response.
    """
    try:
        checkpoint, _path = _checkpoint_append("approval")
    except CheckpointError:
        logger.exception("Audit checkpoint after an approval failed; the next checkpoint will cover it.")
        return
    if settings.AUDIT_CHECKPOINT_EMAIL:
        checkpoint_mail.enqueue(checkpoint.as_line())


@task()
def checkpoint_mail(line: str) -> None:
    """Mail one checkpoint line (as written to the file) to AUDIT_CHECKPOINT_EMAIL."""
    _mail(Checkpoint.from_line(line, source="mail task"), list(settings.AUDIT_CHECKPOINT_EMAIL))
