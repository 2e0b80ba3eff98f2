"""The revision snapshot: the JSON Wagtail stores for each saved revision of a module or assembly.

modules owns the models, so modules owns this format. Everything that reads a revision's content
without restoring the object (the signed hash, review checks and screens, the review package, the
search builder) reads it through these accessors, never by string key. Rename a field and
tests/modules/test_snapshots.py fails instead of the signed hash quietly covering less.

The accessors take the plain content dict (``revision.content``), so the search rebuild can read
rows without building model instances.
"""

from typing import NamedTuple

from .models import ASSEMBLY_TYPES

# Keys of the snapshot, named once. Child lists are stored under the parental relation's name.
PLACEMENTS = "placements"
PINNED_REVISION = "pinned_revision"
CITATIONS = "citations"
REFERENCE = "reference"
SLIDES = "slides"

# Text fields, in this order, that make up the searchable body of an item; rich text included.
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
# A claim's own words, searched and shown apart from the body.
CLAIM_FIELDS = ("statement", "qualifier", "footnotes")

ASSEMBLY = "assembly"
MODULE = "module"
ASSEMBLY_MODEL_NAMES = frozenset(model._meta.model_name for model in ASSEMBLY_TYPES)


class CitationSnapshot(NamedTuple):
    """One citation of a claim as stored in a revision, in the claim's order."""

    reference_id: int | None
    anchor_kind: str
    anchor: str
    supporting_quote: str


def content_kind(model_name: str) -> str:
    """ "assembly" for e-details, emails and invitations; "module" for every building block."""
    return ASSEMBLY if model_name in ASSEMBLY_MODEL_NAMES else MODULE


def title(content: dict) -> str:
    return content.get("title") or ""


def image_name(content: dict) -> str:
    """The storage name of a visual's image ("" for anything else)."""
    return content.get("image") or ""


def field_text(content: dict, name: str) -> str:
    """One top-level field as text (what an annotation's quote must appear in)."""
    return str(content.get(name, ""))


def placements(content: dict) -> list[dict]:
    """An assembly's placements as stored (an empty list for modules)."""
    return content.get(PLACEMENTS) or []


def pinned_revision_ids(content: dict) -> list[int]:
    """The module revisions an assembly pins, in placement order (repeats kept)."""
    return [p[PINNED_REVISION] for p in placements(content) if p.get(PINNED_REVISION)]


def citations(content: dict) -> list[CitationSnapshot]:
    """A claim's citations as stored in this revision (an empty list for anything else)."""
    return [
        CitationSnapshot(
            reference_id=c.get(REFERENCE),
            anchor_kind=c.get("anchor_kind", ""),
            anchor=c.get("anchor", ""),
            supporting_quote=c.get("supporting_quote", ""),
        )
        for c in content.get(CITATIONS) or []
    ]


def citation_count(content: dict) -> int:
    return len(content.get(CITATIONS) or [])


def cited_reference_ids(content: dict) -> list[int]:
    return [c[REFERENCE] for c in content.get(CITATIONS) or [] if c.get(REFERENCE)]


def body_values(content: dict) -> list:
    """The non-empty body text fields of this revision, in BODY_FIELDS order (rich text as stored)."""
    return [content[name] for name in BODY_FIELDS if content.get(name)]


def claim_values(content: dict) -> list:
    return [content.get(name) for name in CLAIM_FIELDS]


def claim_statement(content: dict) -> str:
    """A claim's statement ("" for anything else)."""
    return content.get(CLAIM_FIELDS[0]) or ""


def slide_titles(content: dict) -> list[str]:
    return [slide.get("title") or "" for slide in content.get(SLIDES) or []]


def related_ids(content: dict, name: str) -> list[int]:
    """Ids of a foreign key (one id) or many-to-many field (a list) as stored, e.g. "markets"."""
    value = content.get(name)
    if value is None:
        return []
    return [int(v) for v in (value if isinstance(value, list) else [value])]
