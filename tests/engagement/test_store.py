"""The event store through its service: per-event results, idempotency, scope copied in, rollup."""

from datetime import UTC, datetime, timedelta

import pytest

from engagement.models import DailyEngagement, Event
from engagement.services import record_events
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
