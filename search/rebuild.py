"""Atomic rebuild: load every approval in force into a new index, then swap the alias in one request."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from elasticsearch import helpers

from review.models import ApprovalRecord, OutboxEvent
from search.builder import DocumentBuilder, Taxonomy, approvals_for_indexing
from search.index import ApprovedContentIndex
from search.indexing import outbox_drain

BATCH_SIZE = 1000


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


def _chunks(queryset, size: int) -> Iterator[list[ApprovalRecord]]:
    chunk = []
    for approval in queryset.iterator(chunk_size=size):
        chunk.append(approval)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_actions(index: str, approvals, builder: DocumentBuilder, batch_size: int) -> Iterator[dict]:
    for chunk in _chunks(approvals, batch_size):
        for approval, doc in zip(chunk, builder.build(chunk), strict=True):
            yield {
                "_index": index,
                "_id": doc.id,
                "version": approval.revision_id,
                "version_type": "external",
                "_source": doc.source,
            }


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
    approvals = approvals_for_indexing(ApprovalRecord.objects.current(started_at).order_by("pk"))
    total = approvals.count()
    builder = DocumentBuilder(Taxonomy.load())
    indexed = failed = 0
    # One thread: the database iterator must stay on this thread's connection (and transaction).
    for ok, _item in helpers.streaming_bulk(
        index.es,
        index_actions(name, approvals, builder, batch_size),
        chunk_size=batch_size,
        raise_on_error=False,
    ):
        indexed += ok
        failed += not ok
        if progress and (indexed + failed) % batch_size == 0:
            progress(indexed + failed, total)
    if progress:
        progress(indexed + failed, total)
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
