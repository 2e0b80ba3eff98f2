"""Atomic rebuild: load every approval in force into a new index, then swap the alias in one request."""

import gc
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone
from elasticsearch import Elasticsearch

from review.models import ApprovalRecord
from search.builder import ApprovalRow, DocumentBuilder, Taxonomy, approval_rows
from search.bulk import bulk_lines, send_bulk
from search.index import ApprovedContentIndex
from search.indexing import outbox_drain
from search.outbox import outbox_redeliver_since

BATCH_SIZE = 1000
# Bulk requests in flight at once while the next chunk is built (see load_index).
SENDERS = 2


@dataclass
class RebuildReport:
    index: str
    indexed: int
    failed: int
    seconds: float
    dropped_indices: list[str]

    @property
    def rate(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0


def _chunks(rows: Iterable[ApprovalRow], size: int) -> Iterator[list[ApprovalRow]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def index_actions(index: str, approvals: list[ApprovalRow], builder: DocumentBuilder) -> list[dict]:
    """Bulk actions indexing these approvals, each at version = its revision id."""
    return [
        {
            "_index": index,
            "_id": doc.id,
            "version": approval.revision_id,
            "version_type": "external",
            "_source": doc.source,
        }
        for approval, doc in zip(approvals, builder.build(approvals), strict=True)
    ]


@contextmanager
def long_lived_objects_frozen():
    """Keep the cyclic GC off the objects that exist now (Django, Wagtail, the app) while a load runs.

    Each chunk of documents survives long enough to reach the oldest generation, and every collection
    of it then rescanned the whole application as well: about a third of a rebuild's Python time.
    The documents themselves are still collected as usual.
    """
    already_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not already_frozen:
            gc.unfreeze()


def load_index(
    es: Elasticsearch,
    index: str,
    rows: Iterable[ApprovalRow],
    *,
    builder: DocumentBuilder,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
) -> tuple[int, int]:
    """Bulk-load documents for `rows` into `index`; (indexed, failed).

    The next chunk is read, built and serialized on this thread while one bulk request is in flight on
    a sender thread, so Elasticsearch is not left idle while Python works. Database reads stay on this
    thread (its connection and transaction); only the HTTP requests move.
    """
    indexed = failed = 0
    in_flight: deque[Future] = deque()
    with long_lived_objects_frozen(), ThreadPoolExecutor(SENDERS, thread_name_prefix="search-bulk") as sender:
        for chunk in _chunks(rows, batch_size):
            lines = bulk_lines(es, index_actions(index, chunk, builder))
            if len(in_flight) == SENDERS:
                ok, bad = in_flight.popleft().result()
                indexed, failed = indexed + ok, failed + bad
                if progress:
                    progress(indexed + failed, total)
            in_flight.append(sender.submit(send_bulk, es, lines, len(chunk)))
        for future in in_flight:
            ok, bad = future.result()
            indexed, failed = indexed + ok, failed + bad
    if progress:
        progress(indexed + failed, total)
    return indexed, failed


def search_index_rebuild(
    *,
    batch_size: int = BATCH_SIZE,
    keep_old: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Build a new index from the database, swap the alias, then replay events delivered meanwhile."""
    started_at, started = timezone.now(), time.perf_counter()
    index = ApprovedContentIndex()
    name = index.create(loading=True)
    approvals = ApprovalRecord.objects.in_force(started_at).order_by("pk")
    indexed, failed = load_index(
        index.es,
        name,
        approval_rows(approvals, chunk_size=batch_size),
        builder=DocumentBuilder(Taxonomy.load()),
        batch_size=batch_size,
        progress=progress,
        total=approvals.count(),
    )
    index.finish_loading(name)
    old = index.swap(name)
    # Events delivered to the old index while this one loaded are applied again (idempotent by version).
    outbox_redeliver_since(started_at)
    outbox_drain()
    if not keep_old:
        index.drop(old)
    return RebuildReport(
        index=name,
        indexed=indexed,
        failed=failed,
        seconds=time.perf_counter() - started,
        dropped_indices=[] if keep_old else old,
    )
