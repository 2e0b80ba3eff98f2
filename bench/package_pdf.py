"""Review package PDF benchmark: a 20-slide e-detail, approved through the real workflow, as PDF.

Creates a throwaway test database (test_<name> of DATABASE_URL), builds the e-detail (each slide a
claim, a 1200x800 PNG visual and a text block, ISI on the last slide), approves it with three
e-signatures and times `review.package.package_pdf` on it. Target (DESIGN.md): <= 3 s.

    DATABASE_URL=postgres://cms:cms@localhost/cms_bench .venv/bin/python bench/package_pdf.py [--runs 5]
"""

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402


def chart_png(n: int) -> bytes:
    image = Image.new("RGB", (1200, 800), "white")
    draw = ImageDraw.Draw(image)
    for bar in range(6):
        height = 100 + (bar * 97 + n * 53) % 600
        draw.rectangle([100 + bar * 170, 750 - height, 220 + bar * 170, 750], fill=(11, 83, 148))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build_edetail(slides: int):
    from modules.models import Visual
    from tests import factories

    product = factories.ProductFactory(brand_name="Benchozen", generic_name="benchatide", code="BENCH")
    market = factories.MarketFactory(code="US-en", name="United States")
    scope = {"product": product, "market": market}
    reference = factories.reference(**scope)
    safety = factories.safety(**scope)
    per_slide = []
    for n in range(1, slides + 1):
        claim = factories.claim(
            reference_obj=reference, statement=f"Claim {n}: reduces events by {n}% versus placebo.", **scope
        )
        visual = factories.saved(
            Visual(
                title=f"Chart {n}", image=ContentFile(chart_png(n), name=f"chart{n}.png"), alt_text="Bars"
            ),
            publish=True,
            **scope,
        )
        text = factories.text_block(
            body=f"<p>Slide {n} copy: <b>once daily</b>, with or without food.</p>", **scope
        )
        per_slide.append([claim, visual, text] + ([safety] if n == slides else []))
    edetail = factories.edetail(slides=per_slide, **scope)
    factories.approve(edetail)
    return edetail


def _breakdown(revision) -> dict:
    """Where one package's time goes: gathering and templating, WeasyPrint layout, PDF writing."""
    from weasyprint import HTML

    from review.package import PACKAGE_ORIGIN, LocalMediaFetcher, package_html

    started = time.perf_counter()
    html = package_html(revision)
    laid_out = time.perf_counter()
    document = HTML(string=html, base_url=PACKAGE_ORIGIN, url_fetcher=LocalMediaFetcher()).render()
    written = time.perf_counter()
    document.write_pdf()
    done = time.perf_counter()
    return {
        "HTML (queries, hashes, templates)": laid_out - started,
        "layout": written - laid_out,
        "PDF writing (image re-encoding)": done - written,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its per-page progress lines
    logging.getLogger("search").setLevel(logging.ERROR)  # outbox retries: no search node in this run
    setup_test_environment()
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-media-"))
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from review.package import package_pdf

        started = time.perf_counter()
        edetail = build_edetail(args.slides)
        print(f"built and approved a {args.slides}-slide e-detail in {time.perf_counter() - started:.1f} s")
        revision = edetail.live_revision or edetail.get_latest_revision()
        breakdown = _breakdown(revision)
        timings, pdf = [], b""
        for _ in range(args.runs):
            started = time.perf_counter()
            pdf = package_pdf(revision)
            timings.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"package PDF: {len(pdf) / 1024:.0f} KiB, {pages} pages")
        print(
            f"first run {timings[0]:.2f} s; median {statistics.median(timings):.2f} s; "
            f"max {max(timings):.2f} s over {args.runs} runs (target <= 3 s)"
        )
        print("one run split: " + ", ".join(f"{k} {v:.2f} s" for k, v in breakdown.items()))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
