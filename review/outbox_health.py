"""How far behind the outbox is: one read for `manage.py outbox_status` and the /healthz/outbox probe.

Everything downstream of an approval (the search index now, channels and webhooks next) follows
the outbox, so the age of its oldest undelivered event is the one number that says whether
background work has silently stopped.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from review.models import OutboxEvent


@dataclass(frozen=True)
class OutboxLag:
    undelivered: int
    failing: int
    oldest_created_at: datetime | None
    now: datetime

    @property
    def oldest_age_seconds(self) -> float:
        return (self.now - self.oldest_created_at).total_seconds() if self.oldest_created_at else 0.0

    def healthy(self, max_age_seconds: float) -> bool:
        return self.oldest_age_seconds <= max_age_seconds


def outbox_lag(*, now: datetime | None = None) -> OutboxLag:
    totals = OutboxEvent.objects.undelivered().aggregate(
        undelivered=Count("pk"), failing=Count("pk", filter=Q(attempts__gt=0)), oldest=Min("created_at")
    )
    return OutboxLag(
        undelivered=totals["undelivered"],
        failing=totals["failing"],
        oldest_created_at=totals["oldest"],
        now=now or timezone.now(),
    )


@require_GET
@never_cache
def outbox_health(request):
    """Monitoring probe, no login: counts and an age only (no titles, ids or errors). 503 when behind."""
    lag = outbox_lag()
    max_age = settings.OUTBOX_MAX_AGE_SECONDS
    healthy = lag.healthy(max_age)
    return JsonResponse(
        {
            "status": "ok" if healthy else "behind",
            "undelivered": lag.undelivered,
            "failing": lag.failing,
            "oldest_age_seconds": round(lag.oldest_age_seconds, 1),
            "max_age_seconds": max_age,
        },
        status=200 if healthy else 503,
    )
