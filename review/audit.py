"""Writing and verifying the audit trail."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .labels import object_type_label
from .models import GENESIS_HASH, AuditEntry

# Any constant works; it only has to be the same for every writer of the chain.
AUDIT_LOCK_ID = 740_113_001


def _lock_chain_head() -> None:
    # Appends are serialised so two writers never chain onto the same previous entry.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_ID])


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
    _lock_chain_head()
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
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: AuditEntry | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_verify() -> ChainReport:
    """Walk the chain in order; report the first entry whose content, link or position is wrong."""
    expected_previous, expected_sequence, checked = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.chained().iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return ChainReport(checked, entry, f"entry #{expected_sequence} is missing before it")
        if entry.previous_hash != expected_previous:
            return ChainReport(checked, entry, "it does not link to the entry before it")
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(checked, entry, "its content was changed after it was written")
        expected_previous, expected_sequence, checked = entry.entry_hash, entry.sequence + 1, checked + 1
    return ChainReport(checked)


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
