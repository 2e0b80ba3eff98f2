"""The reviewers' package lists the render manifest recorded at approval (delivery registers the section)."""

import hashlib
import io

from django.urls import reverse
from pypdf import PdfReader

from delivery.models import RenderManifestEntry
from review.models import ApprovalRecord
from tests import factories


def item_id(obj) -> str:
    return f"{obj._meta.model_name}-{obj.pk}"


def package_text(admin_client, revision_id: int) -> str:
    response = admin_client.get(reverse("review_documents:package", args=[revision_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return "".join(text.split())  # hashes and file names may wrap in the table cells


def test_package_lists_each_render_with_the_hash_of_the_bytes_the_api_serves(
    api, admin_client, taxonomy, product, market, reference_obj, django_capture_on_commit_callbacks
):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    email = factories.email(
        product=product, market=market, modules=[claim, factories.safety(product=product, market=market)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(email)
    approval = ApprovalRecord.objects.current().for_object(email).get()
    text = package_text(admin_client, approval.revision_id)
    assert "Channelrenders(rendermanifest)" in text
    formats = sorted(RenderManifestEntry.objects.filter(approval=approval).values_list("format", flat=True))
    assert formats == ["html", "pdf", "txt"]
    for fmt in formats:
        served = api.get(f"/api/v1/content/{item_id(email)}/render/{fmt}")
        assert served.status_code == 200
        digest = hashlib.sha256(served.content).hexdigest()
        row = f"{fmt}{approval.job_code}.{fmt}{len(served.content):,}{digest}"
        assert row in text, (row, text[-1500:])


def test_package_of_an_unapproved_revision_has_no_render_section(
    admin_client, product, market, reference_obj
):
    draft = factories.claim(product=product, market=market, reference_obj=reference_obj, publish=False)
    assert "Channelrenders" not in package_text(admin_client, draft.latest_revision.pk)
