"""Creating and editing modules through the real Wagtail admin views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from modules.models import (
    CallToAction,
    Channel,
    Claim,
    Disclaimer,
    Reference,
    SafetyInformation,
    TextBlock,
    Visual,
)
from tests import factories
from tests.files import tiny_pdf, tiny_png

pytestmark = pytest.mark.django_db


def add_url(model):
    return reverse(f"wagtailsnippets_modules_{model._meta.model_name}:add")


def edit_url(obj):
    return reverse(f"wagtailsnippets_modules_{obj._meta.model_name}:edit", args=[obj.pk])


def scope_data(product, market, channels=("email", "edetail")):
    return {
        "products": [product.pk],
        "markets": [market.pk],
        "audiences": [1],
        "channels": [c.pk for c in Channel.objects.filter(code__in=channels)],
        "owner": factories.admin_pk(),
    }


def form_data(data: dict) -> dict:
    """POST data as the admin form sends it: nested inline formsets flattened, multi-selects as lists."""
    lists = {k: v for k, v in data.items() if isinstance(v, list)}
    return {**nested_form_data({k: v for k, v in data.items() if k not in lists}), **lists}


def post(client, url, data, action="action-save"):
    return client.post(url, {**form_data(data), action: "on"} if action else form_data(data))


def errors_of(response) -> str:
    """The error text a user would read on a re-rendered form."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    messages = [str(e) for e in form.non_field_errors()]
    messages += [f"{k}: {v}" for k, v in form.errors.items() if k != "__all__"]
    for formset in form.formsets.values():
        messages += [str(e) for f in formset.forms for e in f.errors.values()]
        messages += [str(e) for e in formset.non_form_errors()]
    return " | ".join(messages)


def test_create_reference_with_pdf(admin_client, product, market):
    data = {
        "title": "EINSTEIN-HF",
        "kind": "publication",
        "citation_text": "Doe J et al. N Engl J Med. 2025;392:100-110.",
        "doi": "10.1056/NEJMoa2500001",
        "pmid": "40000001",
        **scope_data(product, market),
    }
    data["source_file"] = SimpleUploadedFile("einstein.pdf", tiny_pdf(), content_type="application/pdf")
    response = admin_client.post(add_url(Reference), {**form_data(data), "action-save": "on"})
    assert response.status_code == 302, errors_of(response)
    ref = Reference.objects.get()
    assert ref.source_file.name.endswith(".pdf")
    assert ref.latest_revision is not None and not ref.live
    assert list(ref.products.all()) == [product]


def test_reference_upload_of_renamed_executable_is_refused_and_stores_nothing(admin_client, product, market):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
    data = {"title": "Evil", "kind": "publication", "citation_text": "x", **scope_data(product, market)}
    data["source_file"] = SimpleUploadedFile("study.pdf", elf, content_type="application/pdf")
    response = admin_client.post(add_url(Reference), {**form_data(data), "action-save": "on"})
    assert "not a PDF" in errors_of(response)
    assert not Reference.objects.exists()


def test_reference_with_a_250_character_file_name_is_stored_under_a_shortened_name(
    admin_client, product, market
):
    data = {"title": "Appendix", "kind": "publication", "citation_text": "x", **scope_data(product, market)}
    long_name = "A" * 246 + ".pdf"
    data["source_file"] = SimpleUploadedFile(long_name, tiny_pdf(), content_type="application/pdf")
    response = admin_client.post(add_url(Reference), {**form_data(data), "action-save": "on"})
    assert response.status_code == 302, errors_of(response)
    stored = Reference.objects.get().source_file
    assert len(stored.name) <= 100
    assert stored.name.startswith("references/") and stored.name.endswith(".pdf")
    assert stored.read().startswith(b"%PDF-")


def test_reference_pdf_with_javascript_is_refused_and_stores_nothing(admin_client, product, market):
    scripted = tiny_pdf().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (1) >>"
    )
    data = {"title": "Evil", "kind": "publication", "citation_text": "x", **scope_data(product, market)}
    data["source_file"] = SimpleUploadedFile("study.pdf", scripted, content_type="application/pdf")
    response = admin_client.post(add_url(Reference), {**form_data(data), "action-save": "on"})
    errors = errors_of(response)
    assert "The PDF contains active content: an action run on opening (/OpenAction)" in errors
    assert "JavaScript (/JS)" in errors
    assert not Reference.objects.exists()


def claim_data(product, market, citations):
    return {
        "title": "30% fewer events",
        "statement": "Cardiozen reduced cardiovascular events by 30%.",
        "qualifier": "In adults with HFrEF.",
        "footnotes": "",
        "citations": inline_formset(citations),
        **scope_data(product, market),
    }


def test_create_claim_with_citation(admin_client, product, market):
    ref = factories.reference(product=product, market=market)
    citation = {"reference": ref.pk, "anchor_kind": "page", "anchor": "7", "supporting_quote": "HR 0.70"}
    response = post(admin_client, add_url(Claim), claim_data(product, market, [citation]))
    assert response.status_code == 302, errors_of(response)
    claim = Claim.objects.get()
    revision_claim = claim.latest_revision.as_object()
    assert [c.anchor for c in revision_claim.citations.all()] == ["7"]


def test_claim_draft_without_citation_saves_but_cannot_be_submitted(admin_client, product, market):
    data = claim_data(product, market, [])
    response = post(admin_client, add_url(Claim), data)
    assert response.status_code == 302, errors_of(response)
    claim = Claim.objects.get()

    response = post(admin_client, edit_url(claim), data, action="action-submit")
    assert "at least one citation" in errors_of(response)
    claim.refresh_from_db()
    assert not claim.live


def test_citation_needs_an_anchor(admin_client, product, market):
    ref = factories.reference(product=product, market=market)
    citation = {"reference": ref.pk, "anchor_kind": "page", "anchor": "", "supporting_quote": "HR 0.70"}
    response = post(
        admin_client, add_url(Claim), claim_data(product, market, [citation]), action="action-submit"
    )
    assert "This field is required" in errors_of(response)
    assert not Claim.objects.exists()


def test_create_visual_reencodes_and_refuses_svg(admin_client, product, market):
    data = {"title": "KM curve", "alt_text": "Kaplan-Meier curve", "caption": "", "source_citation": ""}
    data.update(scope_data(product, market))
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bad = {**data, "image": SimpleUploadedFile("chart.png", svg, content_type="image/png")}
    response = admin_client.post(add_url(Visual), {**form_data(bad), "action-save": "on"})
    assert "SVG" in errors_of(response)
    assert not Visual.objects.exists()

    good = {**data, "image": SimpleUploadedFile("chart.png", tiny_png() + b"<?php evil(); ?>")}
    response = admin_client.post(add_url(Visual), {**form_data(good), "action-save": "on"})
    assert response.status_code == 302, errors_of(response)
    stored = Visual.objects.get().image.read()
    assert b"evil" not in stored and stored.startswith(b"\x89PNG")


def test_visual_requires_alt_text(admin_client, product, market):
    data = {
        "title": "KM curve",
        "alt_text": "   ",
        "caption": "",
        "source_citation": "",
        **scope_data(product, market),
    }
    data["image"] = SimpleUploadedFile("chart.png", tiny_png())
    response = admin_client.post(add_url(Visual), {**form_data(data), "action-save": "on"})
    assert "alt_text" in errors_of(response)


@pytest.mark.parametrize(
    "model, fields",
    [
        (SafetyInformation, {"body": rich_text("<p>Bleeding risk.</p>")}),
        (Disclaimer, {"kind": "footnote", "text": "Data on file."}),
        (CallToAction, {"label": "Order samples", "url": "https://example.com/samples"}),
        (TextBlock, {"body": rich_text("<p>Hello <b>doctor</b></p>")}),
    ],
)
def test_create_other_module_types(admin_client, product, market, model, fields):
    data = {"title": f"A {model._meta.verbose_name}", **fields, **scope_data(product, market)}
    response = post(admin_client, add_url(model), data)
    assert response.status_code == 302, errors_of(response)
    obj = model.objects.get()
    assert obj.title == data["title"] and obj.latest_revision is not None


def test_call_to_action_must_be_https(admin_client, product, market):
    data = {"title": "CTA", "label": "Go", "url": "http://example.com", **scope_data(product, market)}
    assert "https://" in errors_of(post(admin_client, add_url(CallToAction), data))


def test_unknown_taxonomy_value_is_refused(admin_client, product, market):
    data = {"title": "CTA", "label": "Go", "url": "https://example.com", **scope_data(product, market)}
    data["markets"] = [99999]
    assert "markets" in errors_of(post(admin_client, add_url(CallToAction), data))
    assert not CallToAction.objects.exists()


def test_module_listing_and_preview(admin_client, product, market):
    ref = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=ref, publish=False)
    listing = admin_client.get(reverse("wagtailsnippets_modules_claim:list"))
    assert claim.title in listing.content.decode()
    preview_url = reverse("wagtailsnippets_modules_claim:preview_on_edit", args=[claim.pk])
    data = claim_data(
        product,
        market,
        [{"reference": ref.pk, "anchor": "7", "anchor_kind": "page", "supporting_quote": "HR 0.70"}],
    )
    assert admin_client.post(preview_url, form_data(data)).json()["is_valid"]
    html = admin_client.get(preview_url).content.decode()
    assert "Cardiozen reduced cardiovascular events by 30%." in html
    assert "Page 7" in html


def test_a_new_modules_owner_defaults_to_its_author_is_required_and_offers_only_authors(client, product):
    """Issue 10: the owner was blank, optional and offered every user, so expiry warnings reached nobody."""
    from django.contrib.auth.models import Group

    from review import roles

    author = factories.UserFactory(first_name="Ada", last_name="Author")
    author.groups.add(Group.objects.get_or_create(name=roles.AUTHORS)[0])
    rep = factories.UserFactory(first_name="Rex", last_name="Rep")
    rep.groups.add(Group.objects.get_or_create(name=roles.REPS)[0])
    medical = factories.reviewer(roles.MEDICAL)
    client.force_login(author)

    form = client.get(add_url(TextBlock)).context["form"]
    owner = form.fields["owner"]
    assert form["owner"].value() == author.pk and owner.required
    offered = set(owner.queryset)
    assert author in offered and rep not in offered and medical not in offered

    data = {
        "title": "Intro",
        "body": rich_text("<p>Hello</p>"),
        **scope_data(product, factories.MarketFactory()),
    }
    response = post(client, add_url(TextBlock), {**data, "owner": ""})
    assert "accountable author" in errors_of(response) and not TextBlock.objects.exists()
    response = post(client, add_url(TextBlock), {**data, "owner": rep.pk})
    assert "owner" in errors_of(response) and not TextBlock.objects.exists()
