"""Writing events: a batch's new events stored at COPY speed, duplicates skipped, aggregate buckets marked.

On PostgreSQL a batch is COPYed into the table (a batch of new events is the common case) and the
(approval, day) rows of the rollup backlog are upserted; if the unique index refuses the COPY (an
event_id the sender already sent: a replay, or a concurrent request), a savepoint undoes it and one
statement inserts the batch instead, sent as JSON (`json_populate_recordset`), skipping rows whose
event_id is stored (`ON CONFLICT DO NOTHING`), upserting the backlog and returning what it stored.
Elsewhere (SQLite, for trying the product out) the ORM does the same in a few statements.
"""

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from operator import attrgetter

import orjson
import psycopg
from django.db import IntegrityError, connection, transaction

from engagement.models import Event, RollupBacklog


@dataclass
class EventRow:
    """One event ready to store: every column of `Event`, scope already resolved."""

    client_id: int | None
    source: str
    event_id: str
    type: str
    content_id: str
    content_type_id: int
    object_id: str
    approval_id: int
    revision_id: int
    channel: str
    market: str
    product: str
    hcp_id: str
    specialty: str
    occurred_at: datetime
    received_at: datetime
    slide: int | None = None
    dwell_ms: int | None = None
    attributes: dict = field(default_factory=dict)


# The columns a batch writes, in EventRow's order.
COLUMNS = tuple(column.name for column in fields(EventRow))
# On PostgreSQL the batch travels as JSON the server parses, so what is the same for many rows is
# sent once: the sender's columns once per batch, the approval's once per approval in it (a 1,000-event
# batch's JSON is 40% smaller, and parsing it was a third of the statement's time).
PER_SENDER = ("client_id", "source", "received_at")
PER_APPROVAL = ("approval_id", "content_id", "content_type_id", "object_id", "revision_id", "product")
PER_EVENT = tuple(name for name in COLUMNS if name not in PER_SENDER + PER_APPROVAL) + ("approval_id",)


def _insert_sql() -> str:
    event = Event._meta.db_table
    backlog = RollupBacklog._meta.db_table
    source = {name: "s" for name in PER_SENDER} | {name: "a" for name in PER_APPROVAL[1:]}
    values = ", ".join(f"{source.get(name, 'e')}.{name}" for name in COLUMNS)
    # A conflict on either partial unique index (per client, or the portal's) is a duplicate.
    return (
        f"WITH stored AS ("
        f" INSERT INTO {event} ({', '.join(COLUMNS)})"
        f" SELECT {values}"
        f" FROM json_populate_recordset(NULL::{event}, %(events)s::json) AS e"
        f" JOIN json_populate_recordset(NULL::{event}, %(approvals)s::json) AS a USING (approval_id)"
        f" CROSS JOIN json_populate_record(NULL::{event}, %(sender)s::json) AS s"
        f" ON CONFLICT DO NOTHING RETURNING event_id, approval_id, occurred_at),"
        f" touched AS ("
        f" INSERT INTO {backlog} (approval_id, day, touched_at)"
        f" SELECT DISTINCT approval_id, (occurred_at AT TIME ZONE 'UTC')::date, now() FROM stored"
        f" ORDER BY 1, 2"
        f" ON CONFLICT (approval_id, day) DO UPDATE SET touched_at = EXCLUDED.touched_at)"
        f" SELECT event_id FROM stored"
    )


def events_insert(rows: list[EventRow]) -> set[str]:
    """Store the rows that are not duplicates (of earlier batches); returns the event_ids stored.

    Rows of one call must come from one sender (one client, or the portal) with distinct event_ids.
    Call inside a transaction: the backlog rows it locks are released at commit.
    """
    if not rows:
        return set()
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_orm(rows)


def _insert_postgresql(rows: list[EventRow]) -> set[str]:
    """COPY the rows, which is what a batch of new events is; if any was stored before (a replay, or
    a concurrent request with the same event_id), the unique index refuses the COPY and the one
    statement that skips duplicates (`_insert_skipping`) stores the rest instead."""
    sender, approvals = _sender_and_approvals(rows)
    try:
        with transaction.atomic():  # a savepoint: a unique violation undoes only the COPY
            _copy(rows)
    except (IntegrityError, psycopg.errors.UniqueViolation):
        return _insert_skipping(rows, sender, approvals)
    _backlog_touch(rows)
    return {row.event_id for row in rows}


def _sender_and_approvals(rows: list[EventRow]) -> tuple[tuple, dict[int, tuple]]:
    sender = _values(rows[0], PER_SENDER)
    approvals: dict[int, tuple] = {}
    for row in rows:
        scope = _values(row, PER_APPROVAL)
        if approvals.setdefault(row.approval_id, scope) != scope or _values(row, PER_SENDER) != sender:
            raise ValueError("events_insert: rows disagree on their sender or on their approval's revision")
    return sender, approvals


def _copy(rows: list[EventRow]) -> None:
    # COPY is the cheapest way in: the JSON statement spent a quarter of its time parsing the JSON
    # and more on ON CONFLICT's checks; the unique indexes still refuse a duplicate here.
    attributes = COLUMNS.index("attributes")
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        with raw.copy(f"COPY {Event._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                values = list(_values(row, COLUMNS))
                values[attributes] = orjson.dumps(values[attributes]).decode()
                copy.write_row(values)


def _backlog_touch(rows: list[EventRow]) -> None:
    """Mark the (approval, day) buckets the rows fall in, in a fixed order (no deadlock between senders)."""
    buckets = sorted({(row.approval_id, row.occurred_at.astimezone(UTC).date()) for row in rows})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RollupBacklog._meta.db_table} (approval_id, day, touched_at)"
            " SELECT approval_id, day, now() FROM unnest(%s::integer[], %s::date[]) AS b (approval_id, day)"
            " ON CONFLICT (approval_id, day) DO UPDATE SET touched_at = EXCLUDED.touched_at",
            [[approval for approval, _ in buckets], [day for _, day in buckets]],
        )


def _insert_skipping(rows: list[EventRow], sender: tuple, approvals: dict[int, tuple]) -> set[str]:
    params = {
        "events": orjson.dumps([dict(zip(PER_EVENT, _values(row, PER_EVENT), strict=True)) for row in rows]),
        "approvals": orjson.dumps(
            [dict(zip(PER_APPROVAL, scope, strict=True)) for scope in approvals.values()]
        ),
        "sender": orjson.dumps(dict(zip(PER_SENDER, sender, strict=True))),
    }
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), {name: value.decode() for name, value in params.items()})
        return {event_id for (event_id,) in cursor.fetchall()}


_getters: dict[tuple[str, ...], attrgetter] = {}


def _values(row: EventRow, names: tuple[str, ...]) -> tuple:
    getter = _getters.get(names)
    if getter is None:
        getter = _getters[names] = attrgetter(*names)  # in C, once per row and name list
    values = getter(row)
    return values if len(names) > 1 else (values,)


def _insert_orm(rows: list[EventRow]) -> set[str]:
    client_id = rows[0].client_id
    sent = (
        Event.objects.filter(client_id=client_id) if client_id else Event.objects.filter(client__isnull=True)
    )
    existing = set(
        sent.filter(event_id__in=[row.event_id for row in rows]).values_list("event_id", flat=True)
    )
    fresh = [row for row in rows if row.event_id not in existing]
    Event.objects.bulk_create([Event(**row.__dict__) for row in fresh])
    now = datetime.now(UTC)
    for approval_id, day in sorted(
        {(row.approval_id, row.occurred_at.astimezone(UTC).date()) for row in fresh}
    ):
        RollupBacklog.objects.update_or_create(approval_id=approval_id, day=day, defaults={"touched_at": now})
    return {row.event_id for row in fresh}
