"""The assembly builder: every pin's status, the readiness panel, the scoped chooser and "where used"."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from modules.models import Channel
from review import roles, services
from review.models import ApprovalRecord
from tests import factories
from tests.modules.test_assemblies import edit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(product, market):
    ref = factories.reference(product=product, market=market)
    return {
        "claim": factories.claim(product=product, market=market, reference_obj=ref),
        "isi": factories.safety(product=product, market=market),
        "text": factories.text_block(product=product, market=market, title="Approved intro"),
    }


def text_of(html: bytes) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())).strip()


def readiness_of(client, obj) -> str:
    html = client.get(edit_url(obj)).content.decode()
    section = re.search(r"<section[^>]*data-readiness.*?</section>", html, re.S)
    assert section, "no readiness panel"
    return text_of(section.group(0).encode())


def record_of(obj) -> ApprovalRecord:
    return ApprovalRecord.objects.for_object(obj).order_by("-approved_at").first()


def test_every_pin_shows_type_revision_approval_job_code_and_expiry(admin_client, product, market, library):
    claim, isi = library["claim"], library["isi"]
    email = factories.email(product=product, market=market, modules=[claim, isi])
    page = text_of(admin_client.get(edit_url(email)).content)
    for module in (claim, isi):
        record = record_of(module)
        line = (
            f"Approved {module.type_label} “{module.title}” · revision #{record.revision_id} of "
            f"{record.revision.created_at:%Y-%m-%d} · {record.job_code} · "
            f"expires {record.expires_at:%Y-%m-%d}"
        )
        assert line in page


def test_readiness_says_assembly_review_and_submit_agrees(admin_client, admin_user, product, market, library):
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"]], [library["claim"]]]
    )
    text = readiness_of(admin_client, edetail)
    assert "All 2 modules approved → Assembly review (regulatory reviewers only)" in text

    state = services.review_submit(obj=edetail, user=admin_user)
    assert state.workflow.name == "Assembly review"


def test_an_unapproved_pin_switches_readiness_to_full_mlr_naming_it_and_submit_agrees(
    admin_client, admin_user, product, market, library
):
    draft = factories.text_block(product=product, market=market, title="Fresh draft copy", publish=False)
    edetail = factories.edetail(product=product, market=market, slides=[[library["text"]], [draft]])
    text = readiness_of(admin_client, edetail)
    assert "All " not in text
    assert "Full MLR" in text and "1 of 2 pinned modules is not approved" in text
    named = f"Text block “Fresh draft copy” (revision #{draft.latest_revision_id})"
    assert f"{named}: this revision has not been approved." in text
    assert "Approved intro" not in text.split("Every pin")[0]  # only the pin that decides is named

    state = services.review_submit(obj=edetail, user=admin_user)
    assert state.workflow.name == "Full MLR"


def test_pins_in_review_withdrawn_or_expired_are_named_with_the_reason(
    admin_client, admin_user, product, market, library
):
    in_review = factories.text_block(product=product, market=market, title="Under review", publish=False)
    services.review_submit(obj=in_review, user=None)
    email = factories.email(
        product=product, market=market, modules=[library["claim"], library["isi"], library["text"], in_review]
    )
    regulatory = factories.reviewer(roles.REGULATORY)
    services.content_withdraw(obj=library["claim"], user=regulatory, reason="Label update")
    ApprovalRecord.objects.filter(pk=record_of(library["text"]).pk).update(expires_at=timezone.now())

    text = readiness_of(admin_client, email)
    assert "3 of 4 pinned modules are not approved" in text
    assert "“Under review” (revision" in text and "this revision is still in review" in text
    assert f"its approval {record_of(library['claim']).job_code} was withdrawn" in text
    assert f"its approval {record_of(library['text']).job_code} has expired" in text
    assert services.review_submit(obj=email, user=admin_user).workflow.name == "Full MLR"


def test_pins_expiring_within_a_new_approvals_lifetime_are_flagged(admin_client, product, market, library):
    email = factories.email(product=product, market=market, modules=[library["claim"], library["isi"]])
    assert "Expiring before a new approval would" not in readiness_of(admin_client, email)
    soon = timezone.now() + datetime.timedelta(days=90)
    ApprovalRecord.objects.filter(pk=record_of(library["isi"]).pk).update(expires_at=soon)

    text = readiness_of(admin_client, email)
    assert "All 2 modules approved" in text  # still approved today
    assert f"Safety information “ISI” ({record_of(library['isi']).job_code}) expires {soon:%Y-%m-%d}" in text
    assert f"“{library['claim'].title}” (" not in text.split("Expiring")[1].split("Every pin")[0]


def chooser_rows(client, chooser, **params) -> str:
    response = client.get(reverse(f"module_chooser_{chooser}:choose"), params)
    assert response.status_code == 200
    return text_of(response.json()["html"].encode())


def test_chooser_offers_approved_in_scope_modules_by_default_with_filters(
    admin_client, product, market, other_market, library
):
    draft = factories.text_block(product=product, market=market, title="Unapproved copy", publish=False)
    elsewhere = factories.text_block(product=product, market=other_market, title="Other market copy")
    email_only = factories.text_block(
        product=product, market=market, title="Email only copy", channels=("email",)
    )
    factories.email(product=product, market=market, modules=[library["text"], library["isi"]])

    rows = chooser_rows(admin_client, Channel.EDETAIL, product=product.pk, market=market.pk)
    assert "Approved intro" in rows and library["claim"].title in rows
    for hidden in ("Unapproved copy", "Other market copy", "Email only copy"):
        assert hidden not in rows
    # Each row: type, status with job code, and where it is already used.
    assert f"Text block Approved · {record_of(library['text']).job_code} Launch email" in rows

    rows = chooser_rows(admin_client, Channel.EDETAIL, product=product.pk, market=market.pk, status="any")
    assert "Unapproved copy" in rows and "Not approved" in rows
    rows = chooser_rows(
        admin_client, Channel.EDETAIL, product=product.pk, market=market.pk, status="not_approved"
    )
    assert "Unapproved copy" in rows and "Approved intro" not in rows
    rows = chooser_rows(admin_client, Channel.EMAIL, product=product.pk, market=market.pk)
    assert "Email only copy" in rows
    rows = chooser_rows(admin_client, Channel.EDETAIL, type="claim")
    assert library["claim"].title in rows and "Approved intro" not in rows
    rows = chooser_rows(admin_client, Channel.EDETAIL, market=other_market.pk)
    assert "Other market copy" in rows and "Approved intro" not in rows
    assert elsewhere.pk and email_only.pk and draft.pk

    results = admin_client.get(reverse(f"module_chooser_{Channel.EDETAIL}:choose_results"), {"q": "intro"})
    assert "Approved intro" in text_of(results.content) and "ISI" not in text_of(results.content)


def test_chooser_with_unknown_filter_values_lists_nothing_rather_than_everything(
    admin_client, product, market, library
):
    factories.text_block(product=product, market=market, title="Unapproved copy", publish=False)
    for bad in ({"type": "page"}, {"market": "x"}, {"status": "whatever"}, {"channel": "fax"}):
        rows = chooser_rows(admin_client, Channel.EDETAIL, **bad)
        assert "Unapproved copy" not in rows and "Approved intro" not in rows
    assert "Approved intro" in chooser_rows(admin_client, Channel.EDETAIL)


def test_where_used_lists_every_assembly_and_revision_pinning_the_module(
    admin_client, product, market, library
):
    claim = library["claim"]
    email = factories.email(product=product, market=market, modules=[claim, library["isi"]])
    edetail = factories.edetail(product=product, market=market, slides=[[claim]])
    untouched = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    type(untouched).objects.filter(pk=untouched.pk).update(title="Unrelated email")
    pinned = record_of(claim).revision_id
    url = reverse("wagtailsnippets_modules_claim:edit", args=[claim.pk])

    text = text_of(admin_client.get(url).content)
    assert "Pinned by 2 assemblies" in text
    for assembly in (email, edetail):
        revision = assembly.latest_revision
        saved_at = timezone.localtime(revision.created_at)
        assert f"#{revision.pk} ({saved_at:%Y-%m-%d %H:%M}) → module revision #{pinned}" in text
    assert "Core e-detail E-detail Not approved" in text and "latest draft pins it" in text
    assert "Unrelated email" not in text

    lonely = factories.cta(product=product, market=market)
    lonely_url = reverse("wagtailsnippets_modules_calltoaction:edit", args=[lonely.pk])
    page = text_of(admin_client.get(lonely_url).content)
    assert "No assembly pins this module." in page


def test_live_preview_offers_tablet_for_edetails_and_desktop_and_phone_for_emails(
    admin_client, product, market, library
):
    edetail = factories.edetail(product=product, market=market, slides=[[library["text"]]])
    email = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    sizes = re.compile(r'value="(\w+)"[^>]*?data-device-width="(\d+)"\s*(checked)?')

    def offered(obj):
        html = admin_client.get(edit_url(obj)).content.decode()
        return [(name, int(width), bool(checked)) for name, width, checked in sizes.findall(html)]

    assert offered(edetail) == [("tablet", 1024, True), ("mobile", 768, False)]
    assert offered(email) == [("desktop", 800, True), ("mobile", 360, False)]


def test_new_variant_repins_what_is_approved_for_the_new_market_and_lists_the_rest(
    admin_client, product, market, other_market, library
):
    german_text = factories.text_block(product=product, market=other_market, title="Einleitung")
    shared = factories.text_block(product=product, market=market, title="Shared visual copy")
    shared.markets.add(other_market)
    shared.save()  # parental many-to-many changes are stored on save
    shared.save_revision()
    factories.approve(shared)  # approved for both markets
    edetail = factories.edetail(
        product=product, market=market, slides=[[library["text"], shared], [library["claim"]]]
    )
    url = reverse("modules:variant", args=["edetail", edetail.pk])
    assert other_market.code in admin_client.get(url).content.decode()

    response = admin_client.post(url, {"market": other_market.pk}, follow=True)
    assert response.status_code == 200
    page = text_of(response.content)
    assert "created for DE-de" in page
    assert "Not carried over: Text block “Approved intro” is not for market DE-de." in page
    assert f"Not carried over: Claim “{library['claim'].title}” is not for market DE-de." in page
    variant = type(edetail).objects.get(title="Core e-detail (DE-de)")
    assert variant.market == other_market and not variant.live
    assert [s.title for s in variant.slides.all()] == ["Slide 1", "Slide 2"]
    assert [
        (slide.title, [(p.module_id, p.pinned_revision_id) for p in placements])
        for slide, placements in variant.slides_with_placements()
    ] == [("Slide 1", [(shared.pk, record_of(shared).revision_id)]), ("Slide 2", [])]
    edetail.refresh_from_db()
    assert edetail.market == market and len(edetail.all_placements()) == 3  # the source is untouched
    assert german_text.pk


def test_new_variant_refuses_the_same_or_an_unknown_market_and_changes_nothing(
    admin_client, client, product, market, library
):
    edetail = factories.edetail(product=product, market=market, slides=[[library["text"]]])
    url = reverse("modules:variant", args=["edetail", edetail.pk])
    cases = [
        ({"market": market.pk}, "Choose another market or other audiences for the variant."),
        ({}, "Choose another market or other audiences for the variant."),
        ({"market": "999999"}, "Choose one of the listed markets."),
        ({"market": "x"}, "Choose one of the listed markets."),
        ({"audiences": ["999999"]}, "Choose audiences from the list."),
    ]
    for bad, message in cases:
        response = admin_client.post(url, bad)
        assert response.status_code == 400, bad
        assert message in response.content.decode(), bad
    assert type(edetail).objects.count() == 1
    assert admin_client.post(reverse("modules:variant", args=["nosuch", 1])).status_code == 404
    client.force_login(factories.UserFactory())
    assert client.post(url, {"market": market.pk}).status_code in (302, 403)
    assert type(edetail).objects.count() == 1


def test_new_variant_keeps_modules_allowed_but_not_approved_there_and_the_readiness_panel_names_them(
    admin_client, product, market, other_market, library
):
    from review.models import AuditEntry

    bilingual = factories.text_block(product=product, market=market, title="Bilingual copy")
    bilingual.markets.add(other_market)
    bilingual.save()
    bilingual.save_revision()
    factories.approve(bilingual)  # approved for both markets
    email = factories.email(product=product, market=market, modules=[bilingual, library["isi"]])
    # The approved revision is for US-en only; the German market was added in a later draft.
    approved_only_here = factories.text_block(product=product, market=market, title="Draft for DE")
    approved_only_here.markets.add(other_market)
    approved_only_here.save()
    approved_only_here.save_revision()
    email.placements.create(module=approved_only_here, pinned_revision=record_of(approved_only_here).revision)
    email.save_revision()
    url = reverse("modules:variant", args=["email", email.pk])

    response = admin_client.post(url, {"market": other_market.pk}, follow=True)
    page = text_of(response.content)
    needs = "“Draft for DE” has no approval in force for DE-de; kept on its latest revision"
    assert needs in page
    assert "Not carried over: Safety information “ISI” is not for market DE-de." in page
    variant = type(email).objects.get(title="Launch email (DE-de)")
    assert [(p.module_id, p.pinned_revision_id) for p in variant.placements.all()] == [
        (bilingual.pk, record_of(bilingual).revision_id),
        (approved_only_here.pk, approved_only_here.latest_revision_id),
    ]
    readiness = readiness_of(admin_client, variant)
    assert "Full MLR" in readiness and "“Draft for DE”" in readiness
    logged = AuditEntry.objects.for_object(variant).values_list("action", flat=True)
    assert {"wagtail.create", "modules.new_variant"} <= set(logged)
    entry = AuditEntry.objects.for_object(variant).get(action="modules.new_variant")
    assert entry.data["source"]["id"] == email.pk and entry.data["market"] == "DE-de"
    assert any("Draft for DE" in line for line in entry.data["needs_review"])


def test_new_variant_for_other_audiences_only_keeps_the_market(admin_client, product, market, library):
    from modules.models import Audience

    email = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    email.audiences.set(Audience.objects.filter(code="hcp"))
    email.save()
    email.save_revision()
    others = Audience.objects.exclude(code="hcp").order_by("code")[:1]
    url = reverse("modules:variant", args=["email", email.pk])
    response = admin_client.post(url, {"audiences": [a.pk for a in others]})
    assert response.status_code == 302
    variant = type(email).objects.exclude(pk=email.pk).get()
    assert variant.market == market and list(variant.audiences.all()) == list(others)
    assert len(variant.placements.all()) == 2
