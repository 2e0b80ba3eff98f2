"""The canonical bytes of a revision, and the SHA-256 that signatures and approval records carry."""

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from wagtail.models import Revision

from modules import snapshots

# Bookkeeping that changes without the content changing (publishing, locking, timestamps).
VOLATILE_KEYS = frozenset(
    {
        "latest_revision",
        "live",
        "has_unpublished_changes",
        "first_published_at",
        "last_published_at",
        "live_revision",
        "go_live_at",
        "expire_at",
        "expired",
        "locked",
        "locked_at",
        "locked_by",
        "created_at",
        "updated_at",
    }
)
CHILD_VOLATILE_KEYS = frozenset({"pk", "sort_order"})


def file_digest(name: str) -> dict:
    if not name:
        return {"name": "", "sha256": ""}
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(1 << 16), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return {"name": name, "sha256": "missing"}
    return {"name": name, "sha256": digest.hexdigest()}


def _canonical_value(key: str, value, file_fields: set[str]):
    if key in file_fields:
        return file_digest(value or "")
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        return sorted(value)  # many-to-many ids: order carries no meaning
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return [_canonical_child(child) for child in value]
    return value


def _canonical_child(child: dict) -> dict:
    """An inline object without bookkeeping, its own inline objects too (an e-detail slide's placements).

    Only lists of objects are descended into, so snapshots without nested objects (every revision
    saved before slides held their modules) canonicalise exactly as they always did.
    """
    return {
        key: [_canonical_child(item) for item in value] if _is_object_list(value) else value
        for key, value in child.items()
        if key not in CHILD_VOLATILE_KEYS
    }


def _is_object_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def canonical_content(revision: Revision) -> dict:
    """The revision's content without bookkeeping; assemblies add each pinned module revision's hash."""
    model = ContentType.objects.get_for_id(revision.content_type_id).model_class()
    file_fields = {f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)}
    content = {
        key: _canonical_value(key, value, file_fields)
        for key, value in revision.content.items()
        if key not in VOLATILE_KEYS
    }
    content["type"] = model._meta.model_name
    if snapshots.has_placements(content):
        pinned = Revision.objects.in_bulk(snapshots.pinned_revision_ids(content))
        for placement in snapshots.placements(content):
            revision_pinned = pinned.get(placement.get(snapshots.PINNED_REVISION))
            placement["pinned_content_hash"] = content_hash(revision_pinned) if revision_pinned else None
    return content


def canonical_bytes(revision: Revision) -> bytes:
    return json.dumps(
        canonical_content(revision),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    ).encode()


def content_hash(revision: Revision) -> str:
    return hashlib.sha256(canonical_bytes(revision)).hexdigest()
