"""Renders: byte-exact, recorded in the approval's render manifest, cached, ETag/304, and the CLM package."""

import hashlib
import io
import json
import shutil
import zipfile

import pytest
from django.core.files.base import ContentFile

from delivery.models import RenderManifestEntry
from delivery.renders import approved_render
from modules.models import Visual
from review.models import ApprovalRecord
from tests import factories
from tests.files import tiny_png


def item_id(obj) -> str:
    return f"{obj._meta.model_name}-{obj.pk}"


def approval_of(obj) -> ApprovalRecord:
    return ApprovalRecord.objects.current().for_object(obj).get()


@pytest.fixture
def visual(taxonomy, product, market):
    obj = Visual(
        title="Chart", image=ContentFile(tiny_png((40, 30), "blue"), name="chart.png"), alt_text="A chart"
    )
    return factories.saved(obj, publish=True, product=product, market=market)


@pytest.fixture
def us_edetail(taxonomy, product, market, reference_obj, visual):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    isi = factories.safety(product=product, market=market)
    edetail = factories.edetail(product=product, market=market, slides=[[claim, visual], [isi]])
    factories.approve(edetail)
    return edetail


def test_email_renders_match_the_manifest_recorded_at_approval(
    api, taxonomy, product, market, reference_obj, django_capture_on_commit_callbacks
):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    isi = factories.safety(product=product, market=market)
    email = factories.email(product=product, market=market, modules=[claim, isi])
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(email)
    approval = approval_of(email)
    manifest = {e.format: e.sha256 for e in RenderManifestEntry.objects.filter(approval=approval)}
    assert set(manifest) == {"html", "txt", "pdf"}  # recorded when the approval committed
    for fmt in ("html", "txt", "pdf"):
        response = api.get(f"/api/v1/content/{item_id(email)}/render/{fmt}")
        assert response.status_code == 200, response.content
        assert hashlib.sha256(response.content).hexdigest() == manifest[fmt]
        assert response["ETag"] == f'"{manifest[fmt]}"'
        assert response["X-Content-Hash"] == approval.content_hash
        assert response["Cache-Control"] == "private, no-cache"
    html = api.get(f"/api/v1/content/{item_id(email)}/render/html").content.decode()
    assert approval.job_code in html and "JOB CODE PENDING" not in html
    assert "{{recipient_name}}" in html and "{{unsubscribe_url}}" in html  # slots left for the platform
    assert api.get(f"/api/v1/content/{item_id(email)}/render/pdf").content.startswith(b"%PDF")


def test_matching_etag_gets_304_and_renders_are_byte_identical_without_the_cache(api, us_email, settings):
    url = f"/api/v1/content/{item_id(us_email)}/render/pdf"
    first = api.get(url)
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    shutil.rmtree(settings.DELIVERY_RENDER_CACHE_DIR)  # a lost cache rebuilds the very same bytes
    rebuilt = api.get(url)
    assert rebuilt.status_code == 200 and rebuilt.content == first.content


def test_a_render_that_no_longer_matches_its_manifest_is_withheld(api, us_email):
    approval = approval_of(us_email)
    approved_render(approval, "txt")
    RenderManifestEntry.objects.filter(approval=approval, format="txt").update(sha256="0" * 64)
    response = api.get(f"/api/v1/content/{item_id(us_email)}/render/txt")
    assert response.status_code == 409
    assert "no longer matches" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["clm.zip", "ics", "original", "exe", "HTML", "x" * 300])
def test_wrong_format_for_the_type_is_404_naming_the_formats(api, us_email, fmt):
    response = api.get(f"/api/v1/content/{item_id(us_email)}/render/{fmt}")
    assert response.status_code == 404
    assert "html, txt, pdf" in response.json()["detail"]


def test_claim_has_no_clm_package(api, product, market, reference_obj):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    response = api.get(f"/api/v1/content/{item_id(claim)}/render/clm.zip")
    assert response.status_code == 404
    assert "A claim has no “clm.zip” render" in response.json()["detail"]


def test_invitation_ics_and_reference_original_bytes(api, taxonomy, product, market, reference_obj):
    invitation = factories.invitation(product=product, market=market)
    factories.approve(invitation)
    first = api.get(f"/api/v1/content/{item_id(invitation)}/render/ics")
    assert first.status_code == 200 and first["Content-Type"].startswith("text/calendar")
    assert approval_of(invitation).job_code in first.content.decode().replace("\r\n ", "")
    assert api.get(f"/api/v1/content/{item_id(invitation)}/render/ics").content == first.content
    original = api.get(f"/api/v1/content/{item_id(reference_obj)}/render/original")
    with reference_obj.source_file.open("rb") as stored:
        assert original.content == stored.read()
    assert original["Content-Type"] == "application/pdf"


def test_out_of_scope_and_withdrawn_renders_are_404(api, client, taxonomy, product, us_email):
    from delivery.services import channel_client_create
    from review import roles
    from review.services import content_withdraw

    factories.MarketFactory(code="GB-en")
    _gb, gb_token = channel_client_create(name="GB", market_codes=["GB-en"], channel_codes=["email"])
    url = f"/api/v1/content/{item_id(us_email)}/render/html"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {gb_token}").status_code == 404
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    assert api.get(url).status_code == 404


def test_clm_package_is_complete_hashed_and_self_contained(api, us_edetail):
    from playwright.sync_api import sync_playwright

    approval = approval_of(us_edetail)
    response = api.get(f"/api/v1/content/{item_id(us_edetail)}/render/clm.zip")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == sorted(names)
    assert {"index.html", "manifest.json", "slides/slide-01.html", "slides/slide-02.html"} <= set(names)
    assert {"thumbnails/slide-01.png", "thumbnails/slide-02.png"} <= set(names)
    assert any(n.startswith("assets/") and n.endswith("chart.png") for n in names)
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["job_code"] == approval.job_code and manifest["content_hash"] == approval.content_hash
    assert manifest["revision_id"] == approval.revision_id and manifest["expires_at"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(names) - {"manifest.json"}
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert archive.read("thumbnails/slide-01.png").startswith(b"\x89PNG")
    # The deck opens offline: every request it makes stays inside the unpacked package.
    root = pytest.importorskip("pathlib").Path(api_tmp := __import__("tempfile").mkdtemp())
    archive.extractall(root)
    outside, inside = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page()
        page.on("request", lambda r: (inside if r.url.startswith(root.as_uri()) else outside).append(r.url))
        page.goto((root / "index.html").as_uri(), wait_until="load")
        assert page.locator(".slide").count() >= 2
        assert approval.job_code in page.content()
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        browser.close()
    shutil.rmtree(api_tmp)
    assert outside == []
    assert any("assets/" in url for url in inside)
    # Served again: the same bytes.
    again = api.get(f"/api/v1/content/{item_id(us_edetail)}/render/clm.zip")
    assert again.content == response.content
    entry = RenderManifestEntry.objects.get(approval=approval, format="clm.zip")
    assert hashlib.sha256(response.content).hexdigest() == entry.sha256
