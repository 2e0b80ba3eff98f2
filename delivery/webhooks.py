"""Signed webhook deliveries, fed from the change feed with their own cursor and retried with backoff.

A run first fans new feed events (read in commit order, see delivery/feed.py) out into one
WebhookDelivery row per matching subscription, then POSTs every due row. The request never runs inside
an approval: receivers that are slow or down only delay their own rows. Signature:
``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; the receiver
recomputes it and rejects stale timestamps. ``Idempotency-Key`` is the same for every attempt.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from delivery import feed, selectors
from delivery.models import WebhookCursor, WebhookDelivery, WebhookSubscription
from delivery.scope_cache import client_scope_of
from review.audit import audit_record

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
FAN_OUT_BATCH = 500


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … doubling per failed attempt, never more than an hour."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_payload(event) -> dict:
    return {
        "id": str(event.pk),
        "kind": event.kind,
        "item_id": event.item.item_id,
        "type": event.item.type,
        "revision_id": event.revision_id,
        "job_code": event.job_code,
        "occurred_at": event.occurred_at.isoformat(),
        "tombstone": event.tombstone,
    }


def fan_out() -> int:
    """New feed events → one delivery row per subscription that wants the kind and may see the item."""
    created = 0
    with transaction.atomic():
        cursor, _ = WebhookCursor.objects.select_for_update().get_or_create(pk=1)
        position = int(cursor.position or 0)
        feed.sequence_pending()
        subscriptions = list(
            WebhookSubscription.objects.filter(active=True, client__active=True).select_related("client")
        )
        scopes = {s.pk: client_scope_of(s.client).ids for s in subscriptions}
        while True:
            events, more = feed.events_after(position, limit=FAN_OUT_BATCH)
            created += _deliveries_record(events, subscriptions, scopes)
            if events:
                position = events[-1].position
            if not more:
                break
        cursor.position = str(position)
        cursor.save(update_fields=["position"])
    return created


def _deliveries_record(events, subscriptions, scopes) -> int:
    """Delivery rows for one batch of events, in a fixed number of queries however many events.

    The items' scopes are read for the whole batch and compared in memory (`DeliveryScope.permits`,
    by row ids, as the detail view does); rows that exist already (a run that was interrupted) are
    left alone, so every (subscription, event) pair gets exactly one row and one idempotency key.
    """
    if not events or not subscriptions:
        return 0
    item_scopes = selectors.published_scope_ids_many({event.item_id for event in events})
    wanted = [
        WebhookDelivery(subscription=subscription, event=event, idempotency_key=f"evt_{event.pk}")
        for event in events
        for subscription in subscriptions
        if event.kind in subscription.events
        and event.occurred_at >= subscription.created_at
        and scopes[subscription.pk].permits(**item_scopes[event.item_id])
    ]
    existing = set(
        WebhookDelivery.objects.filter(
            event__in=[event.pk for event in events], subscription__in=[s.pk for s in subscriptions]
        ).values_list("subscription_id", "event_id")
    )
    new = [d for d in wanted if (d.subscription_id, d.event_id) not in existing]
    WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(
        {"idempotency_key": delivery.idempotency_key, "event": event_payload(delivery.event)},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    request = urllib.request.Request(
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "modular-content-delivery/1",
            "Idempotency-Key": delivery.idempotency_key,
            "X-Signature": signature(delivery.subscription.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.DELIVERY_WEBHOOK_TIMEOUT) as response:  # noqa: S310 - URL validated at subscription
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} from the receiver"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"Could not reach the receiver: {exc}"


def send_due(*, now=None, limit: int = 100) -> tuple[int, int]:
    now = now or timezone.now()
    delivered = failed = 0
    for delivery_id in list(
        WebhookDelivery.objects.due(now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .select_related("subscription", "event__item")
                .filter(pk=delivery_id, status=WebhookDelivery.PENDING)
                .first()
            )
            if delivery is None:
                continue
            status, error = _post(delivery)
            delivery.attempts += 1
            delivery.last_attempt_at = timezone.now()
            delivery.last_status_code = status
            if status is not None and 200 <= status < 300:
                delivery.status, delivery.delivered_at, delivery.last_error = (
                    WebhookDelivery.DELIVERED,
                    timezone.now(),
                    "",
                )
                delivered += 1
            else:
                delivery.last_error = error
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                if delivery.attempts >= settings.DELIVERY_WEBHOOK_MAX_ATTEMPTS:
                    delivery.status = WebhookDelivery.FAILED
                failed += 1
            delivery.save()
    return delivered, failed


def next_due_at():
    row = WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING).order_by("next_attempt_at").first()
    return row.next_attempt_at if row else None


def webhooks_run(*, now=None) -> dict:
    created = fan_out()
    delivered, failed = send_due(now=now)
    due_at = next_due_at()
    if due_at is not None:
        from delivery.tasks import send_webhooks

        if send_webhooks.get_backend().supports_defer:
            send_webhooks.using(run_after=max(due_at, timezone.now())).enqueue()
    return {"created": created, "delivered": delivered, "failed": failed}


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Send again now, with the same idempotency key (also after the retries gave up)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = WebhookDelivery.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    audit_record(
        action="delivery.webhook_redelivered",
        actor=actor,
        obj=delivery.subscription.client,
        data={"delivery_id": delivery.pk, "idempotency_key": delivery.idempotency_key},
    )
    from delivery.tasks import enqueue_webhooks

    transaction.on_commit(enqueue_webhooks)
    return delivery
