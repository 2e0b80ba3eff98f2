"""The revision snapshot: the JSON Wagtail stores for each saved revision of a module or assembly.

modules owns the models, so modules owns this format. Everything that reads a revision's content
without restoring the object (the signed hash, review checks and screens, the review package, the
search builder) reads it through these accessors, never by string key. Rename a field and
tests/modules/test_snapshots.py fails instead of the signed hash quietly covering less.

The accessors take the plain content dict (``revision.content``), so the search rebuild can read
rows without building model instances.

E-detail shapes. Until slides held their modules, an e-detail stored ``slides`` and, beside them, a
flat ``placements`` list whose items named their slide by ``slide_number`` (1 = first). Now each slide
stores its own ``placements``. Approved revisions keep the shape they were signed in (their JSON is
never rewritten), so every accessor here reads both; ``edetail_nested`` turns the old shape into the
new one for building objects (renders, the editor, pin moves). See docs/edetail-slides.md.
"""

import copy
from typing import NamedTuple

from .models import ASSEMBLY_TYPES

# Keys of the snapshot, named once. Child lists are stored under the parental relation's name.
PLACEMENTS = "placements"
PINNED_REVISION = "pinned_revision"
CITATIONS = "citations"
REFERENCE = "reference"
SLIDES = "slides"
SLIDE = "slide"
SLIDE_NUMBER = "slide_number"  # old e-detail shape only

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
    """An assembly's placements as stored, in reading order (an empty list for modules).

    The dicts are the stored ones (not copies): an e-detail's come from its slides, or from its flat
    list in the old shape.
    """
    if PLACEMENTS in content:
        return content[PLACEMENTS] or []
    return [placement for slide in content.get(SLIDES) or [] for placement in slide.get(PLACEMENTS) or []]


def has_placements(content: dict) -> bool:
    """Whether this snapshot is an assembly's (it has placements, flat or on slides)."""
    return PLACEMENTS in content or any(PLACEMENTS in slide for slide in content.get(SLIDES) or [])


def is_flat_edetail(content: dict) -> bool:
    """An e-detail stored before slides held their modules: slides beside a flat placement list."""
    return SLIDES in content and PLACEMENTS in content


def edetail_nested(content: dict) -> dict:
    """An e-detail snapshot in the current shape, ready to build objects from: each slide holds its
    placements. The stored dict is never changed.

    From the old shape, each placement moves onto the slide its ``slide_number`` named, keeping its
    order. A number outside the deck (drafts could hold one; submission refused them) puts the placement
    on the last slide rather than dropping a pin, and a deck with placements but no slide gets one
    "Slide 1" to hold them.

    Each placement's link to its slide row is blanked: the slide it sits in says where it belongs, and
    modelcluster drops a child whose parent row no longer exists, so an old revision whose slide was
    later deleted would otherwise lose its modules when rendered.
    """
    if SLIDES not in content:
        return content
    nested = {key: value for key, value in content.items() if key != PLACEMENTS}
    slides = [copy.deepcopy(slide) for slide in content.get(SLIDES) or []]
    if is_flat_edetail(content):
        flat = content.get(PLACEMENTS) or []
        if flat and not slides:
            slides = [{"pk": None, "sort_order": 0, "title": "Slide 1", "layout": "title_body"}]
        for slide in slides:
            slide[PLACEMENTS] = []
        for placement in flat:
            moved = {k: copy.deepcopy(v) for k, v in placement.items() if k not in (SLIDE_NUMBER, "edetail")}
            slides[slide_index(placement.get(SLIDE_NUMBER), len(slides))][PLACEMENTS].append(moved)
    for slide in slides:
        for placement in slide.get(PLACEMENTS) or []:
            placement[SLIDE] = None
    nested[SLIDES] = slides
    return nested


def slide_index(slide_number, slide_count: int) -> int:
    """The 0-based slide an old-shape ``slide_number`` names; out of range means the last slide."""
    if isinstance(slide_number, int) and 1 <= slide_number <= slide_count:
        return slide_number - 1
    return slide_count - 1


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
