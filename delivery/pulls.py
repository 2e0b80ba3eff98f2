"""Compliance log of content responses, buffered in memory and written in batches after responses go out.

A request appends to a per-process buffer; the buffer is written with one bulk insert when it holds
DELIVERY_PULL_LOG_BATCH records or its oldest record is DELIVERY_PULL_LOG_SECONDS old, and when the
process stops. No request waits for a log write.

With DELIVERY_PULL_LOG_IN_BACKGROUND (the default outside tests) the write runs in the process's own
writer thread with its own database connection (`_Writer`): under load a 200-record write in a
request thread took 50-550 ms (the worker's other threads and PostgreSQL share two cores), and that
thread's next request waited for it. Tests write in the request's thread, inside the test's
transaction, when a request finishes (after the response was sent) and at exit (`atexit`).
"""

import atexit
import logging
import os
import threading
import time

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

SUBJECT_COLUMNS = ("client_id", "token_id", "approval_id", "revision_id", "item_id", "render")
RECORD_TYPES = (
    "client_id bigint, token_id bigint, approval_id bigint, revision_id bigint, item_id text, render text,"
    " pulled_at timestamptz"
)
_lock = threading.Lock()
_buffer: list[dict] = []
_oldest: float | None = None


def pull_record(*, token, approval_id: int, revision_id: int, item_id: str, render: str = "") -> None:
    global _oldest
    with _lock:
        if _oldest is None:
            _oldest = time.monotonic()
        _buffer.append(
            {
                "client_id": token.client_id,
                "token_id": token.pk,
                "approval_id": approval_id,
                "revision_id": revision_id,
                "item_id": item_id,
                "render": render,
                "pulled_at": timezone.now(),
            }
        )


def _take() -> list[dict]:
    global _oldest
    with _lock:
        taken = list(_buffer)
        _buffer.clear()
        _oldest = None
    return taken


def flush() -> int:
    """Write every buffered record now (tests, shutdown); returns how many were written."""
    rows = _take()
    if rows:
        try:
            _write(rows)
        except Exception:  # noqa: BLE001 - keep the records for the next flush rather than lose them
            logger.exception("delivery: writing %d pull records failed; will retry", len(rows))
            with _lock:
                _buffer[:0] = rows
            return 0
    return len(rows)


def _write(rows: list[dict]) -> None:
    """The records, each under its subject (delivery.models.PullSubject), in one transaction."""
    from delivery.models import Pull, PullSubject

    if connection.vendor != "postgresql":
        with transaction.atomic():
            subjects, records = {}, []
            for row in rows:
                key = {name: row[name] for name in SUBJECT_COLUMNS}
                subject = subjects.get(tuple(key.values()))
                if subject is None:
                    subject = subjects[tuple(key.values())] = PullSubject.objects.get_or_create(**key)[0]
                records.append(Pull(subject=subject, pulled_at=row["pulled_at"]))
            Pull.objects.bulk_create(records)
        return
    # Two statements from one JSON document: the batch's new subjects (in a fixed order, so two
    # writers never wait on each other in a cycle), then the records joined to their subjects; the
    # second statement sees the subjects a concurrent writer committed meanwhile.
    document = orjson.dumps(rows).decode()
    subjects, records = PullSubject._meta.db_table, Pull._meta.db_table
    columns = ", ".join(SUBJECT_COLUMNS)
    recordset = f"json_to_recordset(%s) AS r({RECORD_TYPES})"
    # A durable commit, like every other record: the writer thread, not a request, waits for it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {subjects} ({columns}) SELECT DISTINCT {columns} FROM {recordset}"
            f" ORDER BY {columns} ON CONFLICT ({columns}) DO NOTHING",
            [document],
        )
        cursor.execute(
            f"INSERT INTO {records} (subject_id, pulled_at) SELECT s.id, r.pulled_at"
            f" FROM {recordset} JOIN {subjects} s USING ({columns})",
            [document],
        )
        if cursor.rowcount != len(rows):  # every record has a token, so every one finds its subject
            raise RuntimeError(f"{len(rows)} pull records, {cursor.rowcount} written")


def _due() -> bool:
    with _lock:
        return bool(_buffer) and (
            len(_buffer) >= settings.DELIVERY_PULL_LOG_BATCH
            or time.monotonic() - (_oldest or 0) >= settings.DELIVERY_PULL_LOG_SECONDS
        )


def flush_if_due() -> int:
    """Write the buffer if it is due: here (returns how many), or by waking the writer thread (0)."""
    if settings.DELIVERY_PULL_LOG_IN_BACKGROUND:
        _Writer.start()  # from the first request on, so an idle process's records are written too
        if _due():
            _Writer.wake()
        return 0
    return flush() if _due() else 0


class _Writer:
    """One thread per process (a forked or spawned worker starts its own), from the first request on.

    It writes the buffer when a request finds it due, when its oldest record comes of age with no
    request to notice, and once more when the process's main thread has ended. It is not a daemon:
    the interpreter waits for it at exit, also in a server's worker that is a multiprocessing child
    (granian's), where `atexit` handlers never run; a graceful stop loses no record.
    """

    POLL_SECONDS = 0.5
    _pid: int | None = None
    _event: threading.Event
    _starting = threading.Lock()

    @classmethod
    def start(cls) -> None:
        if cls._pid != os.getpid():
            with cls._starting:
                if cls._pid != os.getpid():
                    cls._event = event = threading.Event()
                    # daemon=False explicitly: a thread inherits daemonhood from the request thread that
                    # starts it, and granian's request threads are daemons.
                    writer = threading.Thread(target=cls._run, args=(event,), name="pull-log", daemon=False)
                    writer.start()
                    cls._pid = os.getpid()

    @classmethod
    def wake(cls) -> None:
        cls.start()
        cls._event.set()

    @classmethod
    def _run(cls, event: threading.Event) -> None:
        main = threading.main_thread()
        while True:
            event.wait(cls.POLL_SECONDS)
            event.clear()
            ending = not main.is_alive()
            # (The setting is read on each pass: a test may turn the thread's work off again.)
            if settings.DELIVERY_PULL_LOG_IN_BACKGROUND and (ending or _due()):
                try:
                    # As around a request: a broken or (CONN_MAX_AGE) expired connection is replaced.
                    connection.close_if_unusable_or_obsolete()
                    flush()
                    connection.close_if_unusable_or_obsolete()
                except Exception:  # noqa: BLE001 - the thread outlives one failure; flush() kept the rows
                    logger.exception("delivery: the pull-log writer failed")
            if ending:
                connection.close()
                return


def pending() -> int:
    with _lock:
        return len(_buffer)


atexit.register(lambda: flush() if _buffer else None)
