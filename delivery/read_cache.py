"""A channel's token-and-item read answered from memory while nothing it depends on has changed.

A detail pull needs the token (with its client) and the item's approval in force. Those change only
when a row changes in the tables they are read from, and every such change tells each process at
once: PostgreSQL triggers (migration 0006) `NOTIFY delivery_reads` in the transaction that changes
the row, delivered when it commits, and a listener thread per process bumps a generation number
when a notification arrives. A remembered read is used only when all of these hold:

- the listener is connected and LISTENing, and has been since before the read was made (any
  notification, connection or disconnection bumps the generation; an entry keeps the generation
  read *before* its database read, so a change committed while it was read voids it);
- it is younger than `DELIVERY_READ_CACHE_SECONDS` (a bound even if a notification were lost);
- no time limit it depends on has passed (the token's and the approval's expiry, compared with now).

Otherwise the read goes to the database, exactly as without the cache. Engagement ingest keeps its
batches' approved revisions here too (`engagement.services.approved_revisions`): the same tables.
What is left is the time a notification takes to reach the process (about a millisecond), the same
order as the window every read-time check has between its snapshot and its response. Only reads
that found a usable token and an approval in force are remembered: unknown tokens and missing items
always ask the database.
`DELIVERY_READ_CACHE_SECONDS=0` turns it off (the test settings do, since test transactions never
commit and so never notify; tests/delivery/test_read_cache.py turns it on with committed changes).
"""

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "delivery_reads"
APPLICATION_NAME = "delivery-read-cache"  # how the listener shows in pg_stat_activity
MAX_ENTRIES = 10_000
RECONNECT_SECONDS = 1.0


@dataclass(frozen=True)
class _Entry:
    generation: int
    stored_at: float  # time.monotonic()
    valid_until: datetime | None  # the earliest expiry the read depends on
    value: object


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.generation = 0
        self.listening = False
        self.pid = None
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.entries: dict = {}

    def bump(self, *, listening: bool | None = None) -> None:
        with self.lock:
            self.generation += 1
            if listening is not None:
                self.listening = listening
            self.entries.clear()


_state = _State()


def enabled() -> bool:
    return settings.DELIVERY_READ_CACHE_SECONDS > 0 and connections["default"].vendor == "postgresql"


def generation() -> int | None:
    """The generation to store a read under, taken before the read; None: do not remember it."""
    if not enabled():
        return None
    _ensure_listener()
    with _state.lock:
        return _state.generation if _state.listening else None


def get(key, now: datetime):
    """The remembered value for `key`, or None (ask the database)."""
    entry = _state.entries.get(key)
    if entry is None:
        return None
    with _state.lock:
        fresh = (
            _state.listening
            and entry.generation == _state.generation
            and time.monotonic() - entry.stored_at < settings.DELIVERY_READ_CACHE_SECONDS
            and (entry.valid_until is None or now < entry.valid_until)
        )
    return entry.value if fresh else None


def put(key, value, *, generation: int | None, valid_until: datetime | None) -> None:
    if generation is None:
        return
    with _state.lock:
        if generation != _state.generation:
            return  # something changed while it was read
        if len(_state.entries) >= MAX_ENTRIES:
            _state.entries.clear()
        _state.entries[key] = _Entry(generation, time.monotonic(), valid_until, value)


def listening() -> bool:
    return _state.listening


def _ensure_listener() -> None:
    pid = os.getpid()
    if _state.pid == pid and _state.thread is not None and _state.thread.is_alive():
        return
    with _state.lock:
        if _state.pid == pid and _state.thread is not None and _state.thread.is_alive():
            return
        # A new process (a forked worker) has no listener yet: nothing it inherited is trusted.
        _state.pid = pid
        _state.listening = False
        _state.generation += 1
        _state.entries.clear()
        _state.stopping.clear()
        _state.thread = threading.Thread(target=_listen_forever, name="delivery-read-cache", daemon=True)
        _state.thread.start()


def _connection_params() -> dict:
    params = connections["default"].get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    return {**params, "application_name": APPLICATION_NAME}


def _listen_forever() -> None:
    import psycopg

    while not _state.stopping.is_set():
        try:
            with psycopg.connect(**_connection_params(), autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                _state.bump(listening=True)
                while not _state.stopping.is_set():
                    for _notify in conn.notifies(timeout=1.0):
                        _state.bump()
                    conn.execute("SELECT 1")  # a dead connection raises here, not silently
        except Exception:  # any failure: stop trusting memory until listening again
            logger.warning("delivery read cache: listener lost; reads go to the database", exc_info=True)
            _state.bump(listening=False)
            _state.stopping.wait(RECONNECT_SECONDS)
    _state.bump(listening=False)


def stop() -> None:
    """Stop this process's listener (tests, before their database is dropped); reads go to the database."""
    thread = _state.thread
    _state.stopping.set()
    if thread is not None:
        thread.join(timeout=10)
    _state.bump(listening=False)
