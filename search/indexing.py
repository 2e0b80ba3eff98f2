"""Deliver outbox events to the index: bulk, idempotent (external versions), retried with backoff.

Each event is applied from the current state of its approval record, not from the event kind alone:
an approval in force is indexed at version = its revision id; anything else is deleted at that
version (``external_gte``). A newer approval of the same item has a higher revision id, so a late,
repeated or out-of-order event can never bring back or overwrite newer content.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from elasticsearch import ApiError, TransportError

from review.models import OutboxEvent
from search.builder import DocumentBuilder
from search.bulk import send_bulk_items
from search.conf import alias_name, client
from search.errors import SearchError
from search.mapping import document_id
from search.outbox import outbox_record_outcomes

logger = logging.getLogger(__name__)

# A version conflict means a newer revision is already there.
VERSION_CONFLICT = "version_conflict_engine_exception"


@dataclass
class DrainReport:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def event_actions(events: list[OutboxEvent], *, now=None) -> list[dict]:
    """Bulk actions for these events, one per event, in order."""
    now = now or timezone.now()
    index = alias_name()
    approvals = [event.approval for event in events]
    in_force = [a for a in approvals if a.is_in_force(now)]
    documents = {a.pk: doc for a, doc in zip(in_force, DocumentBuilder().build(in_force), strict=True)}
    actions = []
    for event, approval in zip(events, approvals, strict=True):
        common = {"_index": index, "_id": document_id(event.object_type, event.object_id)}
        if approval.pk in documents:
            actions.append(
                {
                    **common,
                    "version": approval.revision_id,
                    "version_type": "external",
                    "_source": documents[approval.pk].source,
                }
            )
        else:
            actions.append(
                {
                    **common,
                    "_op_type": "delete",
                    "version": approval.revision_id,
                    "version_type": "external_gte",
                }
            )
    return actions


def outbox_drain(*, batch_size: int = 500, max_batches: int = 100, now=None) -> DrainReport:
    """Deliver due outbox events in batches until none are due; failures stay undelivered for a retry."""
    report = DrainReport()
    for _ in range(max_batches):
        delivered, failed, errors = _drain_batch(batch_size=batch_size, now=now)
        report.delivered += delivered
        report.failed += failed
        report.errors += errors
        if delivered + failed < batch_size or failed:
            break
    return report


@transaction.atomic
def _drain_batch(*, batch_size: int, now=None) -> tuple[int, int, list[str]]:
    now = now or timezone.now()
    events = list(
        OutboxEvent.objects.due(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("approval__revision", "approval__content_type")
        .order_by("pk")[:batch_size]
    )
    if not events:
        return 0, 0, []
    try:
        outcomes = _bulk(event_actions(events, now=now))
    except (TransportError, ApiError, SearchError) as exc:
        message = f"{type(exc).__name__}: {exc}"
        logger.warning("search: %d outbox event(s) not delivered, will retry: %s", len(events), message)
        outcomes = [message] * len(events)
    failed_errors = outbox_record_outcomes(events, outcomes, now=now)
    return len(events) - len(failed_errors), len(failed_errors), failed_errors[:5]


def _bulk(actions: list[dict]) -> list[str | None]:
    """One bulk request; per action None when settled, else the error to keep on the event."""
    # require_alias: while the alias is missing, writes fail and stay queued instead of creating an index.
    return [_bulk_error(item) for item in send_bulk_items(client(), actions, require_alias=True)]


def _bulk_error(result: dict) -> str | None:
    """None when the action is settled: done, already superseded, or a delete of a missing document."""
    error = result.get("error")
    if error is None or (isinstance(error, dict) and error.get("type") == VERSION_CONFLICT):
        return None
    return f"HTTP {result.get('status')}: {error}"


def next_due_at():
    """When the earliest undelivered event may be retried (None when everything is delivered)."""
    event = OutboxEvent.objects.undelivered().order_by("next_attempt_at").first()
    return event.next_attempt_at if event else None
