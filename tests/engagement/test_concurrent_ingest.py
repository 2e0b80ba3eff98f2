"""Two senders posting overlapping batches at the same moment: every event stored once, none lost.

Committed transactions on separate connections (threads), as two gunicorn workers would run them:
a COPY refused because the other sender stored an event_id first falls back to the statement that
skips duplicates, which waits for the other transaction and then skips exactly its rows.
"""

import threading

import pytest
from django.db import connection

from engagement.models import Event
from engagement.services import record_events
from tests.engagement.conftest import event

pytestmark = pytest.mark.django_db(transaction=True)


def test_overlapping_batches_sent_at_once_store_each_event_exactly_once(us_channel, us_email):
    client, _ = us_channel
    batches = [[event(us_email, n) for n in range(0, 300)], [event(us_email, n) for n in range(150, 450)]]
    reports, errors = [None, None], []
    start = threading.Barrier(2)

    def send(i):
        try:
            start.wait()
            reports[i] = record_events(client=client, events=batches[i])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    stored = [r.event_id for report in reports for r in report.results if r.status == "stored"]
    duplicates = [r.event_id for report in reports for r in report.results if r.status == "duplicate"]
    assert sorted(stored) == sorted(f"evt-{n}" for n in range(450))  # each stored once, by one sender
    assert sorted(duplicates) == sorted(f"evt-{n}" for n in range(150, 300))
    assert Event.objects.filter(client=client).count() == 450
