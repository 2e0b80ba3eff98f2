"""Keeping `DailyEngagement`: rebuild the (approval, day) buckets listed in the rollup backlog.

A bucket is rebuilt whole from its events (delete, then one grouped INSERT … SELECT), so running
twice, or after a crash half-way, gives the same rows. Rows of the backlog locked by an ingest still
in flight are skipped and left for the next run; an ingest that commits after a run took its bucket
re-creates the backlog row (its upsert waited for the run's lock), so no event is ever left out.
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from engagement.models import DailyEngagement, Event, RollupBacklog

BUCKETS_PER_RUN = 2000
BUCKETS_PER_QUERY = 200


def _day_start(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def buckets_filter(buckets) -> Q:
    """Events of the given (approval_id, day) buckets, days in UTC."""
    query = Q(pk__in=[])
    for approval_id, day in buckets:
        start = _day_start(day)
        query |= Q(approval_id=approval_id, occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1))
    return query


def _rebuild(buckets: list[tuple[int, object]]) -> int:
    stale = Q(pk__in=[])
    for approval_id, day in buckets:
        stale |= Q(approval_id=approval_id, day=day)
    DailyEngagement.objects.filter(stale).delete()
    grouped = (
        Event.objects.filter(buckets_filter(buckets))
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .annotate(slide_key=Coalesce("slide", 0))
        .values("approval_id", "day", "market", "channel", "specialty", "type", "slide_key")
        .annotate(
            count=Count("pk"),
            dwell=Coalesce(Sum("dwell_ms"), 0),
            first_content_id=Min("content_id"),
            first_product=Min("product"),
        )
        .order_by()
    )
    rows = [
        DailyEngagement(
            day=row["day"],
            approval_id=row["approval_id"],
            content_id=row["first_content_id"],
            product=row["first_product"],
            market=row["market"],
            channel=row["channel"],
            specialty=row["specialty"],
            type=row["type"],
            slide=row["slide_key"],
            events=row["count"],
            dwell_ms=row["dwell"],
        )
        for row in grouped
    ]
    DailyEngagement.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def rollup_backlog(*, limit: int = BUCKETS_PER_RUN) -> tuple[int, int]:
    """Rebuild up to `limit` backlog buckets; returns (buckets rebuilt, buckets still waiting)."""
    with transaction.atomic():
        taken = list(
            RollupBacklog.objects.select_for_update(skip_locked=True)
            .order_by("approval_id", "day")
            .values_list("pk", "approval_id", "day")[:limit]
        )
        if taken:
            RollupBacklog.objects.filter(pk__in=[pk for pk, _, _ in taken]).delete()
            buckets = [(approval_id, day) for _, approval_id, day in taken]
            for start in range(0, len(buckets), BUCKETS_PER_QUERY):
                _rebuild(buckets[start : start + BUCKETS_PER_QUERY])
    return len(taken), RollupBacklog.objects.count()


def rollup_all() -> int:
    """Rebuild every bucket waiting (seed, benchmark, the command); returns how many."""
    total = 0
    while True:
        done, waiting = rollup_backlog()
        total += done
        if not done or not waiting:
            return total
