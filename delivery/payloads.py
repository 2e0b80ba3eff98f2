"""What a channel receives for one approved item: its facts, structured fields per type, and links.

Everything is read from exactly the approved revision (``revision.as_object()``), never the live row.
"""

import json
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from delivery.memo import Memo
from delivery.models import PublishedItem
from delivery.renders import formats_for
from delivery.scope import item_id
from modules.models import (
    CallToAction,
    Claim,
    Disclaimer,
    EDetail,
    Email,
    Invitation,
    Reference,
    SafetyInformation,
    TextBlock,
    Visual,
)
from modules.rendering import rich_text_as_plain
from review.hashing import canonical_bytes


def _module_ref(module) -> dict:
    return {"id": item_id(module._meta.model_name, module.pk), "type": module._meta.model_name}


def module_fields(module) -> dict:
    """The fields a channel lays out itself, per module type (rich text as HTML and as plain text)."""
    if isinstance(module, Claim):
        return {
            "statement": module.statement,
            "qualifier": module.qualifier,
            "footnotes": module.footnotes,
            "citations": [
                {
                    "reference": item_id("reference", c.reference_id),
                    "reference_title": c.reference.title,
                    "citation_text": c.reference.citation_text,
                    "anchor_kind": c.anchor_kind,
                    "anchor": c.anchor,
                    "supporting_quote": c.supporting_quote,
                }
                for c in module.citations.all()
            ],
        }
    if isinstance(module, Reference):
        return {
            "citation_text": module.citation_text,
            "kind": module.kind,
            "doi": module.doi,
            "pmid": module.pmid,
        }
    if isinstance(module, Visual):
        return {
            "alt_text": module.alt_text,
            "caption": module.caption,
            "source_citation": module.source_citation,
        }
    if isinstance(module, SafetyInformation | TextBlock):
        return {"body_html": module.body, "body_text": rich_text_as_plain(module.body)}
    if isinstance(module, Disclaimer):
        return {"kind": module.kind, "text": module.text}
    if isinstance(module, CallToAction):
        return {"label": module.label, "url": module.url}
    return {}


def _placed(placement) -> dict:
    module = placement.pinned_module
    return {
        **_module_ref(module),
        "revision_id": placement.pinned_revision_id,
        "title": module.title,
        "fields": module_fields(module),
    }


def assembly_fields(assembly) -> dict:
    if isinstance(assembly, Email):
        placed = [(p, p.pinned_module) for p in assembly.placements.all()]
        return {
            "subject": assembly.subject,
            "preheader": assembly.preheader,
            "modules": [_placed(p) for p, m in placed if not isinstance(m, SafetyInformation)],
            "safety_information": [_placed(p) for p, m in placed if isinstance(m, SafetyInformation)],
            "personalisation_slots": ["recipient_name", "rep_name", "rep_signature", "unsubscribe_url"],
        }
    if isinstance(assembly, EDetail):
        return {
            "slides": [
                {
                    "number": n,
                    "title": slide.title,
                    "layout": slide.layout,
                    "modules": [_placed(p) for p in placements],
                }
                for n, (slide, placements) in enumerate(assembly.slides_with_placements(), start=1)
            ]
        }
    if isinstance(assembly, Invitation):
        return {
            "event_title": assembly.event_title,
            "starts_at": assembly.starts_at.isoformat(),
            "ends_at": assembly.ends_at.isoformat(),
            "time_zone": assembly.time_zone,
            "venue": assembly.venue,
            "virtual_link": assembly.virtual_link,
            "speaker": assembly.speaker,
            "agenda": assembly.agenda,
            "rsvp_url": assembly.rsvp_url,
            "compliance_text": assembly.compliance_text,
            "modules": [_placed(p) for p in assembly.placements.all()],
        }
    return {}


def links(request, item: PublishedItem) -> dict:
    detail = reverse("delivery_api:content-detail", args=[item.item_id])
    return {
        "self": request.build_absolute_uri(detail),
        "canonical": request.build_absolute_uri(
            reverse("delivery_api:content-canonical", args=[item.item_id])
        ),
        "renders": {
            fmt: request.build_absolute_uri(reverse("delivery_api:content-render", args=[item.item_id, fmt]))
            for fmt in formats_for(item.type)
        },
    }


def item_payload(request, item: PublishedItem, *, detail: bool = False) -> dict:
    approval = item.approval
    obj = approval.revision.as_object()
    payload = {
        "id": item.item_id,
        "type": item.type,
        "title": obj.title,
        "job_code": approval.job_code,
        "approval_id": approval.pk,
        "revision_id": approval.revision_id,
        "content_hash": approval.content_hash,
        "approved_at": approval.approved_at,
        "expires_at": approval.expires_at,
        "products": sorted(p.code for p in item.products.all()),
        "markets": sorted(m.code for m in item.markets.all()),
        "channels": sorted(c.code for c in item.channels.all()),
        "audiences": sorted(a.code for a in item.audiences.all()),
        "fields": assembly_fields(obj)
        if item.type in {"email", "edetail", "invitation"}
        else module_fields(obj),
        "links": links(request, item),
    }
    if detail:
        # The exact document the approval's content hash was computed over (bytes: `links.canonical`).
        payload["canonical_content"] = json.loads(canonical_bytes(approval.revision))
    return payload


def _cache_key(request, approval_id: int, kind: str) -> str:
    return f"delivery:item:{approval_id}:{kind}:{request.get_host()}:{request.scheme}"


def _build(request, approval_id: int, *, detail: bool) -> dict:
    item = PublishedItem.objects.select_related("approval__revision", "approval__content_type").get(
        pk=approval_id
    )
    return item_payload(request, item, detail=detail)


def cached_item_payload(request, approval_id: int, *, detail: bool) -> dict:
    """An approved revision's payload never changes, so it is built once per approval and host.

    Only the build is cached: whether the caller may have the item is checked on every request.
    """
    key = _cache_key(request, approval_id, "detail" if detail else "item")
    payload = cache.get(key)
    if payload is None:
        payload = _build(request, approval_id, detail=detail)
        cache.set(key, payload, timeout=3600)
    return payload


@dataclass(frozen=True)
class StoredDetail:
    """The detail JSON of one approval as bytes, ready to send, and the revision for the pull log."""

    body: bytes
    revision_id: int


_stored_details = Memo()


def stored_detail(request, approval_id: int) -> StoredDetail:
    """The detail response body, rendered once per approval and host (the payload never changes).

    Serving stored bytes skips building and re-encoding 4 kB of JSON on every pull; the bytes are
    what DRF's JSONRenderer makes of the payload, so the response is the same as before caching.
    """

    def build() -> StoredDetail:
        payload = _build(request, approval_id, detail=True)
        return StoredDetail(body=JSONRenderer().render(payload), revision_id=payload["revision_id"])

    return _stored_details.get((approval_id, request.get_host(), request.scheme), build)
