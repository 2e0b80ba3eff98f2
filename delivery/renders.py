"""Byte-exact renders of an approved revision, cached on disk by content hash and proven by a manifest.

The first render of each format is recorded in ``RenderManifestEntry`` (its SHA-256 and size) for the
approval; the delivery task does this right after the approval commits, and a request that finds no
entry renders and records it (the unique (approval, format) constraint lets exactly one writer win).
Every serve checks the bytes against the manifest, so a later serve returns exactly those bytes or
nothing (RenderMismatch). Renders are deterministic (fixed timestamps, sorted zip members), so a lost
cache rebuilds the same bytes.
"""

import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from delivery.errors import RenderMismatch, RenderNotOffered
from delivery.models import RenderManifestEntry
from review.models import ApprovalRecord

MODULE_FRAGMENT_FORMATS = {"html": "text/html; charset=utf-8", "txt": "text/plain; charset=utf-8"}
FORMATS: dict[str, dict[str, str]] = {
    "email": {
        "html": "text/html; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
        "pdf": "application/pdf",
    },
    "edetail": {"clm.zip": "application/zip", "pdf": "application/pdf"},
    "invitation": {"ics": "text/calendar; charset=utf-8", "html": "text/html; charset=utf-8"},
    "reference": {"original": "application/pdf"},
    "visual": {"original": "application/octet-stream"},
    "claim": MODULE_FRAGMENT_FORMATS,
    "safetyinformation": MODULE_FRAGMENT_FORMATS,
    "disclaimer": MODULE_FRAGMENT_FORMATS,
    "calltoaction": MODULE_FRAGMENT_FORMATS,
    "textblock": MODULE_FRAGMENT_FORMATS,
}
ALL_FORMATS = sorted({fmt for formats in FORMATS.values() for fmt in formats})


def formats_for(item_type: str) -> list[str]:
    return list(FORMATS.get(item_type, {}))


@dataclass(frozen=True)
class Render:
    body: bytes
    content_type: str
    sha256: str
    filename: str


def _check_offered(item_type: str, fmt: str) -> None:
    if fmt not in FORMATS.get(item_type, {}):
        offered = ", ".join(formats_for(item_type)) or "none"
        raise RenderNotOffered(f"A {item_type} has no “{fmt}” render; formats for a {item_type}: {offered}.")


def render_bytes(approval: ApprovalRecord, fmt: str) -> tuple[bytes, str]:
    """Produce one render from exactly the approved revision (no cache, no manifest)."""
    from delivery import producers

    item_type = approval.content_type.model
    _check_offered(item_type, fmt)
    obj = approval.revision.as_object()
    body = producers.produce(obj, item_type, fmt, approval=approval)
    content_type = FORMATS[item_type][fmt]
    if fmt == "original":
        content_type = mimetypes.guess_type(_original_name(obj))[0] or content_type
    return body, content_type


def _original_name(obj) -> str:
    field = getattr(obj, "source_file", None) or getattr(obj, "image", None)
    return field.name if field else ""


def _cache_path(approval: ApprovalRecord, fmt: str) -> Path:
    # By content hash and revision: the same approved content never needs rendering twice.
    return Path(settings.DELIVERY_RENDER_CACHE_DIR) / approval.content_hash / f"{approval.revision_id}.{fmt}"


def _write_atomically(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".render-")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.replace(temporary, path)


def _read_cache(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def manifest_entry_record(
    *, approval: ApprovalRecord, fmt: str, body: bytes, content_type: str
) -> RenderManifestEntry:
    """Record a render's hash once; a concurrent writer that lost the race reads the winner's entry."""
    sha256 = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            return RenderManifestEntry.objects.create(
                approval=approval, format=fmt, sha256=sha256, size=len(body), content_type=content_type
            )
    except IntegrityError:
        return RenderManifestEntry.objects.get(approval=approval, format=fmt)


def approved_render(approval: ApprovalRecord, fmt: str) -> Render:
    """The render that was recorded for this approval, from the disk cache or rebuilt and checked."""
    item_type = approval.content_type.model
    _check_offered(item_type, fmt)
    path = _cache_path(approval, fmt)
    entry = RenderManifestEntry.objects.filter(approval=approval, format=fmt).first()
    body = _read_cache(path)
    if body is None or (entry is not None and hashlib.sha256(body).hexdigest() != entry.sha256):
        body, content_type = render_bytes(approval, fmt)
        _write_atomically(path, body)
    else:
        content_type = entry.content_type if entry else render_content_type(approval, fmt)
    if entry is None:
        entry = manifest_entry_record(approval=approval, fmt=fmt, body=body, content_type=content_type)
    digest = hashlib.sha256(body).hexdigest()
    if digest != entry.sha256:
        raise RenderMismatch(
            f"The {fmt} render of {approval.job_code} no longer matches the bytes recorded at approval; "
            "it is withheld. Tell the content team."
        )
    return Render(
        body=body, content_type=entry.content_type, sha256=digest, filename=render_filename(approval, fmt)
    )


def render_content_type(approval: ApprovalRecord, fmt: str) -> str:
    item_type = approval.content_type.model
    if fmt == "original":
        return (
            mimetypes.guess_type(_original_name(approval.revision.as_object()))[0] or FORMATS[item_type][fmt]
        )
    return FORMATS[item_type][fmt]


def render_filename(approval: ApprovalRecord, fmt: str) -> str:
    if fmt == "original":
        suffix = Path(_original_name(approval.revision.as_object())).suffix or ".bin"
        return f"{approval.job_code}{suffix}"
    return f"{approval.job_code}.{fmt}"


def render_manifest_record(*, approval: ApprovalRecord) -> list[RenderManifestEntry]:
    """Render every format of an approved revision once and record the hashes (run after approval)."""
    return [
        RenderManifestEntry.objects.get(approval=approval, format=fmt)
        for fmt in formats_for(approval.content_type.model)
        if approved_render(approval, fmt)
    ]


def original_file_bytes(obj) -> bytes:
    name = _original_name(obj)
    with default_storage.open(name, "rb") as stored:
        return stored.read()
