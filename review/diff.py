"""Field-level differences between two revisions, for reviewers comparing with the last approval."""

import difflib
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from wagtail.fields import RichTextField
from wagtail.models import Revision

from modules import snapshots

from .hashing import canonical_content

# Identity and bookkeeping, not content a reviewer judges.
NOT_COMPARED = frozenset({"pk", "owner", "content_type", "type"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str

    @property
    def marked(self) -> SafeString:
        """The new text with deleted words struck through and inserted words highlighted."""
        old, new = self.before.split(), self.after.split()
        parts = []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if op in ("delete", "replace"):
                parts.append(f"<del>{escape(' '.join(old[a1:a2]))}</del>")
            if op in ("insert", "replace"):
                parts.append(f"<ins>{escape(' '.join(new[b1:b2]))}</ins>")
            if op == "equal":
                parts.append(escape(" ".join(old[a1:a2])))
        return mark_safe(" ".join(parts))


def _related_model(model, name: str):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field.related_model if field.is_relation else None


def _names(related, ids) -> str:
    """Related objects by their names, so reviewers never read raw ids."""
    ids = ids if isinstance(ids, list) else [ids]
    found = {obj.pk: _name(obj) for obj in related._default_manager.filter(pk__in=[i for i in ids if i])}
    return ", ".join(found.get(i, f"(deleted #{i})") for i in ids if i)


def _name(obj) -> str:
    if isinstance(obj, Revision):
        return f"revision #{obj.pk} of “{obj.object_str}”"
    return str(obj)


def _as_text(model, name: str, value) -> str:
    if value in (None, "", []):
        return ""  # an empty many-to-many is nothing chosen, not "[]"
    related = _related_model(model, name) if model is not None else None
    if related is not None and not _is_children(value):
        return _names(related, value)
    if _is_children(value):
        # Inline objects (citations, placements): one line each, fields named, ids resolved.
        return "\n".join(
            "; ".join(
                f"{key.replace('_', ' ')}: {_as_text(related, key, item)}"
                for key, item in child.items()
                if item not in (None, "")
                and not key.endswith("_hash")
                and (related is None or _related_model(related, key) is not model)
            )
            for child in value
        )
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in sorted(value.items()))
    # Rich text is compared as the words a reader sees; plain fields exactly as typed (escaped on display).
    return strip_tags(str(value)) if _is_rich_text(model, name) else str(value)


def _is_rich_text(model, name: str) -> bool:
    try:
        return isinstance(model._meta.get_field(name), RichTextField)
    except (FieldDoesNotExist, AttributeError):
        return False


def _is_children(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def field_label(model, name: str) -> str:
    field = model._meta.get_field(name) if name in {f.name for f in model._meta.get_fields()} else None
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return str(label).capitalize()


def _comparable(revision: Revision) -> dict:
    """The canonical content with an e-detail's modules on their slides, whichever shape it was stored
    in, so a draft is compared with an approval saved before slides held their modules slide by slide."""
    return snapshots.edetail_nested(canonical_content(revision))


def field_changes(before: Revision | None, after: Revision) -> list[FieldChange]:
    """Every content field that differs; with no approved revision, every non-empty field is new."""
    model = after.content_type.model_class()
    old = _comparable(before) if before is not None else {}
    new = _comparable(after)
    changes = []
    for name in new.keys() | old.keys():
        if name in NOT_COMPARED or old.get(name) == new.get(name):
            continue
        before_text, after_text = _as_text(model, name, old.get(name)), _as_text(model, name, new.get(name))
        if before_text == after_text:
            continue  # e.g. rich text whose markup changed but whose words did not
        changes.append(FieldChange(name, field_label(model, name), before_text, after_text))
    order = list(new)
    return sorted(changes, key=lambda c: order.index(c.field) if c.field in order else len(order))
