"""Ingest remembers the approved revisions of a batch's items (delivery.read_cache) until a change commits.

Like tests/delivery/test_read_cache.py these tests commit (a rolled-back transaction never notifies)
and turn the cache on with a long age bound, so the committed change, not the bound, is what counts.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delivery import read_cache
from review import roles
from review.services import content_withdraw
from tests import factories
from tests.engagement.conftest import event

pytestmark = pytest.mark.django_db(transaction=True)

if connection.vendor != "postgresql":
    pytest.skip("the read cache is PostgreSQL-only (LISTEN/NOTIFY)", allow_module_level=True)


@pytest.fixture(autouse=True, scope="module")
def listener_stopped_after():
    yield
    read_cache.stop()  # its connection would keep the test database from being dropped


@pytest.fixture(autouse=True)
def cache_on(settings, search_index):
    settings.DELIVERY_READ_CACHE_SECONDS = 30
    read_cache.generation()  # starts the listener
    deadline = time.monotonic() + 5
    while not read_cache.listening():
        assert time.monotonic() < deadline, "the read-cache listener did not connect"
        time.sleep(0.01)
    yield
    read_cache._state.bump()


def post(api, events) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/events", {"events": events}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries]


def reads_revisions(sql: list[str]) -> bool:
    return any("delivery_publisheditem" in s and "ARRAY" in s for s in sql)


def test_the_next_batch_about_the_same_items_does_not_read_their_revisions_again(api, us_email):
    first, sql = post(api, [event(us_email, 1)])
    assert first["stored"] == 1 and reads_revisions(sql)

    second, sql = post(api, [event(us_email, 2)])

    assert second["stored"] == 1
    assert not reads_revisions(sql)


def test_a_committed_withdrawal_is_applied_to_the_very_next_batch(api, us_email):
    post(api, [event(us_email, 1)])
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    deadline = time.monotonic() + 5
    after = datetime.now(UTC) + timedelta(seconds=1)

    while True:  # the notification reaches the listener within milliseconds of the commit
        report, sql = post(
            api, [event(us_email, 100 + int(time.monotonic() * 1000) % 10**6, type="sent", when=after)]
        )
        if report["rejected"] or time.monotonic() > deadline:
            break
    assert report["rejected"] == 1, report
    assert "withdrawn or expired" in report["results"][0]["errors"]["type"]
    assert reads_revisions(sql)
