"""Synthetic engagement for the demo approvals, so the reports have something to show on `make run`.

Deterministic (a fixed random seed: the same events, relative to the day of seeding) and idempotent
(event ids `demo-<n>` of the demo channel client: a second run stores nothing). The history is
written through the store directly, as if the approvals had been in force for the past weeks; the
ingest API would refuse events from before an approval, and the demo approvals are minutes old.
Specialties of the synthetic HCPs are part of the synthetic data (real ones come from reps.HCP).
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from delivery.models import ChannelClient, PublishedItem
from delivery.services import channel_client_create
from engagement.models import Event
from engagement.rollup import rollup_all
from engagement.services import approved_revisions
from engagement.store import EventRow, events_insert
from reps.models import HCP

DEMO_CLIENT = "Demo engagement platform"
SEED = 13
WEEKS = 6
SYNTHETIC_HCPS = 120
SPECIALTIES = ["cardiology", "cardiology", "internal-medicine", "primary-care"]
# Per assembly type: the chance each step happens after the previous one (sent → opened → clicked…).
FUNNELS = {
    "email": [(Event.SENT, 1.0), (Event.DELIVERED, 0.97), (Event.OPENED, 0.45), (Event.CLICKED, 0.35)],
    "invitation": [(Event.SENT, 1.0), (Event.OPENED, 0.5), (Event.RSVP, 0.3)],
    "edetail": [(Event.SHARED, 1.0), (Event.OPENED, 0.8)],
}


def _demo_client() -> ChannelClient:
    client = ChannelClient.objects.filter(name=DEMO_CLIENT).first()
    if client is None:
        client, _token = channel_client_create(
            name=DEMO_CLIENT, market_codes=["US-en"], channel_codes=["email", "edetail", "invitation"]
        )
    return client


def _hcps(rng: random.Random) -> list[tuple[str, str]]:
    """(pseudonymous id, specialty): the demo HCPs of the rep portal plus synthetic ones."""
    known = [(str(p), code) for p, code in HCP.objects.values_list("pseudonym", "specialty__code")]
    synthetic = [(f"demo-hcp-{n:03d}", rng.choice(SPECIALTIES)) for n in range(1, SYNTHETIC_HCPS + 1)]
    return known + synthetic


def seed_engagement(*, now=None) -> int:
    """Store a few weeks of events for the demo's approved US assemblies; returns how many were new."""
    now = now or timezone.now()
    client = _demo_client()
    if Event.objects.filter(client=client, event_id__startswith="demo-").exists():
        return 0
    rng = random.Random(SEED)
    items = PublishedItem.objects.in_force(now).filter(type__in=FUNNELS, markets__code="US-en").order_by("pk")
    revisions = approved_revisions(item.item_id for item in items)
    rows: list[EventRow] = []
    hcps = _hcps(rng)
    for revision in sorted(revisions.values(), key=lambda r: (r.content_id, r.revision_id)):
        kind = revision.content_id.split("-")[0]
        for hcp_id, specialty in hcps:
            for _send in range(rng.randint(0, 2)):
                _journey(rows, rng, client, revision, kind, hcp_id, specialty, now)
    with transaction.atomic():
        stored = events_insert(rows)
    rollup_all()
    return len(stored)


def _journey(rows, rng, client, revision, kind, hcp_id, specialty, now) -> None:
    """One send (or share) to one HCP and what followed it, appended to `rows`."""
    moment = now - timedelta(days=rng.uniform(0.1, WEEKS * 7))
    for type_, chance in FUNNELS[kind]:
        if rng.random() > chance:
            return
        moment = min(moment + timedelta(minutes=rng.uniform(1, 600)), now)
        rows.append(_row(client, revision, kind, type_, hcp_id, specialty, moment, len(rows), now))
    if kind == "edetail":
        for slide in range(1, rng.randint(2, 6)):
            moment = min(moment + timedelta(seconds=rng.uniform(5, 90)), now)
            row = _row(client, revision, kind, Event.SLIDE_VIEWED, hcp_id, specialty, moment, len(rows), now)
            row.slide, row.dwell_ms = slide, int(rng.uniform(3_000, 60_000) / slide)
            rows.append(row)


def _row(client, revision, kind, type_, hcp_id, specialty, moment, number, now) -> EventRow:
    return EventRow(
        client_id=client.pk,
        source=Event.SOURCE_API,
        event_id=f"demo-{number + 1}",
        type=type_,
        content_id=revision.content_id,
        content_type_id=revision.content_type_id,
        object_id=revision.object_id,
        approval_id=revision.approval_id,
        revision_id=revision.revision_id,
        channel=kind,
        market="US-en",
        product=revision.products[0] if revision.products else "",
        hcp_id=hcp_id,
        specialty=specialty,
        occurred_at=moment,
        received_at=now,
    )
