"""The CLM package of an approved e-detail: a self-contained zip a rep's tablet can open offline.

Layout: ``index.html`` (the whole deck), ``slides/slide-NN.html``, ``assets/`` (every image the deck
shows, from media storage), ``thumbnails/slide-NN.png`` (headless Chromium, 256×192) and
``manifest.json`` (job code, revision, content hash, expiry and the SHA-256 of every other file).
Every URL points inside the package. Members are sorted and carry a fixed timestamp, so the same
approved revision always gives the same bytes.
"""

import hashlib
import io
import json
import posixpath
import re
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from PIL import Image

from delivery.producers import edetail_slides
from delivery.scope import item_id
from modules.models import EDetail
from modules.rendering import render_edetail
from review.package import PACKAGE_ORIGIN, media_name

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: carries no information
THUMBNAIL_SIZE = (256, 192)
SLIDE_VIEWPORT = {"width": 1024, "height": 768}
MEDIA_URL = re.compile(re.escape(PACKAGE_ORIGIN) + r"/[^\"'()\s<>]+")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--font-render-hinting=none",
]


class PackageAssets:
    """Media the deck links to, copied into assets/ under content-addressed names."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def rewrite(self, html: str, *, prefix: str) -> str:
        return MEDIA_URL.sub(lambda match: prefix + self._asset(match.group(0)), html)

    def _asset(self, url: str) -> str:
        name = media_name(url)
        if name is None:
            raise ValueError(f"The CLM package may only contain local media, not {url}")
        with default_storage.open(name, "rb") as stored:
            body = stored.read()
        path = f"assets/{hashlib.sha256(body).hexdigest()[:16]}-{posixpath.basename(name)}"
        self.files[path] = body
        return path


def _slide_pages(edetail: EDetail, *, job_code: str, assets: PackageAssets) -> dict[str, str]:
    slides, _references = edetail_slides(edetail, base_url=PACKAGE_ORIGIN)
    pages = {}
    for number, (slide, fragments) in enumerate(slides, start=1):
        html = render_to_string(
            "delivery/clm_slide.html",
            {
                "edetail": edetail,
                "slide": slide,
                "fragments": fragments,
                "number": number,
                "total": len(slides),
                "job_code": job_code,
            },
        )
        pages[f"slides/slide-{number:02d}.html"] = assets.rewrite(html, prefix="../")
    return pages


def _thumbnails(files: dict[str, bytes], slide_paths: list[str]) -> dict[str, bytes]:
    """A PNG per slide, screenshotted from the unpacked package with every other request refused."""
    from playwright.sync_api import sync_playwright

    thumbnails = {}
    with tempfile.TemporaryDirectory(prefix="clm-") as unpacked:
        root = Path(unpacked)
        for path, body in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(body)
        root_url = root.as_uri() + "/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=SLIDE_VIEWPORT, device_scale_factor=1)
                page.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(root_url) else route.abort()
                    ),
                )
                for slide_path in slide_paths:
                    page.goto(root_url + slide_path, wait_until="load")
                    shot = Image.open(io.BytesIO(page.screenshot(type="png", animations="disabled")))
                    out = io.BytesIO()
                    shot.convert("RGB").resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS).save(
                        out, "PNG", optimize=False
                    )
                    number = slide_path.rsplit("-", 1)[1].split(".")[0]
                    thumbnails[f"thumbnails/slide-{number}.png"] = out.getvalue()
            finally:
                browser.close()
    return thumbnails


def package_manifest(edetail: EDetail, *, approval, files: dict[str, bytes]) -> bytes:
    manifest = {
        "item_id": item_id("edetail", approval.object_id),
        "title": edetail.title,
        "job_code": approval.job_code,
        "approval_id": approval.pk,
        "revision_id": approval.revision_id,
        "content_hash": approval.content_hash,
        "approved_at": approval.approved_at.isoformat(),
        "expires_at": approval.expires_at.isoformat(),
        "files": [
            {"path": path, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            for path, body in sorted(files.items())
        ],
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, files[path], compresslevel=6)
    return out.getvalue()


def clm_zip(edetail: EDetail, *, approval) -> bytes:
    assets = PackageAssets()
    files = {
        "index.html": assets.rewrite(
            render_edetail(edetail, job_code=approval.job_code, base_url=PACKAGE_ORIGIN), prefix=""
        )
    }
    files.update(_slide_pages(edetail, job_code=approval.job_code, assets=assets))
    encoded = {path: html.encode() for path, html in files.items()}
    encoded.update(assets.files)
    encoded.update(_thumbnails(encoded, sorted(p for p in encoded if p.startswith("slides/"))))
    encoded["manifest.json"] = package_manifest(edetail, approval=approval, files=encoded)
    return deterministic_zip(encoded)
