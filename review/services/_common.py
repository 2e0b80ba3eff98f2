"""Pieces every review flow shares: the audit entry about a revision, and the outbox row."""

from wagtail.models import Revision

from ..audit import audit_record
from ..labels import object_type_label
from ..models import ApprovalRecord, OutboxEvent


def full_name(user) -> str:
    return user.get_full_name() or user.get_username()


def audit_revision(action: str, revision: Revision, user, data: dict) -> None:
    """An audit entry about one revision of an item, named by the item's specific type."""
    audit_record(
        action=action,
        actor=user,
        object_type=object_type_label(revision.content_type),
        object_id=revision.object_id,
        object_repr=revision.object_str,
        revision_id=revision.pk,
        data=data,
    )


def emit(record: ApprovalRecord, kind: str) -> OutboxEvent:
    """The outbox row other apps (the index, channels) follow, written in the caller's transaction."""
    return OutboxEvent.objects.create(
        kind=kind,
        approval=record,
        object_type=object_type_label(record.content_type),
        object_id=record.object_id,
        revision_id=record.revision_id,
    )
