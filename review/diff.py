"""Field-level differences between two revisions, for reviewers comparing with the last approval."""

import difflib
from dataclasses import dataclass

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Revision

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


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n".join(_as_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_as_text(item)}" for key, item in sorted(value.items()))
    return strip_tags(str(value)) if value not in (None, "") else ""


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # child relations and computed keys have no model field
        return name.replace("_", " ").capitalize()


def field_changes(before: Revision | None, after: Revision) -> list[FieldChange]:
    """Every content field that differs; with no approved revision, every non-empty field is new."""
    model = after.content_type.model_class()
    old = canonical_content(before) if before is not None else {}
    new = canonical_content(after)
    changes = []
    for name in new.keys() | old.keys():
        if name in NOT_COMPARED or old.get(name) == new.get(name):
            continue
        changes.append(
            FieldChange(name, _label(model, name), _as_text(old.get(name)), _as_text(new.get(name)))
        )
    order = list(new)
    return sorted(changes, key=lambda c: order.index(c.field) if c.field in order else len(order))
