"""Atomic rebuild: load every approval in force into a new index, then swap the alias in one request."""

import gc
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone
from elasticsearch import Elasticsearch, helpers

from review.models import ApprovalRecord, OutboxEvent
from search.builder import ApprovalRow, DocumentBuilder, Taxonomy, approval_rows
from search.index import ApprovedContentIndex
from search.indexing import outbox_drain

BATCH_SIZE = 1000
INDEX_ACTION_KEYS = {"_index", "_id", "version", "version_type", "_source"}
HEADER = '{{"index":{{"_id":{id},"_index":{index},"version":{version},"version_type":{version_type}}}}}'


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


def bulk_lines(es: Elasticsearch, actions: list[dict]) -> list[bytes]:
    """The NDJSON lines of one bulk request: the bytes helpers.bulk would send for these actions.

    Index headers are formatted from a template and sources go through one reused encoder with the
    client serializer's settings: per-call json.dumps set-up was a fifth of a rebuild's Python time.
    """
    serializer = es.transport.serializers.get_serializer("application/json")
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=serializer.default).encode
    lines = []
    for action in actions:
        if action.keys() == INDEX_ACTION_KEYS:
            header = HEADER.format(
                id=encode(action["_id"]),
                index=encode(action["_index"]),
                version=int(action["version"]),
                version_type=encode(action["version_type"]),
            )
            lines.append(header.encode())
            lines.append(encode(action["_source"]).encode("utf-8", "surrogatepass"))
            continue
        header, body = helpers.expand_action(action)
        lines.append(serializer.dumps(header))
        if body is not None:
            lines.append(serializer.dumps(body))
    return lines


def send_bulk(es: Elasticsearch, lines: list[bytes], count: int) -> tuple[int, int]:
    """One bulk request of `count` actions; (indexed, failed). Transport errors propagate, as in helpers.bulk.

    Only failed items come back (filter_path): the full response is a few hundred bytes per document
    for the node to write and for this process to parse, and a rebuild only counts the failures.
    """
    response = es.bulk(operations=lines, filter_path="errors,items.*.error").body
    if not response.get("errors"):
        return count, 0
    failed = sum(1 for item in response.get("items", ()) if "error" in next(iter(item.values()), {}))
    return count - failed, failed


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
    with long_lived_objects_frozen(), ThreadPoolExecutor(1, thread_name_prefix="search-bulk") as sender:
        in_flight: Future | None = None
        for chunk in _chunks(rows, batch_size):
            lines = bulk_lines(es, index_actions(index, chunk, builder))
            if in_flight is not None:
                ok, bad = in_flight.result()
                indexed, failed = indexed + ok, failed + bad
                if progress:
                    progress(indexed + failed, total)
            in_flight = sender.submit(send_bulk, es, lines, len(chunk))
        if in_flight is not None:
            ok, bad = in_flight.result()
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
    approvals = ApprovalRecord.objects.current(started_at).order_by("pk")
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
    OutboxEvent.objects.filter(delivered_at__gte=started_at).update(
        delivered_at=None, next_attempt_at=started_at
    )
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
