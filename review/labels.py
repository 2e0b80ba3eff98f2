"""How the audit trail and the outbox name an item: `app_label.model` of its specific type."""

from django.contrib.contenttypes.models import ContentType


def object_type_label(target) -> str:
    """`app_label.model` for a ContentType, a model class or an instance (of its specific type).

    Every audit entry and outbox row names items this way, so an item's whole trail can be found
    with one string whichever screen or service wrote it.
    """
    if isinstance(target, ContentType):
        return f"{target.app_label}.{target.model}"
    if isinstance(target, type):
        return target._meta.label_lower
    model = getattr(target, "specific_class", None) or type(target)
    return model._meta.label_lower
