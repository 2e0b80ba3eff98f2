"""Compare the database's approvals in force with the index: missing, stale and extra documents."""

from dataclasses import dataclass, field

from django.utils import timezone
from elasticsearch import ApiError, TransportError, helpers

from review.models import ApprovalRecord
from search.conf import alias_name, client
from search.errors import SearchUnavailable
from search.mapping import document_id


@dataclass
class DriftReport:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    checked: int = 0
    indexed: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def expected_documents(now=None) -> dict[str, tuple[int, str]]:
    """Document id → (revision id, content hash) for every approval in force."""
    rows = ApprovalRecord.objects.in_force(now or timezone.now()).values_list(
        "content_type__app_label", "content_type__model", "object_id", "revision_id", "content_hash"
    )
    return {document_id(f"{app}.{model}", oid): (rev, digest) for app, model, oid, rev, digest in rows}


def indexed_documents() -> dict[str, tuple[int, str]]:
    es = client()
    es.indices.refresh(index=alias_name())
    hits = helpers.scan(
        es,
        index=alias_name(),
        query={"query": {"match_all": {}}, "_source": ["revision_id", "content_hash"]},
        size=2000,
    )
    return {h["_id"]: (h["_source"]["revision_id"], h["_source"]["content_hash"]) for h in hits}


def search_drift(now=None) -> DriftReport:
    expected = expected_documents(now)
    try:
        indexed = indexed_documents()
    except (TransportError, ApiError) as exc:
        raise SearchUnavailable(f"Cannot read the index {alias_name()}: {exc}") from exc
    report = DriftReport(checked=len(expected), indexed=len(indexed))
    for doc_id, (revision_id, digest) in sorted(expected.items()):
        if doc_id not in indexed:
            report.missing.append(f"{doc_id} (revision {revision_id})")
        elif indexed[doc_id] != (revision_id, digest):
            report.stale.append(
                f"{doc_id} (index has revision {indexed[doc_id][0]}, approved is {revision_id})"
            )
    report.extra = [
        f"{doc_id} (revision {indexed[doc_id][0]})" for doc_id in sorted(set(indexed) - set(expected))
    ]
    return report
