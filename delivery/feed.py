"""The change feed in commit order, so a client resuming from a cursor never misses or repeats an event.

Feed events are written in the transaction that approves, withdraws or expires (delivery/receivers.py).
Their primary keys (and transaction ids) are taken when a transaction writes, not when it commits,
so serving by pk could hand out a later-numbered event first, move a client's cursor past an
earlier one that had not committed yet, and lose it. Instead a sequencer gives each committed event
its `position`, one run at a time (a PostgreSQL advisory lock held until the run commits; SQLite
serialises writers anyway), each run numbering after the highest position so far. An event that
commits late is numbered in a later run, after everything already served, so a cursor (the last
position read) never skips one. Readers and the webhook fan-out run the sequencer before reading;
it writes only when there are new events. Unlike a snapshot-xmin horizon, an unrelated long
transaction elsewhere in the cluster never stalls the feed.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from delivery.cursors import cursor_decode, cursor_encode
from delivery.models import FeedEvent, PublishedItem

CURSOR_KIND = "changes"
SEQUENCER_LOCK = 0x64656C69  # "deli": the advisory lock key of the feed sequencer
SEQUENCE_BATCH = 5000


@dataclass
class ChangesPage:
    events: list[FeedEvent]
    next_cursor: str
    has_more: bool


def sequence_pending() -> int:
    """Number the committed events that have no position yet, in pk order, after every numbered one."""
    if not FeedEvent.objects.filter(position__isnull=True).exists():
        return 0
    numbered = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
        top = FeedEvent.objects.aggregate(top=Max("position"))["top"] or 0
        while True:
            pending = list(
                FeedEvent.objects.filter(position__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:SEQUENCE_BATCH]
            )
            if not pending:
                break
            FeedEvent.objects.bulk_update(
                [FeedEvent(pk=pk, position=top + n) for n, pk in enumerate(pending, start=1)], ["position"]
            )
            top += len(pending)
            numbered += len(pending)
    return numbered


def parse_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    position = cursor_decode(CURSOR_KIND, cursor)
    if len(position) != 1 or not isinstance(position[0], int) or position[0] < 0:
        cursor_decode(CURSOR_KIND, "")  # raises the same "not a cursor" error
    return position[0]


def events_after(position: int, *, scope=None, limit: int = 100) -> tuple[list[FeedEvent], bool]:
    queryset = FeedEvent.objects.filter(position__gt=position)
    if scope is not None:
        queryset = queryset.filter(item__in=PublishedItem.objects.in_scope(scope).values("pk"))
    rows = list(queryset.select_related("item").order_by("position")[: limit + 1])
    return rows[:limit], len(rows) > limit


def changes_page(*, scope, cursor: str | None, limit: int = 100) -> ChangesPage:
    position = parse_cursor(cursor)
    sequence_pending()
    events, has_more = events_after(position, scope=scope, limit=limit)
    if events:
        position = events[-1].position
    return ChangesPage(events=events, next_cursor=cursor_encode(CURSOR_KIND, [position]), has_more=has_more)
