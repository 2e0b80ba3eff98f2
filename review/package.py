"""The review package: one revision as a PDF showing what was reviewed, who signed it and what happened."""

import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Revision
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from modules import rendering
from modules.models import Assembly, Claim, EDetail, Email, Invitation

from . import package_sections, selectors
from .exports import data_json
from .hashing import content_hash
from .labels import object_type_label
from .models import ApprovalRecord, AuditEntry, Signature

# Renderers put this origin in front of media URLs; the fetcher maps it back to storage, never the network.
PACKAGE_ORIGIN = "https://package.invalid"

DRAFT_WATERMARK = "DRAFT — NOT APPROVED"
# An approval that ended is not a draft, but it is not approved for use either: say which it is.
ENDED_WATERMARKS = {
    ApprovalRecord.WITHDRAWN: "WITHDRAWN — NOT APPROVED FOR USE",
    ApprovalRecord.EXPIRED: "EXPIRED — NOT APPROVED FOR USE",
    ApprovalRecord.SUPERSEDED: "SUPERSEDED — NEWER VERSION APPROVED",
}


class LocalMediaFetcher(URLFetcher):
    """Serves images from media storage and data: URLs; refuses every other address."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        name = media_name(url)
        if name is None:
            raise ValueError(f"Review packages load only local media, not {url}")
        with default_storage.open(name, "rb") as stored:
            body = stored.read()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


def media_name(url: str) -> str | None:
    """The storage name behind a media URL on the package origin or the admin's base URL, else None."""
    media_url = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else f"/{settings.MEDIA_URL}"
    for origin in (PACKAGE_ORIGIN, settings.WAGTAILADMIN_BASE_URL.rstrip("/")):
        prefix = origin + media_url
        if url.startswith(prefix):
            name = posixpath.normpath(unquote(urlsplit(url).path)[len(media_url) :])
            if name.startswith(("..", "/")) or name == ".":
                return None
            try:
                return name if default_storage.exists(name) else None
            except SuspiciousFileOperation:
                return None
    return None


@dataclass(frozen=True)
class ApprovalStatus:
    record: ApprovalRecord | None
    label: str
    watermark: str

    @property
    def approved(self) -> bool:
        return not self.watermark


def approval_status(revision: Revision) -> ApprovalStatus:
    """Whether this exact revision is approved; anything else gets a watermark saying why not."""
    record = selectors.revision_approval(revision)
    state = selectors.approval_state(record)
    if state == selectors.DRAFT:
        return ApprovalStatus(None, "Not approved (draft)", DRAFT_WATERMARK)
    if state == ApprovalRecord.APPROVED:
        return ApprovalStatus(record, "Approved", "")
    if record.status == ApprovalRecord.APPROVED:  # past its date; the expiry job has not run yet
        return ApprovalStatus(record, "Approval past its expiry date", ENDED_WATERMARKS[state])
    return ApprovalStatus(record, record.get_status_display(), ENDED_WATERMARKS[state])


@dataclass(frozen=True)
class ClaimSection:
    claim: Claim
    revision: Revision
    citations: list[selectors.CitationLine] = field(default_factory=list)


def claim_section(claim: Claim, revision: Revision) -> ClaimSection:
    """A claim revision's citations as stored in that revision, each with its medical verification."""
    return ClaimSection(claim=claim, revision=revision, citations=selectors.citation_lines(revision))


@dataclass(frozen=True)
class PinnedModule:
    module: object
    revision: Revision
    approval: ApprovalRecord | None


def _pins(obj) -> list[PinnedModule]:
    """The module revisions an assembly pins, each loaded once (live rows fetched in bulk per type)."""
    if not isinstance(obj, Assembly):
        return []
    ids = list(dict.fromkeys(p.pinned_revision_id for p in obj.all_placements() if p.pinned_revision_id))
    revisions = Revision.objects.in_bulk(ids)
    approvals = {a.revision_id: a for a in ApprovalRecord.objects.filter(revision__in=ids)}
    live = {}
    for content_type_id in {r.content_type_id for r in revisions.values()}:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        object_ids = [r.object_id for r in revisions.values() if r.content_type_id == content_type_id]
        live.update({(content_type_id, str(pk)): o for pk, o in model.objects.in_bulk(object_ids).items()})
    pins = []
    for revision in (revisions[pk] for pk in ids if pk in revisions):
        current = live.get((revision.content_type_id, revision.object_id))
        module = current.with_content_json(revision.content) if current else revision.as_object()
        pins.append(PinnedModule(module, revision, approvals.get(revision.pk)))
    return pins


def _body_of(html: str) -> str:
    """The inside of a rendered document's <body>: channel HTML has its styles inlined already."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, flags=re.S | re.I)
    return match.group(1) if match else html


def rendered_content(obj, *, job_code: str | None, pins: list[PinnedModule]) -> dict:
    """The revision rendered as its channel shows it, laid out for print."""
    if isinstance(obj, EDetail):
        modules_by_revision = {pin.revision.pk: pin.module for pin in pins}
        slides = [
            (slide, [modules_by_revision.get(p.pinned_revision_id) or p.pinned_module for p in placements])
            for slide, placements in obj.slides_with_placements()
        ]
        numbers = rendering.reference_numbers([m for _, modules in slides for m in modules])
        return {
            "kind": "edetail",
            "slides": [
                (slide, rendering.fragments(modules, numbers, "html", PACKAGE_ORIGIN))
                for slide, modules in slides
            ],
            "references": rendering.referenced(numbers),
        }
    if isinstance(obj, Email):
        email = rendering.render_email(obj, job_code=job_code, base_url=PACKAGE_ORIGIN)
        return {
            "kind": "email",
            "subject": email.subject,
            "preheader": email.preheader,
            "html": _body_of(email.html),
        }
    if isinstance(obj, Invitation):
        html = rendering.render_invitation(obj, job_code=job_code, base_url=PACKAGE_ORIGIN)
        return {"kind": "invitation", "html": _body_of(html)}
    numbers = rendering.reference_numbers([obj])
    return {
        "kind": "module",
        "html": rendering.render_module(obj, reference_numbers=numbers, base_url=PACKAGE_ORIGIN),
        "references": rendering.referenced(numbers),
    }


def history(revision: Revision):
    """Every audit entry about the item, in chain order (the item's specific and base type names)."""
    labels = {object_type_label(revision.content_type), object_type_label(revision.base_content_type)}
    return AuditEntry.objects.filter(object_type__in=labels, object_id=revision.object_id).order_by(
        "sequence"
    )


def package_context(revision: Revision) -> dict:
    obj = revision.as_object()
    status = approval_status(revision)
    job_code = status.record.job_code if status.record else None
    pins = _pins(obj)
    claims = [claim_section(obj, revision)] if isinstance(obj, Claim) else []
    claims += [claim_section(pin.module, pin.revision) for pin in pins if isinstance(pin.module, Claim)]
    signatures = list(
        Signature.objects.filter(revision=revision).select_related("discipline").order_by("signed_at", "pk")
    )
    digest = content_hash(revision)
    latest = obj.get_latest_revision()
    return {
        "revision": revision,
        "object": obj,
        "type_label": obj.type_label,
        "content_hash": digest,
        "job_code": job_code,
        "status": status,
        "is_latest": latest is not None and latest.pk == revision.pk,
        "latest_revision": latest,
        "content": rendered_content(obj, job_code=job_code, pins=pins),
        "pins": pins,
        "claims": claims,
        "annotations": selectors.revision_annotations(revision),
        "signatures": [(s, s.content_hash == digest) for s in signatures],
        "history": [(entry, data_json(entry)) for entry in history(revision)],
        "extra_sections": package_sections.sections_for(status.record),
        "generated_at": timezone.now(),
    }


def package_html(revision: Revision) -> str:
    return render_to_string("review/package.html", package_context(revision))


def package_pdf(revision: Revision) -> bytes:
    """The review package of one revision as PDF bytes; images come from local media storage only."""
    return HTML(
        string=package_html(revision), base_url=PACKAGE_ORIGIN, url_fetcher=LocalMediaFetcher()
    ).write_pdf()


def package_filename(revision: Revision) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", revision.object_str).strip("-")[:60] or "item"
    return f"review-package-{slug}-r{revision.pk}.pdf"
