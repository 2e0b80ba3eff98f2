"""Build index documents from approval records, reading exactly the approved revision's content.

The builder reads the revision's serialized content (what ``revision.as_object()`` restores) and
resolves taxonomy ids through one in-memory lookup per batch, so a reindex does not query per field.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import NoReverseMatch, reverse
from wagtail.models import Revision

from modules.models import Audience, Channel, Indication, Market, Product, Reference, Specialty
from review.models import ApprovalRecord
from search.mapping import document_id

# Fields whose text, in this order, makes up a document's body; rich text is stripped to plain text.
BODY_FIELDS = (
    "body",
    "text",
    "subject",
    "preheader",
    "label",
    "caption",
    "alt_text",
    "source_citation",
    "citation_text",
    "event_title",
    "speaker",
    "agenda",
    "venue",
    "compliance_text",
)
ASSEMBLY_TYPES = {"edetail", "email", "invitation"}


TAG = re.compile(r"<[^>]*>")


def plain(value) -> str:
    """Plain text of a (rich) text field; output is escaped when shown, so a tag-stripping regex is enough."""
    text = str(value or "")
    if "<" in text or "&" in text:
        text = html.unescape(TAG.sub(" ", text))
    return " ".join(text.split())


def _ids(value) -> list[int]:
    if value is None:
        return []
    return [int(v) for v in (value if isinstance(value, list) else [value])]


@dataclass(frozen=True)
class IndexedDocument:
    """An ApprovedContent document as the bulk API takes it (plain dicts: the DSL's per-field
    serialization costs more than the indexing itself during a rebuild)."""

    id: str
    source: dict


@dataclass
class Taxonomy:
    """Every taxonomy row by id, loaded once per batch (the tables are small)."""

    products: dict = field(default_factory=dict)
    markets: dict = field(default_factory=dict)
    audiences: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)
    specialties: dict = field(default_factory=dict)
    indications: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Taxonomy":
        return cls(
            products={p.pk: p for p in Product.objects.all()},
            markets={m.pk: m for m in Market.objects.all()},
            audiences={a.pk: a.code for a in Audience.objects.all()},
            channels={c.pk: c.code for c in Channel.objects.all()},
            specialties={s.pk: s.code for s in Specialty.objects.all()},
            indications={i.pk: i.name for i in Indication.objects.all()},
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


def _preview_url(object_type: str, object_id: str, revision_id: int) -> str | None:
    """The admin view of exactly this revision (reversed once per type: reverse() is slow in bulk)."""
    pattern = _preview_url_pattern(object_type)
    return pattern.replace("OBJECT", object_id).replace("999999999", str(revision_id)) if pattern else None


class DocumentBuilder:
    """Turns a batch of approval records into ApprovedContent documents."""

    def __init__(self, taxonomy: Taxonomy | None = None, media_url: str = "/media/"):
        self.taxonomy = taxonomy or Taxonomy.load()
        self.media_url = media_url

    def build(self, approvals: list[ApprovalRecord]) -> list[IndexedDocument]:
        self._pinned = self._pinned_contents(approvals)
        self._references = self._reference_texts(approvals)
        return [self.document(approval) for approval in approvals]

    def document(self, approval: ApprovalRecord) -> "IndexedDocument":
        content = approval.revision.content
        ct = approval.content_type
        object_type = f"{ct.app_label}.{ct.model}"
        if ct.model in ASSEMBLY_TYPES:
            scope = self._assembly_scope(content, ct.model)
        else:
            scope = self._module_scope(content)
        products = self.taxonomy.pick("products", scope.pop("product_ids"))
        markets = self.taxonomy.pick("markets", scope.pop("market_ids"))
        source = dict(
            approval_id=approval.pk,
            revision_id=approval.revision_id,
            object_type=object_type,
            object_id=approval.object_id,
            kind="assembly" if ct.model in ASSEMBLY_TYPES else "module",
            type=ct.model,
            title=content.get("title") or approval.object_title,
            claim_text=" ".join(
                plain(content.get(k)) for k in ("statement", "qualifier", "footnotes")
            ).strip(),
            citations=self._citations(content),
            product_names=" ".join(f"{p.brand_name} {p.generic_name}" for p in products),
            products=[p.code for p in products],
            brand_names=[p.brand_name for p in products],
            generic_names=[p.generic_name for p in products],
            therapeutic_areas=sorted({p.therapeutic_area for p in products}),
            markets=[m.code for m in markets],
            languages=sorted({m.language for m in markets}),
            job_code=approval.job_code,
            content_hash=approval.content_hash,
            status=approval.status,
            approved_at=approval.approved_at,
            expires_at=approval.expires_at,
            preview_url=_preview_url(object_type, approval.object_id, approval.revision_id),
            thumbnail_url=f"{self.media_url}{content['image']}" if content.get("image") else None,
            **scope,
        )
        return IndexedDocument(id=document_id(object_type, approval.object_id), source=source)

    def _module_scope(self, content: dict) -> dict:
        return {
            "product_ids": _ids(content.get("products")),
            "market_ids": _ids(content.get("markets")),
            "indications": self.taxonomy.pick("indications", _ids(content.get("indications"))),
            "audiences": self.taxonomy.pick("audiences", _ids(content.get("audiences"))),
            "channels": self.taxonomy.pick("channels", _ids(content.get("channels"))),
            "specialties": self.taxonomy.pick("specialties", _ids(content.get("specialties"))),
            "body": self._body(content),
        }

    def _assembly_scope(self, content: dict, model: str) -> dict:
        """An assembly's own scope, plus the text and specialties of the module revisions it pins."""
        pinned = [self._pinned[r] for r in self._pinned_ids(content) if r in self._pinned]
        specialties = {s for module in pinned for s in _ids(module.get("specialties"))}
        indications = {i for module in pinned for i in _ids(module.get("indications"))}
        texts = [self._body(content), *(self._module_text(module) for module in pinned)]
        slides = " ".join(plain(slide.get("title")) for slide in content.get("slides") or [])
        return {
            "product_ids": _ids(content.get("product")),
            "market_ids": _ids(content.get("market")),
            "indications": self.taxonomy.pick("indications", sorted(indications)),
            "audiences": self.taxonomy.pick("audiences", _ids(content.get("audiences"))),
            "channels": [model],
            "specialties": self.taxonomy.pick("specialties", sorted(specialties)),
            "body": " ".join(t for t in [slides, *texts] if t),
        }

    def _module_text(self, content: dict) -> str:
        parts = [plain(content.get("title")), plain(content.get("statement")), self._body(content)]
        return " ".join(p for p in parts if p)

    @staticmethod
    def _body(content: dict) -> str:
        return " ".join(t for t in (plain(content.get(name)) for name in BODY_FIELDS) if t)

    def _citations(self, content: dict) -> str:
        parts = []
        for citation in content.get("citations") or []:
            reference = self._references.get(citation.get("reference"), "")
            parts.append(
                f"{reference} {plain(citation.get('anchor'))} {plain(citation.get('supporting_quote'))}"
            )
        return " ".join(p.strip() for p in parts)

    @staticmethod
    def _pinned_ids(content: dict) -> list[int]:
        return [p["pinned_revision"] for p in content.get("placements") or [] if p.get("pinned_revision")]

    def _pinned_contents(self, approvals) -> dict[int, dict]:
        ids = {r for a in approvals for r in self._pinned_ids(a.revision.content)}
        if not ids:
            return {}
        return dict(Revision.objects.filter(pk__in=ids).values_list("pk", "content"))

    def _reference_texts(self, approvals) -> dict[int, str]:
        ids = {c.get("reference") for a in approvals for c in a.revision.content.get("citations") or []}
        ids.discard(None)
        if not ids:
            return {}
        rows = Reference.objects.filter(pk__in=ids).values_list("pk", "title", "citation_text")
        return {pk: f"{title} {citation_text}" for pk, title, citation_text in rows}


def approvals_for_indexing(queryset=None):
    """Approval records with everything the builder reads, in one query."""
    queryset = queryset if queryset is not None else ApprovalRecord.objects.current()
    return queryset.select_related("revision", "content_type")
