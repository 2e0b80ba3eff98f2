"""Assemblies through the real admin: placements, pinning, the newer-revision notice and validation."""

import pytest
from django.urls import reverse
from wagtail.models import ReferenceIndex
from wagtail.test.utils.form_data import inline_formset

from modules.models import Channel, EDetail, Email, Invitation
from tests import factories
from tests.modules.test_admin_modules import errors_of, form_data, post

pytestmark = pytest.mark.django_db


def add_url(model):
    return reverse(f"wagtailsnippets_modules_{model._meta.model_name}:add")


def edit_url(obj):
    return reverse(f"wagtailsnippets_modules_{obj._meta.model_name}:edit", args=[obj.pk])


@pytest.fixture
def library(product, market):
    ref = factories.reference(product=product, market=market)
    return {
        "claim": factories.claim(product=product, market=market, reference_obj=ref),
        "isi": factories.safety(product=product, market=market),
        "text": factories.text_block(product=product, market=market),
    }


def email_data(product, market, modules):
    return {
        "title": "Launch email",
        "product": product.pk,
        "market": market.pk,
        "audiences": [1],
        "owner": factories.admin_pk(),
        "subject": "New data",
        "preheader": "Read now",
        "placements": inline_formset([{"module": m.pk} for m in modules]),
    }


def test_create_email_pins_the_approved_revision(admin_client, product, market, library):
    claim = library["claim"]
    approved = claim.live_revision
    # A newer unapproved draft of the claim must not be what the email pins.
    claim.statement = "Draft wording under discussion"
    claim.save_revision()

    response = post(admin_client, add_url(Email), email_data(product, market, [claim, library["isi"]]))
    assert response.status_code == 302, errors_of(response)
    email = Email.objects.get()
    placements = list(email.placements.all())
    assert [p.pinned_revision_id for p in placements] == [approved.pk, library["isi"].live_revision.pk]
    # Wagtail's usage screen sees the module through the direct foreign key.
    assert ReferenceIndex.get_references_to(claim).filter(object_id=str(email.pk)).exists()


def test_email_cannot_be_submitted_without_the_products_safety_information(
    admin_client, product, market, library
):
    data = email_data(product, market, [library["claim"]])
    assert post(admin_client, add_url(Email), data).status_code == 302  # a draft may be incomplete
    email = Email.objects.get()
    response = post(admin_client, edit_url(email), data, action="action-submit")
    assert "must include the safety information for Cardiozen in US-en" in errors_of(response)
    email.refresh_from_db()
    assert not email.live


def test_safety_information_of_another_market_does_not_count(
    admin_client, product, market, other_market, library
):
    german_isi = factories.safety(product=product, market=other_market)
    data = email_data(product, market, [library["claim"], german_isi])
    response = post(admin_client, add_url(Email), data, action="action-submit")
    assert "is not for market US-en" in errors_of(response)
    assert not Email.objects.exists()


def test_placement_must_allow_the_assembly_channel(admin_client, product, market):
    web_only = factories.text_block(product=product, market=market, channels=("web",))
    response = post(admin_client, add_url(Email), email_data(product, market, [web_only]))
    assert "is not allowed in the email channel" in errors_of(response)


def test_placement_must_share_the_product(admin_client, product, market, library):
    other = factories.ProductFactory(brand_name="Pulmovex", code="PULMO")
    response = post(admin_client, add_url(Email), email_data(other, market, [library["text"]]))
    assert "is not for product Pulmovex" in errors_of(response)


def test_newer_approved_revision_is_announced_and_pin_moves_only_on_request(
    admin_client, product, market, library
):
    claim = library["claim"]
    email = factories.email(product=product, market=market, modules=[claim, library["isi"]])
    old_pin = email.placements.first().pinned_revision_id

    page = admin_client.get(edit_url(email)).content.decode()
    assert "Newer approved module revisions" not in page

    claim.statement = "Cardiozen reduced events by 31%."
    new_revision = claim.save_revision()
    page = admin_client.get(edit_url(email)).content.decode()
    assert "Newer approved module revisions" not in page  # a draft is not approved

    factories.approve(claim)
    page = admin_client.get(edit_url(email)).content.decode()
    assert "Newer approved module revisions" in page
    email.refresh_from_db()
    assert email.placements.first().pinned_revision_id == old_pin  # never moves by itself

    placement = email.placements.first()
    pins_url = reverse("modules:pins", args=["email", email.pk])
    assert f"#{new_revision.pk}" in admin_client.get(pins_url).content.decode()
    response = admin_client.post(reverse("modules:move_pin", args=["email", email.pk, placement.pk]))
    assert response.status_code == 302
    email.refresh_from_db()
    draft = email.get_latest_revision_as_object()
    assert (
        next(p for p in draft.all_placements() if p.pk == placement.pk).pinned_revision_id == new_revision.pk
    )
    assert "Newer approved module revisions" not in admin_client.get(edit_url(email)).content.decode()

    # Asking again is refused with a reason and changes nothing.
    revisions_before = email.revisions.count()
    response = admin_client.post(
        reverse("modules:move_pin", args=["email", email.pk, placement.pk]), follow=True
    )
    assert "already pins its newest approved revision" in response.content.decode()
    assert email.revisions.count() == revisions_before


def test_moving_a_pin_needs_change_permission(client, product, market, library):
    email = factories.email(product=product, market=market, modules=[library["claim"], library["isi"]])
    reviewer = factories.UserFactory()
    client.force_login(reviewer)
    url = reverse("modules:move_pin", args=["email", email.pk, email.placements.first().pk])
    assert client.post(url).status_code in (302, 403)
    assert email.revisions.count() == 1


def test_pin_move_for_unknown_assembly_type_is_404(admin_client):
    assert admin_client.post(reverse("modules:move_pin", args=["nosuch", 1, 1])).status_code == 404


def test_create_edetail_whose_slides_hold_their_modules(admin_client, product, market, library):
    def slides(intro_modules, data_modules):
        return inline_formset(
            [
                {"title": "Intro", "layout": "title_body", "placements": inline_formset(intro_modules)},
                {"title": "Data", "layout": "two_columns", "placements": inline_formset(data_modules)},
            ]
        )

    data = {
        "title": "Core deck",
        "product": product.pk,
        "market": market.pk,
        "audiences": [1],
        "owner": factories.admin_pk(),
        "slides": slides([], []),
    }
    response = post(admin_client, add_url(EDetail), data, action="action-submit")
    assert "Add at least one module before submitting for review." in errors_of(response)
    assert not EDetail.objects.exists()

    data["slides"] = slides(
        [{"module": library["text"].pk}], [{"module": library["claim"].pk}, {"module": library["isi"].pk}]
    )
    response = post(admin_client, add_url(EDetail), data)
    assert response.status_code == 302, errors_of(response)
    edetail = EDetail.objects.get()
    assert [(s.title, [p.module_id for p in ps]) for s, ps in edetail.slides_with_placements()] == [
        ("Intro", [library["text"].pk]),
        ("Data", [library["claim"].pk, library["isi"].pk]),
    ]
    page = admin_client.get(edit_url(edetail)).content.decode()
    assert "Two columns</strong> regions" in page  # each slide names its layout's regions


def invitation_data(product, market, **overrides):
    return {
        "title": "Dinner meeting",
        "product": product.pk,
        "market": market.pk,
        "audiences": [1],
        "owner": factories.admin_pk(),
        "event_title": "HF update",
        "event_date": "2027-03-04",
        "start_time": "18:30",
        "end_time": "20:00",
        "time_zone": "America/Chicago",
        "venue": "Chicago",
        "virtual_link": "",
        "speaker": "Dr Smith",
        "agenda": "Talk",
        "rsvp_url": "https://example.com/rsvp",
        "compliance_text": "Sponsored by Example Pharma.",
        "placements": inline_formset([]),
        **overrides,
    }


def test_create_invitation_and_validation(admin_client, product, market):
    bad = invitation_data(
        product, market, end_time="18:00", venue="", time_zone="Mars/Olympus", compliance_text=""
    )
    errors = errors_of(post(admin_client, add_url(Invitation), bad, action="action-submit"))
    assert "compliance_text" in errors and "time_zone" in errors
    assert not Invitation.objects.exists()
    good = invitation_data(product, market)
    assert post(admin_client, add_url(Invitation), good).status_code == 302
    bad = invitation_data(product, market, end_time="18:00")
    invitation = Invitation.objects.get()
    assert "must end after it starts" in errors_of(post(admin_client, edit_url(invitation), bad))
    bad = invitation_data(product, market, venue="")
    assert "Give a venue, a virtual link, or both" in errors_of(post(admin_client, edit_url(invitation), bad))


def test_assembly_listing_and_preview(admin_client, product, market, library):
    email = factories.email(product=product, market=market, modules=[library["claim"], library["isi"]])
    assert email.title in admin_client.get(reverse("wagtailsnippets_modules_email:list")).content.decode()
    preview_url = reverse("wagtailsnippets_modules_email:preview_on_edit", args=[email.pk])
    data = email_data(product, market, [library["claim"], library["isi"]])
    data["placements"] = inline_formset(
        [{"id": p.pk, "module": p.module_id} for p in email.placements.all()], initial=2
    )
    assert admin_client.post(preview_url, form_data(data)).json()["is_valid"]
    html = admin_client.get(preview_url).content.decode()
    assert "severe hepatic impairment" in html and "JOB CODE PENDING APPROVAL" in html
    text = admin_client.get(preview_url + "?mode=text")
    assert (
        text["Content-Type"].startswith("text/plain")
        and "IMPORTANT SAFETY INFORMATION" in text.content.decode()
    )
    assert Channel.objects.filter(code="email").exists()


def test_moving_a_pin_of_an_approved_assembly_without_a_pending_draft_moves_it(
    admin_client, product, market, library
):
    claim = library["claim"]
    email = factories.email(product=product, market=market, modules=[claim, library["isi"]], publish=True)
    email.refresh_from_db()
    assert email.live and not email.has_unpublished_changes  # the draft is the live database object
    claim.statement = "Cardiozen reduced events by 31%."
    new_revision = claim.save_revision()
    factories.approve(claim)
    placement = email.placements.get(module=claim)
    response = admin_client.post(reverse("modules:move_pin", args=["email", email.pk, placement.pk]))
    assert response.status_code == 302
    draft = type(email).objects.get(pk=email.pk).get_latest_revision_as_object()
    assert (
        next(p for p in draft.all_placements() if p.pk == placement.pk).pinned_revision_id == new_revision.pk
    )
