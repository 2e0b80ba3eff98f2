"""The one owner of the outbox's delivery columns (attempts, next_attempt_at, delivered_at, last_error).

The drain marks what it delivered or failed, the rebuild asks for events to be applied again, and
`search_drain --all` makes waiting events due; all of it is written here.
"""

from datetime import timedelta

from django.utils import timezone

from review.models import OutboxEvent

MAX_BACKOFF = timedelta(hours=1)
DELIVERY_FIELDS = ["delivered_at", "last_error", "attempts", "next_attempt_at"]


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s … capped at an hour."""
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


def outbox_record_outcomes(events: list[OutboxEvent], errors: list[str | None], *, now) -> list[str]:
    """Mark each event delivered (error None) or failed with backoff; returns the errors kept."""
    failed = []
    for event, error in zip(events, errors, strict=True):
        if error is None:
            event.delivered_at = now
            event.last_error = ""
        else:
            event.attempts += 1
            event.next_attempt_at = now + retry_delay(event.attempts)
            event.last_error = error[:2000]
            failed.append(error)
    OutboxEvent.objects.bulk_update(events, DELIVERY_FIELDS)
    return failed


def outbox_redeliver_since(started_at) -> int:
    """Deliver again every event delivered since `started_at` (idempotent: documents carry versions)."""
    return OutboxEvent.objects.filter(delivered_at__gte=started_at).update(
        delivered_at=None, next_attempt_at=started_at
    )


def outbox_retry_now(now=None) -> int:
    """Make every undelivered event due now, whatever its backoff."""
    return OutboxEvent.objects.undelivered().update(next_attempt_at=now or timezone.now())
