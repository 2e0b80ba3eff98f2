"""Writing and verifying the audit trail."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .checkpoints import Checkpoint, CheckpointError, checkpoint_after_approval, checkpoints_read
from .labels import object_type_label
from .models import GENESIS_HASH, AuditEntry
from .models.audit import lock_chain_head

# Actions after whose commit the chain head is checkpointed outside the database.
CHECKPOINT_ACTIONS = frozenset({"review.approved"})
# An entry is written after the append lock is taken, a checkpoint reads the head under the same
# lock, so an entry after a checkpoint never has an earlier time. This allows for the clocks of
# several application hosts (kept by NTP) to disagree by up to a minute.
CLOCK_SKEW = datetime.timedelta(minutes=1)


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    revision_id: int | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction; name the object or pass obj."""
    if obj is not None:
        object_type, object_id, object_repr = object_type_label(obj), str(obj.pk), str(obj)
    lock_chain_head()
    last = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
    entry = AuditEntry(
        sequence=(last.sequence + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor is not None and actor.pk else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        revision_id=revision_id,
        data=data or {},
        previous_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry.entry_hash = entry.compute_hash()
    entry.save()
    if action in CHECKPOINT_ACTIONS:
        transaction.on_commit(checkpoint_after_approval)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What verification found: the first problem (reason), and the entry it is in when there is one."""

    checked: int
    broken_at: AuditEntry | None = None
    reason: str = ""
    checkpoints: tuple[Checkpoint, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.reason

    @property
    def newest_checkpoint(self) -> Checkpoint | None:
        return max(self.checkpoints, key=lambda c: (c.sequence, c.taken_at), default=None)


def _short(entry_hash: str) -> str:
    return f"{entry_hash[:12]}…"


def audit_verify() -> ChainReport:
    """Walk the chain in order and hold it against every checkpoint; report the first problem found.

    Inside the chain: an entry whose content, link or position is wrong. Against the checkpoints: an
    entry a checkpoint vouched for that is gone (a cut tail, an emptied table) or different (a
    rewritten chain), and an entry added after a checkpoint that claims a time before it (backdated).
    """
    try:
        checkpoints = tuple(sorted(checkpoints_read(), key=lambda c: (c.sequence, c.taken_at)))
    except CheckpointError as error:
        return ChainReport(0, reason=str(error))
    expected_previous, expected_sequence, checked = GENESIS_HASH, 1, 0
    passed = 0  # checkpoints[:passed] are those of a shorter trail than the current entry
    newest_passed: Checkpoint | None = None  # the latest taken among them
    last_matched: Checkpoint | None = None
    for entry in AuditEntry.objects.chained().iterator(chunk_size=2000):
        while passed < len(checkpoints) and checkpoints[passed].sequence < entry.sequence:
            candidate = checkpoints[passed]
            if newest_passed is None or candidate.taken_at > newest_passed.taken_at:
                newest_passed = candidate
            passed += 1
        problem = _chain_problem(entry, expected_sequence, expected_previous)
        if not problem and newest_passed and entry.created_at < newest_passed.taken_at - CLOCK_SKEW:
            problem = (
                f"it claims the time {entry.created_at:%Y-%m-%d %H:%M:%S} UTC, but "
                f"{newest_passed.describe()} recorded the trail ending at #{newest_passed.sequence} "
                "later than that: the entry was added afterwards with a false time"
            )
        if problem:
            return ChainReport(checked, entry, problem, checkpoints)
        for checkpoint in checkpoints[passed:]:
            if checkpoint.sequence != entry.sequence:
                break
            if checkpoint.entry_hash != entry.entry_hash:
                return ChainReport(checked, None, _changed(entry, checkpoint, last_matched), checkpoints)
            last_matched = checkpoint
        expected_previous, expected_sequence, checked = entry.entry_hash, entry.sequence + 1, checked + 1
    beyond = [c for c in checkpoints if c.sequence > checked]
    if beyond:
        return ChainReport(checked, None, _missing(checked, beyond[-1]), checkpoints)
    return ChainReport(checked, checkpoints=checkpoints)


def _chain_problem(entry: AuditEntry, expected_sequence: int, expected_previous: str) -> str:
    if entry.sequence != expected_sequence:
        return f"entry #{expected_sequence} is missing before it"
    if entry.previous_hash != expected_previous:
        return "it does not link to the entry before it"
    if entry.compute_hash() != entry.entry_hash:
        return "its content was changed after it was written"
    return ""


def _changed(entry: AuditEntry, checkpoint: Checkpoint, last_matched: Checkpoint | None) -> str:
    first = last_matched.sequence + 1 if last_matched else 1
    still = (
        f"; entries up to #{last_matched.sequence} still match {last_matched.describe()}"
        if last_matched
        else ""
    )
    return (
        f"entries #{first}–#{entry.sequence} were changed or replaced: {checkpoint.describe()} "
        f"vouched for #{entry.sequence} with hash {_short(checkpoint.entry_hash)}, the trail now has "
        f"{_short(entry.entry_hash)}{still}"
    )


def _missing(last: int, checkpoint: Checkpoint) -> str:
    now = f"the trail now ends at #{last}" if last else "the trail is now empty"
    return (
        f"entries #{last + 1}–#{checkpoint.sequence} are missing: {checkpoint.describe()} vouched for "
        f"a trail ending at #{checkpoint.sequence} (hash {_short(checkpoint.entry_hash)}); {now}"
    )


def audit_wagtail_log_entry(sender, instance, created, **kwargs):
    """Chain every Wagtail log entry (create, edit, publish, workflow steps, locks…) as it is written."""
    if not created:
        return
    content_type = instance.content_type
    audit_record(
        action=instance.action,
        actor=instance.user,
        object_type=object_type_label(content_type) if content_type else "",
        object_id=str(instance.object_id),
        object_repr=instance.label,
        revision_id=instance.revision_id,
        data={"log_entry": f"{sender._meta.label_lower}:{instance.pk}", **(instance.data or {})},
    )
