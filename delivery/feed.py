"""The change feed in commit order, so a client resuming from a cursor never misses or repeats an event.

Feed events are written in the transaction that approves, withdraws or expires (delivery/receivers.py)
and carry that transaction's id. Ids are taken when a transaction starts writing, not when it
commits, so ordering by id or pk alone could serve a later-numbered event before an earlier one
commits, and a cursor past it would skip the earlier one. On PostgreSQL a page therefore holds only
events of transactions older than the reading snapshot's xmin: every such transaction has ended, so
nothing can appear behind the cursor afterwards. Events are ordered by (transaction id, pk); one
transaction's events keep their insert order. A transaction left open delays the feed, never
reorders it. SQLite serialises writers, so there the pk alone is commit order.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from delivery.cursors import cursor_decode, cursor_encode
from delivery.models import FeedEvent, PublishedItem

CURSOR_KIND = "changes"


@dataclass
class ChangesPage:
    events: list[FeedEvent]
    next_cursor: str
    has_more: bool


def _visible():
    queryset = FeedEvent.objects.all()
    if connection.vendor == "postgresql":
        horizon = RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])
        queryset = queryset.filter(txid__lt=horizon)
    return queryset


def position_of(event: FeedEvent) -> list[int]:
    return [event.txid, event.pk]


def after(queryset, position: list[int] | None):
    if not position:
        return queryset
    txid, pk = position
    return queryset.filter(Q(txid__gt=txid) | Q(txid=txid, pk__gt=pk))


def parse_cursor(cursor: str | None) -> list[int] | None:
    if not cursor:
        return None
    position = cursor_decode(CURSOR_KIND, cursor)
    if len(position) != 2 or not all(isinstance(v, int) for v in position):
        cursor_decode(CURSOR_KIND, "")  # raises the same message
    return position


def events_after(
    position: list[int] | None, *, scope=None, kinds=None, limit: int = 100
) -> tuple[list[FeedEvent], bool]:
    queryset = after(_visible(), position)
    if scope is not None:
        queryset = queryset.filter(item__in=PublishedItem.objects.in_scope(scope).values("pk"))
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    rows = list(queryset.select_related("item").order_by("txid", "pk")[: limit + 1])
    return rows[:limit], len(rows) > limit


def changes_page(*, scope, cursor: str | None, limit: int = 100) -> ChangesPage:
    position = parse_cursor(cursor)
    events, has_more = events_after(position, scope=scope, limit=limit)
    if events:
        position = position_of(events[-1])
    return ChangesPage(
        events=events, next_cursor=cursor_encode(CURSOR_KIND, position or [0, 0]), has_more=has_more
    )
