"""The read cache (delivery/read_cache.py) against committed changes and a real PostgreSQL NOTIFY.

The test settings turn the cache off (rolled-back test transactions never notify); these tests turn
it on with a long age bound (30 s), commit their changes, and check that the change, not the age
bound, is what makes the next requests go back to the database.
"""

import time

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery import pulls, read_cache
from delivery.api.remembered import remembered_detail
from delivery.api.views import JSON_CACHE_CONTROL, ContentDetailView
from delivery.models import ChannelToken
from delivery.services import channel_token_revoke
from review import roles
from review.models import ApprovalRecord
from review.services import content_withdraw
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

if connection.vendor != "postgresql":
    pytest.skip("the read cache is PostgreSQL-only (LISTEN/NOTIFY)", allow_module_level=True)


@pytest.fixture(autouse=True, scope="module")
def listener_stopped_after():
    yield
    read_cache.stop()  # its connection would keep the test database from being dropped


@pytest.fixture(autouse=True)
def cache_on(settings, search_index):
    # search_index: these tests commit, so approvals really index; into this session's own index,
    # dropped after each test (a write to the bare alias name would create a stray index).
    settings.DELIVERY_READ_CACHE_SECONDS = 30
    read_cache.generation()  # starts the listener
    until(read_cache.listening, "the listener to connect")
    yield
    read_cache._state.bump()


def until(condition, what: str, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.01)
    raise AssertionError(f"waited {seconds} s for {what}")


def url(obj) -> str:
    return f"/api/v1/content/{obj._meta.model_name}-{obj.pk}"


def queries_of(api, obj) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = api.get(url(obj)).status_code
    return status, len(queries)


@pytest.fixture
def warm(api, us_email):
    """After a first pull (which reads the token and the item), the next is answered from memory."""
    assert api.get(url(us_email)).status_code == 200
    assert queries_of(api, us_email) == (200, 0)
    return api


def test_a_committed_withdrawal_ends_the_remembered_read_at_once(warm, us_email):
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    committed = time.monotonic()
    gone = until(lambda: warm.get(url(us_email)).status_code == 404, "the withdrawal to show")
    assert gone - committed < 1.0  # the notification, not the 30 s age bound
    # A missing item is never remembered: read before DRF, which then reads again for its own 404.
    assert queries_of(warm, us_email) == (404, 2)


def test_a_committed_revocation_refuses_the_next_requests(warm, us_client, us_email):
    channel, _raw = us_client
    channel_token_revoke(token=channel.tokens.get())
    until(lambda: warm.get(url(us_email)).status_code == 401, "the revocation to show", seconds=1.0)


def test_expiry_ends_a_remembered_read_without_any_notification(warm, api, us_client, us_email):
    """Time limits are compared with the clock on every request: no change is committed at expiry."""
    soon = timezone.now() + timezone.timedelta(seconds=1.5)
    ApprovalRecord.objects.in_force().for_object(us_email).update(expires_at=soon)
    until(lambda: queries_of(api, us_email) == (200, 0), "the read with the new expiry to be remembered")
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.05)
    assert api.get(url(us_email)).status_code == 404
    channel, _raw = us_client
    ChannelToken.objects.filter(client=channel).update(expires_at=timezone.now() + timezone.timedelta(days=1))


def test_token_expiry_bounds_the_remembered_read(warm, api, us_client, us_email):
    channel, _raw = us_client
    soon = timezone.now() + timezone.timedelta(seconds=1.5)
    ChannelToken.objects.filter(client=channel).update(expires_at=soon)
    until(lambda: queries_of(api, us_email) == (200, 0), "the read with the token's expiry to be remembered")
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.05)
    assert api.get(url(us_email)).status_code == 401


def test_last_use_bookkeeping_does_not_notify_but_a_revocation_does(us_client):
    """The token trigger ignores `last_used_at` (reads write it) and fires on what a read checks."""
    channel, _raw = us_client
    token = channel.tokens.get()
    with psycopg.connect(**read_cache._connection_params(), autocommit=True) as listener:
        listener.execute(f"LISTEN {read_cache.CHANNEL}")
        ChannelToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        assert list(listener.notifies(timeout=0.5)) == []
        channel_token_revoke(token=token)
        assert len(list(listener.notifies(timeout=2.0, stop_after=1))) == 1


def test_a_read_that_overlapped_a_change_is_not_remembered():
    generation = read_cache.generation()
    read_cache._state.bump()  # a notification arrives while the read is in flight
    read_cache.put("key", "stale", generation=generation, valid_until=None)
    assert read_cache.get("key", timezone.now()) is None
    read_cache.put("key", "fresh", generation=read_cache.generation(), valid_until=None)
    assert read_cache.get("key", timezone.now()) == "fresh"


def test_while_the_listener_is_down_every_read_goes_to_the_database(warm, us_email):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [read_cache.APPLICATION_NAME],
        )
    until(lambda: not read_cache.listening(), "the listener to notice", seconds=10.0)
    assert queries_of(warm, us_email) == (200, 1)
    assert queries_of(warm, us_email) == (200, 1)  # nothing remembered while not listening
    until(read_cache.listening, "the listener to reconnect", seconds=10.0)
    assert queries_of(warm, us_email) == (200, 1)
    assert queries_of(warm, us_email) == (200, 0)


def test_a_remembered_pull_is_answered_exactly_as_the_view_answers_it(warm, us_client, us_email):
    """`remembered_detail` skips DRF's dispatch; status, body and headers are the view's own."""
    _channel, raw = us_client
    request = RequestFactory().get(url(us_email), HTTP_AUTHORIZATION=f"Bearer {raw}")
    item_id = f"email-{us_email.pk}"
    fast = remembered_detail(request, item_id, cache_control=JSON_CACHE_CONTROL)
    drf = ContentDetailView.as_view()(request, item_id=item_id)
    assert fast is not None and (fast.status_code, fast.content) == (drf.status_code, drf.content)
    assert dict(fast.items()) == dict(drf.items())
    assert pulls.pending() >= 2  # both pulls recorded


@pytest.mark.parametrize(
    "extra",
    [
        {"QUERY_STRING": "x=1"},
        {"HTTP_ACCEPT": "text/html"},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
        {"method": "post"},
    ],
)
def test_anything_unusual_is_left_to_the_view(warm, us_client, us_email, extra):
    _channel, raw = us_client
    method = getattr(RequestFactory(), extra.pop("method", "get"))
    request = method(url(us_email), HTTP_AUTHORIZATION=f"Bearer {raw}")
    request.META.update(extra)
    assert remembered_detail(request, f"email-{us_email.pk}", cache_control=JSON_CACHE_CONTROL) is None


def test_over_the_rate_limit_a_remembered_pull_gets_the_views_429(warm, us_email, settings):
    settings.DELIVERY_RATE_LIMIT = "3/min"
    caches["throttle"].clear()
    statuses = [warm.get(url(us_email)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = warm.get(url(us_email))
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_through_the_whole_stack_a_remembered_pull_has_the_first_pulls_headers(api, us_email):
    """The first pull goes down to the DRF view; the remembered one stops at delivery.middleware."""
    first = api.get(url(us_email))
    with CaptureQueriesContext(connection) as queries:
        remembered = api.get(url(us_email))
    assert len(queries) == 0 and remembered.content == first.content
    assert dict(remembered.items()) == dict(first.items())
    security = ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "X-Content-Type-Options")
    for header in security:
        assert remembered[header], header


def test_a_remembered_pull_under_a_host_outside_allowed_hosts_is_a_400(warm, us_email):
    refused = warm.get(url(us_email), HTTP_HOST="attacker.example")
    assert refused.status_code == 400 and b"email" not in refused.content
