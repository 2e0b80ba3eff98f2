"""E-detail slides hold their modules: revisions stored in the old flat shape stay valid, the migration
moves placements onto their slides without dropping any, and modules move between slides by a choice."""

import copy

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from wagtail.models import Revision

from delivery.payloads import assembly_fields
from modules import snapshots
from modules.models import EDetail, Slide
from modules.rendering import render_edetail
from review.hashing import content_hash
from review.models import ApprovalRecord
from search.builder import DocumentBuilder
from tests import factories

BEFORE = [("modules", "0002_default_taxonomy")]
AFTER = [("modules", "0005_remove_slide_number")]


@pytest.fixture
def library(product, market):
    ref = factories.reference(product=product, market=market)
    return {
        "text": factories.text_block(product=product, market=market, title="Approved intro"),
        "claim": factories.claim(product=product, market=market, reference_obj=ref),
        "isi": factories.safety(product=product, market=market),
    }


def old_shape(content: dict) -> dict:
    """The snapshot exactly as the code before this change wrote an e-detail: slides without modules,
    and beside them a flat placement list naming each slide by number."""
    old = {key: value for key, value in content.items() if key != "slides"}
    old["slides"], old["placements"] = [], []
    for number, slide in enumerate(content["slides"], start=1):
        old["slides"].append({key: value for key, value in slide.items() if key != "placements"})
        for placement in slide["placements"]:
            old["placements"].append(
                {
                    "pk": placement["pk"],
                    "sort_order": placement["sort_order"],
                    "module": placement["module"],
                    "pinned_revision": placement["pinned_revision"],
                    "edetail": content["pk"],
                    "slide_number": number,
                }
            )
    return old


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def readings(record: ApprovalRecord) -> dict:
    """What compliance, channels and search read from an approved revision."""
    revision = Revision.objects.get(pk=record.revision_id)
    deck = revision.as_object()
    [document] = DocumentBuilder().build([ApprovalRecord.objects.get(pk=record.pk)])
    return {
        "hash": content_hash(revision),
        "render": render_edetail(deck, job_code=record.job_code, base_url="https://cms.example"),
        "payload": assembly_fields(deck),
        "search": document.source,
        "slides": [(s.title, [p.module_id for p in ps]) for s, ps in deck.slides_with_placements()],
    }


@pytest.mark.django_db(transaction=True)
def test_an_approved_old_shape_revision_verifies_renders_and_indexes_the_same_after_the_migration(
    product, market, library
):
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"]], [library["claim"], library["isi"]]]
    )
    twin = factories.edetail(  # the same deck saved in the new shape, for comparison
        product=product, market=market, slides=[[library["text"]], [library["claim"], library["isi"]]]
    )
    stored = old_shape(Revision.objects.get(pk=edetail.latest_revision_id).content)
    Revision.objects.filter(pk=edetail.latest_revision_id).update(content=stored)
    factories.approve(edetail)
    record = ApprovalRecord.objects.for_object(edetail).get()
    assert Revision.objects.get(pk=record.revision_id).content == stored  # approved and signed as stored
    before = readings(record)
    assert before["hash"] == record.content_hash
    assert before["slides"] == [
        ("Slide 1", [library["text"].pk]),
        ("Slide 2", [library["claim"].pk, library["isi"].pk]),
    ]
    twin_deck = EDetail.objects.get(pk=twin.pk).get_latest_revision_as_object()
    assert before["render"] == render_edetail(
        twin_deck, job_code=record.job_code, base_url="https://cms.example"
    )  # the old shape reads exactly as the same deck saved in the new shape

    migrate(BEFORE)
    migrate(AFTER)

    assert Revision.objects.get(pk=record.revision_id).content == stored  # never rewritten
    assert readings(record) == before
    assert [
        (s.title, [p.module_id for p in ps])
        for s, ps in EDetail.objects.get(pk=edetail.pk).slides_with_placements()
    ] == before["slides"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_placements_numbered_outside_the_deck_and_decks_without_slides(
    product, market, library, capsys
):
    kept = factories.edetail(product=product, market=market, slides=[[library["text"]], [library["claim"]]])
    bare = factories.edetail(product=product, market=market, slides=[[library["isi"]]])
    old_apps = migrate(BEFORE)
    OldSlide, OldPlacement = (
        old_apps.get_model("modules", "Slide"),
        old_apps.get_model("modules", "SlidePlacement"),
    )
    assert list(
        OldPlacement.objects.filter(edetail_id=kept.pk)
        .order_by("slide_number")
        .values_list("module_id", "slide_number")
    ) == [(library["text"].pk, 1), (library["claim"].pk, 2)]  # the reverse numbered them by slide
    OldPlacement.objects.filter(edetail_id=kept.pk, module_id=library["text"].pk).update(slide_number=7)
    OldSlide.objects.filter(edetail_id=bare.pk).delete()

    migrate(AFTER)

    printed = capsys.readouterr().out
    assert f"e-detail {kept.pk} “Core e-detail”: placement" in printed and "named slide 7 of 2" in printed
    assert f"e-detail {bare.pk} “Core e-detail” had modules but no slide: added “Slide 1”." in printed
    assert [
        (s.title, [p.module_id for p in ps])
        for s, ps in EDetail.objects.get(pk=kept.pk).slides_with_placements()
    ] == [("Slide 1", []), ("Slide 2", [library["text"].pk, library["claim"].pk])]  # deck order kept
    assert [
        (s.title, [p.module_id for p in ps])
        for s, ps in EDetail.objects.get(pk=bare.pk).slides_with_placements()
    ] == [("Slide 1", [library["isi"].pk])]


def test_old_shape_snapshots_put_out_of_range_modules_on_the_last_slide_and_never_change_the_stored_dict():
    stored = {
        "pk": 1,
        "slides": [{"pk": 10, "title": "A"}, {"pk": 11, "title": "B"}],
        "placements": [
            {"pk": 1, "module": 5, "pinned_revision": 50, "edetail": 1, "slide_number": 2},
            {"pk": 2, "module": 6, "pinned_revision": 60, "edetail": 1, "slide_number": 9},
            {"pk": 3, "module": 7, "pinned_revision": 70, "edetail": 1, "slide_number": 1},
        ],
    }
    untouched = copy.deepcopy(stored)
    nested = snapshots.edetail_nested(stored)
    assert [[p["module"] for p in slide["placements"]] for slide in nested["slides"]] == [[7], [5, 6]]
    assert stored == untouched
    assert snapshots.pinned_revision_ids(stored) == [50, 60, 70]  # stored order, what the hash covers
    assert snapshots.pinned_revision_ids(nested) == [70, 50, 60]  # reading order
    bare = snapshots.edetail_nested({"slides": [], "placements": [{"module": 5, "slide_number": 1}]})
    assert [(s["title"], [p["module"] for p in s["placements"]]) for s in bare["slides"]] == [
        ("Slide 1", [5])
    ]


def test_an_approved_revision_keeps_its_modules_after_its_slide_is_deleted(product, market, library):
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"]], [library["claim"]]]
    )
    factories.approve(edetail)
    first = ApprovalRecord.objects.for_object(edetail).get()
    before = readings(first)

    draft = EDetail.objects.get(pk=edetail.pk)
    draft.slides = [draft.slides.all()[0]]
    draft.save()
    draft.save_revision()
    assert not Slide.objects.filter(edetail=edetail).exclude(title="Slide 1").exists()  # the row is gone

    after = readings(first)
    assert after["slides"] == [("Slide 1", [library["text"].pk]), ("Slide 2", [library["claim"].pk])]
    assert after == before


def arrange(client, edetail, **fields):
    return client.post(
        reverse("modules:arrange_slides", args=[edetail.pk]), {k: str(v) for k, v in fields.items()}
    )


@pytest.mark.parametrize("unpublished_changes", [True, False])
def test_moving_a_module_to_another_slide_by_choice_is_a_new_draft(
    admin_client, product, market, library, unpublished_changes
):
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"], library["claim"]], [library["isi"]]]
    )
    # As Wagtail's create view leaves it, the draft is then the database object itself.
    EDetail.objects.filter(pk=edetail.pk).update(has_unpublished_changes=unpublished_changes)
    page = admin_client.get(reverse("modules:arrange_slides", args=[edetail.pk])).content.decode()
    assert "Slide 2: Slide 2" in page and "Move to" in page
    revisions = edetail.revisions.count()
    based_on = edetail.latest_revision_id
    response = arrange(admin_client, edetail, based_on=based_on, slide=0, position=0, to_slide=1)
    assert response.status_code == 302
    edetail = EDetail.objects.get(pk=edetail.pk)
    assert edetail.revisions.count() == revisions + 1
    assert [
        [p.module_id for p in ps]
        for _s, ps in edetail.get_latest_revision_as_object().slides_with_placements()
    ] == [[library["claim"].pk], [library["isi"].pk, library["text"].pk]]
    assert [[p.module_id for p in ps] for _s, ps in edetail.slides_with_placements()] == [
        [library["claim"].pk],
        [library["isi"].pk, library["text"].pk],
    ]  # a draft that was never approved keeps its rows in step
    # The same request again is stale: the e-detail was saved since.
    response = arrange(admin_client, edetail, based_on=based_on, slide=0, position=0, to_slide=1)
    assert response.status_code == 400
    assert "saved again since you opened it" in response.content.decode()


def test_hostile_moves_are_refused_with_a_reason_and_change_nothing(
    admin_client, client, product, market, library
):
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"]], [library["claim"]]]
    )
    other = factories.edetail(product=product, market=market, slides=[[library["isi"]], [], []])
    latest = edetail.latest_revision_id
    cases = [
        (
            {"based_on": other.latest_revision_id, "slide": 0, "position": 0, "to_slide": 2},
            "not a version of this e-detail",
        ),
        (
            {"based_on": latest, "slide": 0, "position": 0, "to_slide": 2},
            "Choose another slide of this e-detail.",
        ),
        (
            {"based_on": latest, "slide": 0, "position": 0, "to_slide": 0},
            "Choose another slide of this e-detail.",
        ),
        ({"based_on": latest, "slide": 0, "position": 4, "to_slide": 1}, "That module is not in the current"),
        ({"based_on": latest, "slide": 5, "position": 0, "to_slide": 1}, "That module is not in the current"),
        ({"based_on": latest, "slide": "-1", "position": 0, "to_slide": 1}, "Choose a module and the slide"),
        ({"based_on": latest, "slide": 0}, "Choose a module and the slide"),
    ]
    for fields, message in cases:
        response = arrange(admin_client, edetail, **fields)
        assert response.status_code == 400, fields
        assert message in response.content.decode(), fields
    for deck in (edetail, other):
        assert deck.revisions.count() == 1
    client.force_login(factories.UserFactory())  # no permission to change e-details
    response = arrange(client, edetail, based_on=latest, slide=0, position=0, to_slide=1)
    assert response.status_code in (302, 403)
    assert edetail.revisions.count() == 1


def test_an_editor_post_naming_another_edetails_slide_and_module_leaves_that_edetail_alone(
    admin_client, product, market, library
):
    from wagtail.test.utils.form_data import inline_formset

    from tests.modules.test_admin_modules import post

    mine = factories.edetail(product=product, market=market, slides=[[library["text"]]])
    theirs = factories.edetail(product=product, market=market, slides=[[library["claim"]]])
    their_slide = theirs.slides.get()
    their_placement = their_slide.placements.get()
    before = [(s.pk, s.title, [(p.pk, p.module_id) for p in ps]) for s, ps in theirs.slides_with_placements()]
    data = {
        "title": mine.title,
        "product": product.pk,
        "market": market.pk,
        "audiences": [1],
        "owner": factories.admin_pk(),
        "slides": inline_formset(
            [
                {
                    "id": their_slide.pk,
                    "title": "Taken over",
                    "layout": "title_body",
                    "placements": inline_formset(
                        [{"id": their_placement.pk, "module": library["text"].pk}], initial=1
                    ),
                }
            ],
            initial=1,
        ),
    }
    post(admin_client, reverse("wagtailsnippets_modules_edetail:edit", args=[mine.pk]), data)
    theirs = EDetail.objects.get(pk=theirs.pk)
    after = [(s.pk, s.title, [(p.pk, p.module_id) for p in ps]) for s, ps in theirs.slides_with_placements()]
    assert after == before
    assert theirs.revisions.count() == 1


def slides_of(edetail) -> list:
    deck = EDetail.objects.get(pk=edetail.pk).get_latest_revision_as_object()
    return [[p.module_id for p in ps] for _s, ps in deck.slides_with_placements()]


@pytest.mark.parametrize("autosave", [True, False])
def test_a_save_read_before_a_move_landed_cannot_undo_the_move(
    admin_client, admin_user, product, market, library, autosave
):
    """An autosave (or a save) whose request read the e-detail before a move, and writes after it."""
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"], library["claim"]], [library["isi"]]]
    )
    first = edetail.latest_revision
    in_flight = EDetail.objects.get(pk=edetail.pk)  # what the edit view read when the request arrived
    response = arrange(admin_client, edetail, based_on=first.pk, slide=0, position=0, to_slide=1)
    assert response.status_code == 302
    moved = [[library["claim"].pk], [library["isi"].pk, library["text"].pk]]
    assert slides_of(edetail) == moved
    content_before = Revision.objects.get(pk=first.pk).content

    overwrite = {"overwrite_revision": first} if autosave else {}
    with pytest.raises(PermissionDenied, match="saved again while your change was on its way"):
        in_flight.save_revision(user=admin_user, **overwrite)

    edetail.refresh_from_db()
    assert slides_of(edetail) == moved
    assert edetail.latest_revision_id != first.pk
    assert Revision.objects.get(pk=first.pk).content == content_before
    assert edetail.revisions.count() == 2
