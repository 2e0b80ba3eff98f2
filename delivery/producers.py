"""The render producers: one function per (type, format), each reading only the approved revision's object.

Output must be deterministic: no clock, no random ids, fixed archive timestamps (see delivery/clm.py).
"""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from modules.models import EDetail
from modules.rendering import (
    fragments,
    invitation_ics,
    reference_numbers,
    referenced,
    render_email,
    render_invitation,
    render_module,
)
from review.package import PACKAGE_ORIGIN, LocalMediaFetcher


def _pdf(html: str) -> bytes:
    # Images come from media storage through review's fetcher, which refuses every other address.
    return HTML(string=html, base_url=PACKAGE_ORIGIN, url_fetcher=LocalMediaFetcher()).write_pdf()


def edetail_slides(edetail: EDetail, *, base_url: str) -> tuple[list[tuple], list]:
    """Each slide with its module fragments, and the deck's numbered references."""
    slides = [
        (slide, [placement.pinned_module for placement in placements])
        for slide, placements in edetail.slides_with_placements()
    ]
    numbers = reference_numbers([m for _, modules in slides for m in modules])
    rendered = [(slide, fragments(modules, numbers, "html", base_url)) for slide, modules in slides]
    return rendered, referenced(numbers)


def edetail_leave_behind_html(edetail: EDetail, *, job_code: str) -> str:
    slides, references = edetail_slides(edetail, base_url=PACKAGE_ORIGIN)
    return render_to_string(
        "delivery/leave_behind.html",
        {"edetail": edetail, "slides": slides, "references": references, "job_code": job_code},
    )


def produce(obj, item_type: str, fmt: str, *, approval) -> bytes:
    job_code = approval.job_code
    public = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if item_type == "email":
        if fmt == "pdf":
            return _pdf(render_email(obj, job_code=job_code, base_url=PACKAGE_ORIGIN).html)
        rendered = render_email(obj, job_code=job_code, base_url=public)
        return (rendered.html if fmt == "html" else rendered.text).encode()
    if item_type == "edetail":
        if fmt == "pdf":
            return _pdf(edetail_leave_behind_html(obj, job_code=job_code))
        from delivery.clm import clm_zip

        return clm_zip(obj, approval=approval)
    if item_type == "invitation":
        if fmt == "ics":
            return invitation_ics(obj, job_code=job_code, stamp=approval.approved_at)
        return render_invitation(obj, job_code=job_code, base_url=public).encode()
    if fmt == "original":
        from delivery.renders import original_file_bytes

        return original_file_bytes(obj)
    return (render_module(obj, fmt=fmt, base_url=public) + "\n").encode()
