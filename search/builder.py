"""Build index documents from approval records, reading exactly the approved revision's content.

The builder reads the revision's serialized content (what ``revision.as_object()`` restores) and
resolves taxonomy ids through one in-memory lookup per batch, so a reindex does not query per field.
A rebuild reads plain rows (``approval_rows``): building model instances cost more than the documents.
"""

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from wagtail.models import Revision

from modules import snapshots
from modules.models import Audience, Channel, Indication, Market, Product, Reference, Specialty
from review.models import ApprovalRecord
from search.mapping import document_id

TAG = re.compile(r"<[^>]*>")


def plain(value) -> str:
    """Plain text of a (rich) text field; output is escaped when shown, so a tag-stripping regex is enough."""
    if not value:
        return ""
    text = str(value)
    if "<" in text or "&" in text:
        text = html.unescape(TAG.sub(" ", text))
    return " ".join(text.split())


@dataclass(frozen=True)
class IndexedDocument:
    """An ApprovedContent document as the bulk API takes it (plain dicts: the DSL's per-field
    serialization costs more than the indexing itself during a rebuild)."""

    id: str
    source: dict


class ApprovalRow(NamedTuple):
    """The columns of an approval record that a document is built from, with its revision's content."""

    pk: int
    revision_id: int
    content_type_id: int
    object_id: str
    object_title: str
    job_code: str
    content_hash: str
    status: str
    approved_at: datetime
    expires_at: datetime
    content: dict

    @classmethod
    def of(cls, approval: ApprovalRecord) -> "ApprovalRow":
        return cls(
            approval.pk,
            approval.revision_id,
            approval.content_type_id,
            approval.object_id,
            approval.object_title,
            approval.job_code,
            approval.content_hash,
            approval.status,
            approval.approved_at,
            approval.expires_at,
            approval.revision.content,
        )


APPROVAL_COLUMNS = (*ApprovalRow._fields[:-1], "content_json")


def approval_rows(queryset=None, *, chunk_size: int = 2000) -> Iterator[ApprovalRow]:
    """Approval records as rows, streamed from one query (no model instances).

    The revision's JSON comes as text and is parsed with orjson: Django's JSONField decoding
    (json.loads per row) took half of a rebuild's read time (bench/RESULTS.md).
    """
    queryset = queryset if queryset is not None else ApprovalRecord.objects.in_force()
    queryset = queryset.annotate(content_json=Cast("revision__content", output_field=TextField()))
    for *columns, content in queryset.values_list(*APPROVAL_COLUMNS).iterator(chunk_size=chunk_size):
        yield ApprovalRow(*columns, orjson.loads(content))


@dataclass(frozen=True)
class ProductTerms:
    code: str
    brand_name: str
    generic_name: str
    therapeutic_area: str


@dataclass
class Taxonomy:
    """Every taxonomy row by id, as the values a document holds, loaded once per batch (small tables)."""

    products: dict = field(default_factory=dict)
    markets: dict = field(default_factory=dict)
    audiences: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)
    specialties: dict = field(default_factory=dict)
    indications: dict = field(default_factory=dict)
    languages: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Taxonomy":
        columns = ("pk", "code", "brand_name", "generic_name", "therapeutic_area")
        return cls(
            products={pk: ProductTerms(*rest) for pk, *rest in Product.objects.values_list(*columns)},
            markets=dict(Market.objects.values_list("pk", "code")),
            languages=dict(Market.objects.values_list("pk", "language")),
            audiences=dict(Audience.objects.values_list("pk", "code")),
            channels=dict(Channel.objects.values_list("pk", "code")),
            specialties=dict(Specialty.objects.values_list("pk", "code")),
            indications=dict(Indication.objects.values_list("pk", "name")),
        )

    def pick(self, table: str, ids: Iterable[int]) -> list:
        rows = getattr(self, table)
        return [rows[i] for i in ids if i in rows]


@lru_cache(maxsize=64)
def _preview_url_pattern(object_type: str) -> str | None:
    app_label, model = object_type.split(".")
    try:
        return reverse(f"wagtailsnippets_{app_label}_{model}:revisions_view", args=["OBJECT", 999999999])
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class ContentKind:
    """What a document says about its content type, worked out once per type."""

    object_type: str
    type: str
    kind: str
    preview_pattern: str | None

    @staticmethod
    def of(content_type_id: int) -> "ContentKind":
        # Django caches content types by id (and clears that cache when ids can change, e.g. a flush).
        ct = ContentType.objects.get_for_id(content_type_id)
        return _content_kind(ct.app_label, ct.model)

    def preview_url(self, object_id: str, revision_id: int) -> str | None:
        """The admin view of exactly this revision (reversed once per type: reverse() is slow in bulk)."""
        if self.preview_pattern is None:
            return None
        return self.preview_pattern.replace("OBJECT", object_id).replace("999999999", str(revision_id))


@lru_cache(maxsize=64)
def _content_kind(app_label: str, model: str) -> ContentKind:
    object_type = f"{app_label}.{model}"
    kind = snapshots.content_kind(model)
    return ContentKind(object_type, model, kind, _preview_url_pattern(object_type))


class DocumentBuilder:
    """Turns a batch of approvals (records or rows) into ApprovedContent documents."""

    def __init__(self, taxonomy: Taxonomy | None = None, media_url: str = "/media/"):
        self.taxonomy = taxonomy or Taxonomy.load()
        self.media_url = media_url

    def build(self, approvals: list[ApprovalRecord] | list[ApprovalRow]) -> list[IndexedDocument]:
        rows = [a if isinstance(a, ApprovalRow) else ApprovalRow.of(a) for a in approvals]
        self._pinned = self._pinned_contents(rows)
        self._references = self._reference_texts(rows)
        return [self.document(row) for row in rows]

    def document(self, approval: ApprovalRow) -> "IndexedDocument":
        content = approval.content
        kind = ContentKind.of(approval.content_type_id)
        if kind.kind == snapshots.ASSEMBLY:
            scope = self._assembly_scope(content, kind.type)
        else:
            scope = self._module_scope(content)
        taxonomy = self.taxonomy
        product_ids, market_ids = scope.pop("product_ids"), scope.pop("market_ids")
        products = [taxonomy.products[i] for i in product_ids if i in taxonomy.products]
        market_ids = [i for i in market_ids if i in taxonomy.markets]
        source = dict(
            approval_id=approval.pk,
            revision_id=approval.revision_id,
            object_type=kind.object_type,
            object_id=approval.object_id,
            kind=kind.kind,
            type=kind.type,
            title=snapshots.title(content) or approval.object_title,
            claim_text=" ".join(plain(v) for v in snapshots.claim_values(content)).strip(),
            citations=self._citations(content),
            product_names=" ".join(f"{p.brand_name} {p.generic_name}" for p in products),
            products=[p.code for p in products],
            brand_names=[p.brand_name for p in products],
            generic_names=[p.generic_name for p in products],
            therapeutic_areas=sorted({p.therapeutic_area for p in products}),
            markets=[taxonomy.markets[i] for i in market_ids],
            languages=sorted({taxonomy.languages[i] for i in market_ids}),
            job_code=approval.job_code,
            content_hash=approval.content_hash,
            status=approval.status,
            approved_at=approval.approved_at,
            expires_at=approval.expires_at,
            preview_url=kind.preview_url(approval.object_id, approval.revision_id),
            thumbnail_url=f"{self.media_url}{image}" if (image := snapshots.image_name(content)) else None,
            **scope,
        )
        return IndexedDocument(id=document_id(kind.object_type, approval.object_id), source=source)

    def _module_scope(self, content: dict) -> dict:
        taxonomy = self.taxonomy
        return {
            "product_ids": snapshots.related_ids(content, "products"),
            "market_ids": snapshots.related_ids(content, "markets"),
            "indications": taxonomy.pick("indications", snapshots.related_ids(content, "indications")),
            "audiences": taxonomy.pick("audiences", snapshots.related_ids(content, "audiences")),
            "channels": taxonomy.pick("channels", snapshots.related_ids(content, "channels")),
            "specialties": taxonomy.pick("specialties", snapshots.related_ids(content, "specialties")),
            "body": self._body(content),
        }

    def _assembly_scope(self, content: dict, model: str) -> dict:
        """An assembly's own scope, plus the text and specialties of the module revisions it pins."""
        pinned = [self._pinned[r] for r in snapshots.pinned_revision_ids(content) if r in self._pinned]
        specialties = {s for module in pinned for s in snapshots.related_ids(module, "specialties")}
        indications = {i for module in pinned for i in snapshots.related_ids(module, "indications")}
        texts = [self._body(content), *(self._module_text(module) for module in pinned)]
        slides = " ".join(plain(title) for title in snapshots.slide_titles(content))
        return {
            "product_ids": snapshots.related_ids(content, "product"),
            "market_ids": snapshots.related_ids(content, "market"),
            "indications": self.taxonomy.pick("indications", sorted(indications)),
            "audiences": self.taxonomy.pick("audiences", snapshots.related_ids(content, "audiences")),
            "channels": [model],
            "specialties": self.taxonomy.pick("specialties", sorted(specialties)),
            "body": " ".join(t for t in [slides, *texts] if t),
        }

    def _module_text(self, content: dict) -> str:
        title, statement = snapshots.title(content), snapshots.claim_statement(content)
        parts = [plain(title), plain(statement), self._body(content)]
        return " ".join(p for p in parts if p)

    @staticmethod
    def _body(content: dict) -> str:
        texts = (plain(value) for value in snapshots.body_values(content))
        return " ".join(t for t in texts if t)

    def _citations(self, content: dict) -> str:
        parts = []
        for citation in snapshots.citations(content):
            reference = self._references.get(citation.reference_id, "")
            parts.append(f"{reference} {plain(citation.anchor)} {plain(citation.supporting_quote)}")
        return " ".join(p.strip() for p in parts)

    def _pinned_contents(self, rows: list[ApprovalRow]) -> dict[int, dict]:
        ids = {r for row in rows for r in snapshots.pinned_revision_ids(row.content)}
        if not ids:
            return {}
        return dict(Revision.objects.filter(pk__in=ids).values_list("pk", "content"))

    def _reference_texts(self, rows: list[ApprovalRow]) -> dict[int, str]:
        ids = {r for row in rows for r in snapshots.cited_reference_ids(row.content)}
        if not ids:
            return {}
        rows = Reference.objects.filter(pk__in=ids).values_list("pk", "title", "citation_text")
        return {pk: f"{title} {citation_text}" for pk, title, citation_text in rows}


def approvals_for_indexing(queryset=None):
    """Approval records with everything the builder reads, in one query (see approval_rows for bulk)."""
    queryset = queryset if queryset is not None else ApprovalRecord.objects.in_force()
    return queryset.select_related("revision", "content_type")
