"""The revision snapshot accessors read real saved revisions of every content type correctly.

If a field the accessors name is renamed, these fail: the signed hash, the review checks and the
index would otherwise quietly stop covering pinned modules or citations.
"""

import pytest
from django.core.files.base import ContentFile

from modules import snapshots
from modules.models import (
    ASSEMBLY_TYPES,
    MODULE_TYPES,
    Assembly,
    Claim,
    Disclaimer,
    InvitationPlacement,
    Visual,
)
from review.hashing import canonical_content
from tests import factories
from tests.files import tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved_items(product, market):
    """One saved (unapproved) item of every content type, with pins and citations where they exist."""
    ref = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=ref)
    isi = factories.safety(product=product, market=market)
    text = factories.text_block(product=product, market=market)
    cta = factories.cta(product=product, market=market)
    visual = factories.saved(
        Visual(
            title="Chart",
            image=ContentFile(tiny_png(), name="chart.png"),
            alt_text="Event rates by arm",
            caption="Kaplan-Meier curve",
        ),
        product=product,
        market=market,
    )
    disclaimer = factories.saved(
        Disclaimer(title="Footnote", kind=Disclaimer.FOOTNOTE, text="For US HCPs only."),
        product=product,
        market=market,
    )
    modules = [ref, claim, isi, text, cta, visual, disclaimer]
    email = factories.email(product=product, market=market, modules=[text, claim, isi])
    edetail = factories.edetail(product=product, market=market, slides=[[text], [claim, isi]])
    invitation = factories.invitation(product=product, market=market)
    invitation.placements = factories.placements_for([isi], InvitationPlacement)
    invitation.save_revision()
    return [*modules, email, edetail, invitation]


def test_every_content_type_is_covered(saved_items):
    assert {type(item) for item in saved_items} == {*MODULE_TYPES, *ASSEMBLY_TYPES}


def test_accessors_match_the_object_each_revision_restores(saved_items):
    for item in saved_items:
        revision = item.get_latest_revision()
        content, restored = revision.content, revision.as_object()

        kind = snapshots.content_kind(revision.content_type.model)
        assert kind == (snapshots.ASSEMBLY if isinstance(restored, Assembly) else snapshots.MODULE)

        pins = [p.pinned_revision_id for p in restored.all_placements()] if kind == snapshots.ASSEMBLY else []
        assert snapshots.pinned_revision_ids(content) == pins
        assert kind == snapshots.MODULE or pins, f"{type(item).__name__} saved without pins"

        cited = [(c.reference_id, c.anchor_kind, c.anchor, c.supporting_quote) for c in _citations(restored)]
        assert [tuple(c) for c in snapshots.citations(content)] == cited
        assert snapshots.cited_reference_ids(content) == [c[0] for c in cited]
        assert snapshots.citation_count(content) == len(cited)

        body = [str(getattr(restored, name)) for name in snapshots.BODY_FIELDS if getattr(restored, name, "")]
        assert [str(value) for value in snapshots.body_values(content)] == body
        assert snapshots.title(content) == restored.title
        assert snapshots.claim_statement(content) == getattr(restored, "statement", "")
        assert snapshots.image_name(content) == (restored.image.name if isinstance(restored, Visual) else "")


def test_named_fields_exist_on_the_models():
    """Every text field the index reads is a real field of some content type (no dead names)."""
    fields = {f.name for model in (*MODULE_TYPES, *ASSEMBLY_TYPES) for f in model._meta.get_fields()}
    assert set(snapshots.BODY_FIELDS) <= fields
    assert set(snapshots.CLAIM_FIELDS) <= fields
    assert {snapshots.PLACEMENTS, snapshots.CITATIONS, snapshots.SLIDES} <= fields


def test_the_signed_hash_covers_each_pinned_revision(saved_items):
    email = next(item for item in saved_items if item.__class__.__name__ == "Email")
    content = canonical_content(email.get_latest_revision())
    hashes = [placement["pinned_content_hash"] for placement in snapshots.placements(content)]
    assert len(hashes) == 3 and all(hashes)


def _citations(obj):
    return list(obj.citations.all()) if isinstance(obj, Claim) else []
