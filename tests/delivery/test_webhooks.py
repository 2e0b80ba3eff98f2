"""Signed webhooks to a real local HTTP receiver: retry after a 500, signature verified, scope respected."""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from delivery.errors import InvalidDeliveryRequest
from delivery.models import WebhookDelivery
from delivery.services import webhook_subscription_create
from delivery.webhooks import backoff, webhooks_run
from review import roles
from review.services import content_withdraw
from tests import factories


class Receiver:
    """A channel's webhook endpoint: answers the queued statuses in turn (then 200) and keeps every call."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.calls = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, secret: str) -> list[dict]:
        """What a receiver does: recompute the HMAC over "t.body" and refuse stale or forged calls."""
        payloads = []
        for headers, body in self.calls:
            parts = dict(part.split("=", 1) for part in headers["X-Signature"].split(","))
            expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(expected, parts["v1"])
            assert abs(time.time() - int(parts["t"])) < 300
            payload = json.loads(body)
            assert headers["Idempotency-Key"] == payload["idempotency_key"]
            payloads.append(payload)
        return payloads


@pytest.fixture
def receiver():
    receiver = Receiver(statuses=[500])
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def allow_http(settings):
    settings.DELIVERY_WEBHOOK_ALLOW_HTTP = True


def test_withdrawal_reaches_the_receiver_signed_after_a_retry(
    allow_http,
    receiver,
    us_client,
    taxonomy,
    product,
    market,
    gb_market,
    reference_obj,
    django_capture_on_commit_callbacks,
):
    channel, _ = us_client
    subscription = webhook_subscription_create(
        client=channel, url=receiver.url, events=["withdrawn", "expired"]
    )
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    gb_claim = factories.claim(product=product, market=gb_market, reference_obj=reference_obj, statement="GB")
    with django_capture_on_commit_callbacks(execute=True):
        content_withdraw(obj=gb_claim, user=factories.reviewer(roles.REGULATORY), reason="GB label")
        content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="US label")
    delivery = WebhookDelivery.objects.get()  # the GB withdrawal is outside the client's scope
    assert delivery.status == WebhookDelivery.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and "500" in delivery.last_error
    assert delivery.next_attempt_at >= timezone.now() + backoff(1) - timedelta(seconds=5)
    webhooks_run()  # not due yet: nothing is sent
    assert len(receiver.calls) == 1
    webhooks_run(now=timezone.now() + backoff(1))
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.DELIVERED and delivery.attempts == 2
    first, second = receiver.verified(subscription.secret)
    assert first == second  # the same event and idempotency key on the retry
    assert second["event"]["kind"] == "withdrawn" and second["event"]["tombstone"] is True
    assert second["event"]["item_id"] == f"claim-{claim.pk}"
    forged_headers, body = receiver.calls[0]
    with pytest.raises(AssertionError):
        Receiver.verified(type("R", (), {"calls": [(forged_headers, body + b" ")]})(), subscription.secret)


def test_a_receiver_that_is_down_never_blocks_a_withdrawal(
    allow_http, us_client, product, market, reference_obj, django_capture_on_commit_callbacks
):
    channel, _ = us_client
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    webhook_subscription_create(client=channel, url=f"http://127.0.0.1:{dead_port}/", events=["withdrawn"])
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    with django_capture_on_commit_callbacks(execute=True):
        report = content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="US label")
    assert report.ended.status == "withdrawn"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.PENDING and "Could not reach" in delivery.last_error


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert backoff(30) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("http://example.com/hook", ["withdrawn"], "url"),
        ("not a url", ["withdrawn"], "url"),
        ("https://example.com/hook", [], "events"),
        ("https://example.com/hook", ["deleted"], "events"),
    ],
)
def test_subscriptions_refuse_bad_input(us_client, url, events, field):
    channel, _ = us_client
    with pytest.raises(InvalidDeliveryRequest) as error:
        webhook_subscription_create(client=channel, url=url, events=events)
    assert field in error.value.errors
    assert not channel.webhooks.exists()


def test_admin_redeliver_sends_again_with_the_same_key(
    allow_http, admin_client, receiver, us_client, product, market, reference_obj
):
    channel, _ = us_client
    subscription = webhook_subscription_create(client=channel, url=receiver.url, events=["withdrawn"])
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="US label")
    receiver.statuses = []
    webhooks_run()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.DELIVERED
    listing = admin_client.get("/admin/delivery_webhookdelivery/").content.decode()
    assert delivery.idempotency_key in listing or "Redeliver" in listing
    admin_client.post(f"/admin/delivery/webhook-deliveries/{delivery.pk}/redeliver/")
    webhooks_run()
    payloads = receiver.verified(subscription.secret)
    assert len(payloads) == 2 and payloads[0]["idempotency_key"] == payloads[1]["idempotency_key"]


def test_fan_out_costs_the_same_queries_for_3_or_30_events_and_keeps_scope(
    us_client, us_email, gb_market, product, reference_obj, allow_http
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from delivery.models import FeedEvent, PublishedItem
    from delivery.webhooks import fan_out

    gb_claim = factories.claim(product=product, market=gb_market, reference_obj=reference_obj)
    gb_email = factories.email(
        product=product,
        market=gb_market,
        modules=[gb_claim, factories.safety(product=product, market=gb_market)],
    )
    factories.approve(gb_email)
    channel, _raw = us_client
    subscription = webhook_subscription_create(
        client=channel, url="http://127.0.0.1:9/hooks", events=["published", "withdrawn"]
    )
    fan_out()  # the approvals' own events
    us_item = PublishedItem.objects.get(item_id=f"email-{us_email.pk}")
    gb_item = PublishedItem.objects.get(item_id=f"email-{gb_email.pk}")

    def fan_out_counted(n: int) -> tuple[int, int]:
        FeedEvent.objects.bulk_create(
            FeedEvent(kind=kind, item=item, revision_id=1, job_code="T")
            for _ in range(n)
            for kind, item in (("published", us_item), ("withdrawn", gb_item), ("expired", us_item))
        )
        with CaptureQueriesContext(connection) as queries:
            created = fan_out()
        return created, len(queries)

    small, small_queries = fan_out_counted(1)
    large, large_queries = fan_out_counted(10)
    # Only the US item's "published" events: GB is out of scope, "expired" was not subscribed to.
    assert (small, large) == (1, 10)
    assert large_queries == small_queries
    keys = set(
        WebhookDelivery.objects.filter(subscription=subscription).values_list("idempotency_key", flat=True)
    )
    assert len(keys) == WebhookDelivery.objects.filter(subscription=subscription).count() == 11


def test_delivery_log_is_read_only_in_the_admin(
    allow_http, admin_client, receiver, us_client, product, market, reference_obj
):
    channel, _ = us_client
    webhook_subscription_create(client=channel, url=receiver.url, events=["withdrawn"])
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="US label")
    webhooks_run()
    delivery = WebhookDelivery.objects.get()
    listing = admin_client.get("/admin/delivery_webhookdelivery/")
    page = listing.content.decode()
    assert listing.status_code == 200 and "Redeliver" in page
    assert "/admin/delivery_webhookdelivery/new/" not in page and "Add webhook delivery" not in page
    for url in (f"edit/{delivery.pk}/", f"delete/{delivery.pk}/", f"copy/{delivery.pk}/"):
        assert f"/admin/delivery_webhookdelivery/{url}" not in page
    assert admin_client.get(f"/admin/delivery_webhookdelivery/inspect/{delivery.pk}/").status_code == 200
    for url in ("new/", f"edit/{delivery.pk}/", f"delete/{delivery.pk}/", f"copy/{delivery.pk}/"):
        assert admin_client.get(f"/admin/delivery_webhookdelivery/{url}").status_code in {403, 404}, url
        assert admin_client.post(f"/admin/delivery_webhookdelivery/{url}").status_code in {403, 404}, url
    assert WebhookDelivery.objects.get() == delivery  # nothing deleted or changed
    assert WebhookDelivery.objects.count() == 1
