"""Small template helpers of the rep portal."""

from django import template

from reps.forms import TYPE_LABELS

register = template.Library()


@register.filter
def type_label(code: str) -> str:
    """A content type code as a rep reads it: calltoaction → Call to action."""
    return TYPE_LABELS.get(code, code.capitalize())
