"""Writes to the engagement store: a channel's batch of events, and one rep-portal event.

`record_events` is the ingest path of `POST /api/v1/events`: every event is checked (shape, then
against the approvals of the whole batch, resolved in a handful of queries, never one per event),
the valid ones are stored in one statement that skips duplicates, and each event gets a result.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef
from django.utils import timezone

from delivery import read_cache
from delivery.models import ChannelClient, PublishedItem
from delivery.scope import DeliveryScope, item_id
from delivery.scope_cache import scope_of
from engagement.errors import BatchRejected
from engagement.models import Event
from engagement.store import EventRow, events_insert
from engagement.validation import CheckedEvent, check_event
from reps.models import HCP

MAX_EVENTS_PER_BATCH = 1000
# Sending, delivering or sharing content after its approval ended is refused; an open or click of
# something sent while it was approved is still a true record of engagement.
PUSH_TYPES = frozenset({Event.SENT, Event.DELIVERED, Event.SHARED})

STORED = "stored"
DUPLICATE = "duplicate"
REJECTED = "rejected"


@dataclass
class EventResult:
    """What happened to one event of a batch, in the batch's order."""

    index: int
    event_id: str | None
    status: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class IngestReport:
    results: list[EventResult]

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def stored(self) -> int:
        return self.count(STORED)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)


@dataclass(frozen=True)
class ApprovedRevision:
    """What ingest needs of one approved revision: ids, scope codes and the approval's dates."""

    content_id: str
    approval_id: int
    revision_id: int
    content_type_id: int
    object_id: str
    approved_at: datetime
    ended_at: datetime | None
    ended: bool
    products: tuple[str, ...]
    markets: frozenset[str]
    channels: frozenset[str]
    audiences: frozenset[str]


def _limits() -> tuple[timedelta, timedelta]:
    return (
        timedelta(days=settings.ENGAGEMENT_MAX_EVENT_AGE_DAYS),
        timedelta(seconds=settings.ENGAGEMENT_MAX_CLOCK_SKEW_SECONDS),
    )


def approved_revisions(content_ids) -> Mapping[tuple[str, int], ApprovedRevision]:
    """Every approved revision of the given items, keyed by (content id, revision id).

    One query on PostgreSQL (the scope codes as array subqueries); five elsewhere (prefetches). A
    channel sends batch after batch about the same items, so a read that found them is remembered by
    `delivery.read_cache` until a change is committed to any table it reads (approvals, published
    items and their scope lists all notify; a withdrawal among them) or its age bound passes.
    """
    ids = frozenset(content_ids)
    key = ("engagement:approved-revisions", ids)
    remembered = read_cache.get(key, timezone.now())
    if remembered is not None:
        return remembered
    generation = read_cache.generation()  # before the read: a change committed meanwhile voids it
    found = MappingProxyType(_approved_revisions_read(ids))
    if found:
        read_cache.put(key, found, generation=generation, valid_until=None)
    return found


def _approved_revisions_read(content_ids: frozenset[str]) -> dict[tuple[str, int], ApprovedRevision]:
    items = PublishedItem.objects.filter(item_id__in=content_ids).select_related("approval")
    if connection.vendor == "postgresql":
        items = items.annotate(**{name: _codes(name) for name in SCOPE_RELATIONS})
    else:
        items = items.prefetch_related(*SCOPE_RELATIONS.values())
    found = {}
    for item in items:
        approval = item.approval
        codes = {name: _item_codes(item, name) for name in SCOPE_RELATIONS}
        found[(item.item_id, approval.revision_id)] = ApprovedRevision(
            content_id=item.item_id,
            approval_id=approval.pk,
            revision_id=approval.revision_id,
            content_type_id=approval.content_type_id,
            object_id=approval.object_id,
            approved_at=approval.approved_at,
            ended_at=approval.ended_at,
            ended=approval.status in (approval.WITHDRAWN, approval.EXPIRED),
            products=tuple(sorted(codes["product_codes"])),
            markets=frozenset(codes["market_codes"]),
            channels=frozenset(codes["channel_codes"]),
            audiences=frozenset(codes["audience_codes"]),
        )
    return found


SCOPE_RELATIONS = {
    "product_codes": "products",
    "market_codes": "markets",
    "channel_codes": "channels",
    "audience_codes": "audiences",
}


def _item_codes(item, name: str) -> list[str]:
    if connection.vendor == "postgresql":
        return getattr(item, name)
    return [term.code for term in getattr(item, SCOPE_RELATIONS[name]).all()]


def _codes(name: str):
    from django.contrib.postgres.expressions import ArraySubquery

    relation = SCOPE_RELATIONS[name]
    through = getattr(PublishedItem, relation).through
    term = relation[:-1]
    return ArraySubquery(
        through.objects.filter(publisheditem_id=OuterRef("pk"))
        .order_by(f"{term}__code")
        .values(f"{term}__code")
    )


def specialties_of(hcp_ids) -> dict[str, str]:
    """Specialty codes of the pseudonyms that are HCPs of the rep portal (one query)."""
    pseudonyms = set()
    for value in hcp_ids:
        try:
            pseudonyms.add(uuid.UUID(value))
        except ValueError:
            continue
    if not pseudonyms:
        return {}
    rows = HCP.objects.filter(pseudonym__in=pseudonyms).values_list("pseudonym", "specialty__code")
    found = {str(pseudonym): code for pseudonym, code in rows}
    # Senders may write the UUID in capitals or without dashes; match what they sent.
    return {value: found.get(str(uuid.UUID(value)), "") for value in hcp_ids if _is_uuid(value)}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _scope_problems(
    event: CheckedEvent, revision: ApprovedRevision | None, known_items: set[str], scope: DeliveryScope
) -> tuple[dict[str, str], str]:
    """Why this event may not be stored for this client (field → message), and the market it counts in."""
    if event.content_id not in known_items:
        return {"content_id": f"No approved content is called {event.content_id}."}, ""
    if revision is None:
        return {"revision_id": f"Revision {event.revision_id} of {event.content_id} was never approved."}, ""
    if not scope.permits(markets=revision.markets, channels=revision.channels, audiences=revision.audiences):
        return {"content_id": f"{event.content_id} is not approved for your scope."}, ""
    if scope.channels is not None and event.channel not in scope.channels:
        return {"channel": f"Channel {event.channel} is outside your scope."}, ""
    if event.channel not in revision.channels:
        return {"channel": f"{event.content_id} is not approved for channel {event.channel}."}, ""
    if event.occurred_at < revision.approved_at:
        return {"occurred_at": f"Revision {event.revision_id} was not approved yet at this time."}, ""
    if (
        revision.ended
        and event.type in PUSH_TYPES
        and revision.ended_at
        and event.occurred_at >= revision.ended_at
    ):
        return {"type": f"{event.content_id} was withdrawn or expired before this {event.type}."}, ""
    markets = revision.markets if scope.markets is None else revision.markets & scope.markets
    if event.market:
        if event.market not in markets:
            return {
                "market": f"{event.content_id} is not approved for market {event.market} in your scope."
            }, ""
        return {}, event.market
    if len(markets) != 1:
        return {
            "market": f"Give the market: {event.content_id} is approved for {', '.join(sorted(markets))}."
        }, ""
    return {}, next(iter(markets))


def _row(event: CheckedEvent, revision: ApprovedRevision, *, client_id, market, specialty, now) -> EventRow:
    return EventRow(
        client_id=client_id,
        source=Event.SOURCE_API,
        event_id=event.event_id,
        type=event.type,
        content_id=event.content_id,
        content_type_id=revision.content_type_id,
        object_id=revision.object_id,
        approval_id=revision.approval_id,
        revision_id=revision.revision_id,
        channel=event.channel,
        market=market,
        product=revision.products[0] if revision.products else "",
        hcp_id=event.hcp_id,
        specialty=specialty,
        occurred_at=event.occurred_at,
        received_at=now,
        slide=event.slide,
        dwell_ms=event.dwell_ms,
        attributes=event.attributes,
    )


def record_events(
    *, client: ChannelClient, events, scope: DeliveryScope | None = None, now: datetime | None = None
) -> IngestReport:
    """Store a channel's batch: valid, new events are stored; duplicates and invalid ones are reported.

    `events` is the decoded `events` list of the request. A batch that is not a list or holds more
    than MAX_EVENTS_PER_BATCH events raises BatchRejected and stores nothing. Idempotent: a replayed
    batch stores nothing and reports every event as a duplicate.
    """
    if not isinstance(events, list):
        raise BatchRejected('Send {"events": [...]}: a JSON object with a list of events.')
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BatchRejected(
            f"At most {MAX_EVENTS_PER_BATCH} events per batch; this one has {len(events)}. Split it.",
            status=413,
        )
    now = now or timezone.now()
    scope = scope or scope_of(client)
    max_age, max_skew = _limits()
    results: list[EventResult] = []
    checked: list[CheckedEvent] = []
    seen: set[str] = set()
    for index, raw in enumerate(events):
        event, errors = check_event(index, raw, now=now, max_age=max_age, max_skew=max_skew)
        event_id = (
            raw.get("event_id") if isinstance(raw, dict) and isinstance(raw.get("event_id"), str) else None
        )
        if event is None:
            results.append(EventResult(index, event_id, REJECTED, errors))
        elif event.event_id in seen:
            results.append(EventResult(index, event_id, DUPLICATE, {"event_id": "Repeated in this batch."}))
        else:
            seen.add(event.event_id)
            results.append(EventResult(index, event_id, STORED))
            checked.append(event)
    revisions = approved_revisions(event.content_id for event in checked) if checked else {}
    known_items = {content_id for content_id, _ in revisions}
    specialties = specialties_of({event.hcp_id for event in checked})
    rows = []
    for event in checked:
        revision = revisions.get((event.content_id, event.revision_id))
        errors, market = _scope_problems(event, revision, known_items, scope)
        if errors:
            results[event.index] = EventResult(event.index, event.event_id, REJECTED, errors)
            continue
        specialty = specialties.get(event.hcp_id, "")
        row = _row(event, revision, client_id=client.pk, market=market, specialty=specialty, now=now)
        rows.append((event.index, row))
    with transaction.atomic():
        stored = events_insert([row for _, row in rows])
        if stored:
            transaction.on_commit(_enqueue_rollup)
    for index, row in rows:
        if row.event_id not in stored:
            results[index] = EventResult(
                index, row.event_id, DUPLICATE, {"event_id": "Already received; not stored again."}
            )
    return IngestReport(results)


def _enqueue_rollup():
    from engagement.tasks import enqueue_rollup

    enqueue_rollup()


def record_portal_event(*, portal_event) -> bool:
    """Copy one rep-portal event (`reps.EngagementEvent`) into the store; True if it was new.

    Called from the post_save receiver, so it runs in the transaction that wrote the portal event.
    The rep portal sends emails, so the channel is `email`; market and specialty are the HCP's.
    """
    approval = portal_event.approval
    hcp = HCP.objects.select_related("market", "specialty").get(pk=portal_event.send.hcp_id)
    item = PublishedItem.objects.filter(approval_id=approval.pk).prefetch_related("products").first()
    products = sorted(p.code for p in item.products.all()) if item else []
    row = EventRow(
        client_id=None,
        source=Event.SOURCE_PORTAL,
        event_id=f"reps-{portal_event.pk}",
        type=portal_event.type,
        content_id=item_id(approval.content_type.model, approval.object_id),
        content_type_id=approval.content_type_id,
        object_id=approval.object_id,
        approval_id=approval.pk,
        revision_id=portal_event.revision_id,
        channel="email",
        market=hcp.market.code,
        product=products[0] if products else "",
        hcp_id=str(portal_event.hcp_pseudonym),
        specialty=hcp.specialty.code,
        occurred_at=portal_event.occurred_at,
        received_at=timezone.now(),
        attributes={"url": portal_event.url} if portal_event.url else {},
    )
    with transaction.atomic():
        stored = events_insert([row])
        if stored:
            transaction.on_commit(_enqueue_rollup)
    return bool(stored)
