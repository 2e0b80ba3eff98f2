"""Where a channel client's search hits link: the item in the content API (registered with search)."""

from django.urls import reverse

from delivery.scope import item_id


def channel_preview_url(caller, hit) -> str | None:
    """The approved item's detail (fields, canonical content, render links) for channel callers."""
    if getattr(caller, "channel_client", None) is None:
        return None
    model_name = hit.object_type.rsplit(".", 1)[-1]
    return reverse("delivery_api:content-detail", args=[item_id(model_name, hit.object_id)])
