"""The background refresh of next-best-content's tables: events → histories → co-engagement and
specialty popularity (engagement/recommend.py) → rows, replaced in one transaction.

Run by the scheduler (ops/schedule.py, job `recommendations_refresh`) on the worker, or now with
`manage.py recommendations_refresh`. A full recompute over a window of recent events: readers keep
seeing the previous rows until the new ones commit. Never run on a page request.
"""

import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import Event
from .recommend import ENGAGEMENT_WEIGHTS, Engagement, co_engagement, hcp_histories, specialty_popularity
from .recommendation_models import CoEngagement, RecommendationRun, SpecialtyPopularity

WRITE_BATCH = 5000
READ_CHUNK = 20_000
# What the recommender reads: engagement, and sends (for "not yet sent to this HCP").
READ_TYPES = sorted({*ENGAGEMENT_WEIGHTS, "sent"})


def hcp_key(hcp_id: str) -> str:
    """One key per HCP: senders may write a pseudonym (a UUID) in capitals or without dashes."""
    try:
        return str(uuid.UUID(hcp_id))
    except ValueError:
        return hcp_id


def engagements(
    queryset, specialty_of: dict[str, str] | None = None, *, stream: bool = True
) -> Iterator[Engagement]:
    """Event rows as the recommender's tuples; the one place that knows the event store's columns.

    `specialty_of`, when given, collects each HCP's specialty as copied into their events at ingest.
    `stream`: read through a server-side cursor (millions of rows); one HCP's history is read at once,
    which saves the cursor's cost on the page request.
    """
    rows = queryset.filter(type__in=READ_TYPES).values_list(
        "hcp_id", "content_id", "type", "occurred_at", "dwell_ms", "specialty", "product"
    )
    for hcp_id, item, type_, at, dwell_ms, specialty, product in (
        rows.iterator(chunk_size=READ_CHUNK) if stream else rows
    ):
        hcp = hcp_key(hcp_id)
        if specialty_of is not None and specialty:
            specialty_of[hcp] = specialty
        yield Engagement(hcp, item, type_, at, dwell_ms or 0, product)


class _Counted:
    def __init__(self, items: Iterable):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def recommendations_refresh(*, now=None, window_days: int | None = None) -> RecommendationRun:
    """Recompute both tables from the events of the last `window_days` and replace the stored rows."""
    started = timezone.now()
    now = now or started
    since = now - timedelta(days=window_days or settings.RECOMMENDATIONS_WINDOW_DAYS)
    specialty_of: dict[str, str] = {}  # HCPs with no specialty on their events count for all only
    events = _Counted(engagements(Event.objects.between(since, now), specialty_of))
    histories = hcp_histories(events)
    neighbours = co_engagement(histories, specialty_of)
    popularity = specialty_popularity(histories, specialty_of)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two refreshes at once would interleave their deletes and inserts; the second waits.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('engagement.recommendations'))")
        CoEngagement.objects.all().delete()
        SpecialtyPopularity.objects.all().delete()
        neighbour_rows = _write(
            CoEngagement,
            (
                CoEngagement(specialty=group, item=item, neighbour=n.item, score=n.score, hcps=n.hcps)
                for (group, item), found in neighbours.items()
                for n in found
            ),
        )
        popularity_rows = _write(
            SpecialtyPopularity,
            (
                SpecialtyPopularity(specialty=group, item=item, hcps=count)
                for group, ranked in popularity.items()
                for item, count in ranked
            ),
        )
        return RecommendationRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            since=since,
            events=events.count,
            hcps=len(histories),
            items=len({item for history in histories.values() for item in history.weights}),
            neighbour_rows=neighbour_rows,
            popularity_rows=popularity_rows,
        )


def _write(model, rows: Iterable) -> int:
    written, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == WRITE_BATCH:
            model.objects.bulk_create(batch)
            written, batch = written + len(batch), []
    if batch:
        model.objects.bulk_create(batch)
        written += len(batch)
    return written


def recommendations_job() -> str:
    """The periodic job (ops/schedule.py)."""
    run = recommendations_refresh()
    return (
        f"{run.events} events, {run.hcps} HCPs, {run.items} items → {run.neighbour_rows} neighbour rows, "
        f"{run.popularity_rows} popularity rows in {(run.finished_at - run.started_at).total_seconds():.1f} s"
    )
