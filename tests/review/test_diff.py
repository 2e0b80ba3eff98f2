"""Reviewers see what changed since the last approval, in words, never raw ids."""

import pytest

from review.diff import field_changes
from tests import factories

pytestmark = pytest.mark.django_db


def test_changes_since_the_approved_revision_name_fields_and_related_objects(product, market, other_market):
    ref = factories.reference(product=product, market=market, title="HEART-RX primary paper")
    statement = "Cuts events by 30%."
    claim = factories.claim(product=product, market=market, reference_obj=ref, statement=statement)
    approved = claim.live_revision
    claim.statement = "Cuts cardiovascular events by 31%."
    claim.markets.add(other_market)
    draft = claim.save_revision()

    changes = {change.field: change for change in field_changes(approved, draft)}
    assert set(changes) == {"statement", "markets"}
    assert changes["statement"].label == "Statement"
    marked = str(changes["statement"].marked)
    assert marked == "Cuts <ins>cardiovascular</ins> events by <del>30%.</del> <ins>31%.</ins>"
    assert changes["markets"].after == "US-en, DE-de" or set(changes["markets"].after.split(", ")) == {
        str(market),
        str(other_market),
    }


def test_first_review_shows_every_field_as_new_with_citations_readable(product, market):
    ref = factories.reference(product=product, market=market, title="HEART-RX primary paper")
    claim = factories.claim(product=product, market=market, reference_obj=ref, publish=False)
    changes = {change.field: change for change in field_changes(None, claim.latest_revision)}
    assert "HEART-RX primary paper" in changes["citations"].after
    assert "anchor: 7" in changes["citations"].after
    assert str(product) in changes["products"].after


def test_hostile_text_in_a_change_is_escaped(product, market):
    block = factories.text_block(product=product, market=market)
    approved = block.live_revision
    block.title = "<script>alert(1)</script>"
    change = next(c for c in field_changes(approved, block.save_revision()) if c.field == "title")
    assert "<script>" not in str(change.marked) and "&lt;script&gt;" in str(change.marked)


def test_rich_text_whose_words_did_not_change_is_not_reported(product, market):
    block = factories.text_block(product=product, market=market, body="<p>Learn more.</p>")
    approved = block.live_revision
    block.body = '<p data-block-key="a1b2c">Learn more.</p>'
    assert field_changes(approved, block.save_revision()) == []


def test_an_edetail_approved_in_the_old_flat_shape_is_compared_slide_by_slide(product, market):
    from wagtail.models import Revision

    from tests.modules.test_edetail_shapes import old_shape

    text = factories.text_block(product=product, market=market, title="Opening")
    other = factories.text_block(product=product, market=market, title="Closing")
    edetail = factories.edetail(product=product, market=market, slides=[[text], [other]])
    stored = old_shape(Revision.objects.get(pk=edetail.latest_revision_id).content)
    Revision.objects.filter(pk=edetail.latest_revision_id).update(content=stored)
    approved = Revision.objects.get(pk=edetail.latest_revision_id)

    unchanged = edetail.get_latest_revision_as_object().save_revision()
    assert field_changes(approved, unchanged) == []  # the same deck, now stored in the new shape

    edetail.refresh_from_db()  # the save above made a newer revision
    draft = edetail.get_latest_revision_as_object()
    slide = draft.slides.all()[1]
    slide.title = "Next steps"
    changed = draft.save_revision()
    changes = field_changes(approved, changed)
    assert [change.field for change in changes] == ["slides"]
    assert "Slide 2" in changes[0].before and "Next steps" in changes[0].after
