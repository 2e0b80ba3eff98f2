"""The event store through its service: per-event results, idempotency, scope copied in, rollup."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from engagement.models import DailyEngagement, Event, RollupBacklog
from engagement.services import record_events
from engagement.store import COLUMNS, EventRow
from tests.engagement.conftest import approval_of, event

pytestmark = pytest.mark.django_db(transaction=False)


def test_valid_events_are_stored_with_scope_copied_in(us_channel, us_email, cardiologist):
    client, _ = us_channel
    report = record_events(
        client=client,
        events=[
            event(us_email, 1, type="sent", hcp_id=str(cardiologist.pseudonym)),
            event(us_email, 2, type="opened", hcp_id="unknown-hcp"),
        ],
    )
    assert [r.status for r in report.results] == ["stored", "stored"]
    stored = {e.event_id: e for e in Event.objects.all()}
    approval = approval_of(us_email)
    assert stored["evt-1"].approval_id == approval.pk
    assert stored["evt-1"].revision_id == approval.revision_id
    assert (stored["evt-1"].market, stored["evt-1"].product, stored["evt-1"].channel) == (
        "US-en",
        "CARDIO",
        "email",
    )
    assert stored["evt-1"].specialty == "cardiology"
    assert stored["evt-2"].specialty == ""
    assert stored["evt-1"].content_id == f"email-{us_email.pk}"


def test_replay_stores_nothing_new_and_reports_duplicates(us_channel, us_email):
    client, _ = us_channel
    batch = [event(us_email, n) for n in range(1, 4)]
    record_events(client=client, events=batch)
    again = record_events(client=client, events=batch)
    assert [r.status for r in again.results] == ["duplicate"] * 3
    assert Event.objects.count() == 3


def test_rollup_counts_equal_the_events(us_channel, us_email, django_capture_on_commit_callbacks):
    client, _ = us_channel
    now = datetime.now(UTC)
    batch = [
        event(us_email, n, type="opened", when=now - timedelta(days=n % 3, minutes=1)) for n in range(1, 10)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        record_events(client=client, events=batch)
    # Tests run tasks immediately: the rollup ran after the ingest committed.
    assert sum(DailyEngagement.objects.values_list("events", flat=True)) == 9
    assert DailyEngagement.objects.count() == 3


def test_attributes_with_a_nul_character_are_rejected_per_event_not_a_500(us_channel, us_email):
    """PostgreSQL's JSON types cannot hold \\u0000: that event is refused, field named; the rest stored."""
    client, _ = us_channel
    report = record_events(
        client=client,
        events=[
            event(us_email, 1, attributes={"device": "ipad\x00"}),
            event(us_email, 2, attributes={"k\x00": 1}),
            event(us_email, 3, attributes={"device": "ipad"}),
        ],
    )
    assert [r.status for r in report.results] == ["rejected", "rejected", "stored"]
    assert "NUL" in report.results[0].errors["attributes"]
    assert list(Event.objects.values_list("event_id", flat=True)) == ["evt-3"]


def test_one_call_of_the_store_takes_one_senders_rows_only(us_channel, us_email):
    from engagement.store import events_insert

    client, _ = us_channel
    record_events(client=client, events=[event(us_email, 1)])
    row = EventRow(**{name: getattr(Event.objects.get(), name) for name in COLUMNS})
    other_sender = replace(row, event_id="evt-2", client_id=None, source=Event.SOURCE_PORTAL)
    other_revision = replace(row, event_id="evt-3", revision_id=row.revision_id + 1000)
    for bad in (other_sender, other_revision):
        with pytest.raises(ValueError), transaction.atomic():
            events_insert([replace(row, event_id="evt-9"), bad])
    assert list(Event.objects.values_list("event_id", flat=True)) == ["evt-1"]


def test_a_client_or_approval_with_events_cannot_be_deleted(us_channel, us_email):
    """The event table has no database foreign keys (ingest speed); the ORM's PROTECT still holds."""
    client, _ = us_channel
    record_events(client=client, events=[event(us_email, 1)])
    with pytest.raises(ProtectedError):
        client.delete()
    with pytest.raises(ProtectedError):
        Event.objects.get().approval.delete()
    assert Event.objects.count() == 1


def test_a_batch_overlapping_an_earlier_one_stores_only_the_new_events(us_channel, us_email):
    """The batch's COPY is refused by the unique index; the statement that skips duplicates stores the
    rest, in the same transaction, and marks their buckets for the rollup."""
    client, _ = us_channel
    record_events(client=client, events=[event(us_email, n) for n in (1, 2)])
    RollupBacklog.objects.all().delete()

    with transaction.atomic():
        report = record_events(client=client, events=[event(us_email, n) for n in (1, 2, 3, 4)])
        assert Event.objects.count() == 4  # the transaction is still usable after the refused COPY

    assert [r.status for r in report.results] == ["duplicate", "duplicate", "stored", "stored"]
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["evt-1", "evt-2", "evt-3", "evt-4"]
    assert RollupBacklog.objects.filter(approval=approval_of(us_email)).exists()


def test_a_new_batch_marks_each_bucket_it_falls_in(us_channel, us_email):
    client, _ = us_channel
    now = datetime.now(UTC)
    days = [now - timedelta(days=n, minutes=1) for n in (0, 1, 1, 3)]
    record_events(client=client, events=[event(us_email, n, when=when) for n, when in enumerate(days)])

    buckets = set(RollupBacklog.objects.values_list("approval_id", "day"))
    assert buckets == {(approval_of(us_email).pk, when.date()) for when in days}
