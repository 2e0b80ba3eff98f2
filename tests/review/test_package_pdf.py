"""The review package PDF, downloaded through the admin view and read back with pypdf."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from review import document_views, roles, services
from review.models import ApprovalRecord, AuditEntry, Signature
from review.package import DRAFT_WATERMARK, media_name
from tests import factories

pytestmark = pytest.mark.django_db


def package_url(revision_id: int) -> str:
    return reverse("review_documents:package", args=[revision_id])


def pdf_text(content: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines compare as sentences."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def download(client, revision) -> list[str]:
    response = client.get(package_url(revision.pk))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return pdf_text(response.content)


@pytest.fixture
def reference(product, market):
    return factories.reference(product=product, market=market)


def test_approved_claim_package_shows_signatures_job_code_citations_and_no_watermark(
    admin_client, product, market, reference
):
    claim = factories.claim(product=product, market=market, reference_obj=reference, publish=False)
    factories.approve(claim)
    record = ApprovalRecord.objects.get(revision=claim.live_revision)

    text = " ".join(download(admin_client, record.revision))

    assert record.job_code in text and record.content_hash in text
    signatures = Signature.objects.filter(revision=record.revision)
    assert signatures.count() == 3
    for signature in signatures:
        assert signature.signer_name in text
        assert signature.meaning in text
        assert f"{signature.signed_at:%Y-%m-%d %H:%M:%S} UTC" in text
        assert signature.discipline.name in text
    assert "Reduces events by 30%." in text
    assert "Page 7" in text and "HR 0.70 (95% CI …)" in text
    assert "Verified by Medical Reviewer" in text
    assert "review.approved" in text and "review.job_code_assigned" in text  # history
    assert DRAFT_WATERMARK not in text and "NOT APPROVED" not in text


def test_draft_package_is_watermarked_on_every_page_and_says_job_code_pending(
    admin_client, product, market, reference
):
    claim = factories.claim(product=product, market=market, reference_obj=reference, publish=False)

    pages = download(admin_client, claim.latest_revision)

    assert all(DRAFT_WATERMARK in page for page in pages)
    assert "Job code pending" in pages[0]
    assert "Not verified" in " ".join(pages)


def test_annotations_appear_with_kind_status_author_and_replies(admin_client, product, market, reference):
    claim = factories.claim(product=product, market=market, reference_obj=reference, publish=False)
    services.review_submit(obj=claim, user=None)
    medical = factories.reviewer(roles.MEDICAL)
    revision = claim.latest_revision
    must_fix = services.annotation_create(
        revision=revision, user=medical, field_path="statement", body="Say which endpoint.", quote="events"
    )
    services.annotation_reply(annotation=must_fix, user=medical, body="Primary endpoint, please.")
    services.annotation_resolve(annotation=must_fix, user=medical)
    services.annotation_create(
        revision=revision,
        user=medical,
        field_path="statement",
        body="Consider a shorter wording.",
        kind="suggestion",
    )

    text = " ".join(download(admin_client, revision))

    assert "Must fix · Resolved (resolved by Medical Reviewer" in text
    assert "Say which endpoint." in text and "“events”" in text
    assert "Reply · Medical Reviewer" in text and "Primary endpoint, please." in text
    assert "Suggestion · Open" in text and "Consider a shorter wording." in text


def test_edetail_package_renders_slides_pinned_modules_and_their_claims(
    admin_client, product, market, reference
):
    claim = factories.claim(product=product, market=market, reference_obj=reference)
    safety = factories.safety(product=product, market=market)
    edetail = factories.edetail(product=product, market=market, slides=[[claim], [safety]])
    factories.approve(edetail)
    record = ApprovalRecord.objects.get(revision=edetail.live_revision)

    text = " ".join(download(admin_client, record.revision))

    assert "Slide 1 / 2" in text and "Slide 2 / 2" in text
    assert "Do not use in patients with severe hepatic impairment." in text
    assert "Reduces events by 30%." in text and "Page 7" in text
    assert record.job_code in text and "Regulatory Reviewer" in text
    assert DRAFT_WATERMARK not in text


def test_withdrawn_approval_is_marked_on_every_page(admin_client, product, market, reference):
    claim = factories.claim(product=product, market=market, reference_obj=reference)
    revision = claim.live_revision
    services.content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="Label update")

    pages = download(admin_client, revision)

    assert all("WITHDRAWN — NOT APPROVED FOR USE" in page for page in pages)
    assert "Label update" in " ".join(pages)


def test_download_is_recorded_in_the_audit_trail(admin_client, admin_user, product, market, reference):
    revision = reference.live_revision
    download(admin_client, revision)
    entry = AuditEntry.objects.filter(action="review.package_downloaded").get()
    assert entry.actor == admin_user and entry.revision_id == revision.pk


def test_reviewers_may_download(client, product, market, reference):
    client.force_login(factories.reviewer(roles.LEGAL))
    download(client, reference.live_revision)


def test_rep_gets_no_package(client, product, market, reference):
    rep = factories.UserFactory()
    rep.groups.add(Group.objects.get(name=roles.REPS))
    client.force_login(rep)

    response = client.get(package_url(reference.live_revision.pk))

    assert response.status_code in (302, 403)  # Wagtail sends users without admin access away
    assert not response.content.startswith(b"%PDF")
    request = RequestFactory().get("/")
    request.user = rep
    assert document_views.package(request, reference.live_revision.pk).status_code == 403


def test_admin_user_without_view_permission_gets_403(client, product, market, reference):
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)

    response = client.get(package_url(reference.live_revision.pk))

    assert response.status_code == 403


def test_unknown_revision_is_404(admin_client):
    assert admin_client.get(package_url(987654)).status_code == 404


def test_images_load_from_local_media_only(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"
    assert media_name("https://package.invalid/media/../../etc/passwd") is None
    assert media_name("https://example.com/media/visuals/a.png") is None
    assert media_name("https://package.invalid/media/visuals/missing.png") is None
