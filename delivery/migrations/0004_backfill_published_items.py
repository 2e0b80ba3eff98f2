"""Approvals made before the delivery app existed: their published items, and a `published` feed event
for each approval in force (oldest first) so a channel following the feed from the start gets them."""

from django.db import migrations

from delivery.scope import item_id, revision_scope_ids


def backfill(apps, schema_editor):
    ApprovalRecord = apps.get_model("review", "ApprovalRecord")
    PublishedItem = apps.get_model("delivery", "PublishedItem")
    FeedEvent = apps.get_model("delivery", "FeedEvent")
    Product, Market, Audience, Channel = (apps.get_model("modules", name) for name in ("Product", "Market", "Audience", "Channel"))
    approvals = ApprovalRecord.objects.select_related("revision", "content_type").order_by("approved_at", "pk")
    for approval in approvals:
        if PublishedItem.objects.filter(approval=approval).exists():
            continue
        model_name = approval.content_type.model
        ids = revision_scope_ids(model_name, approval.revision.content)
        item = PublishedItem.objects.create(
            approval=approval,
            item_id=item_id(model_name, approval.object_id),
            type=model_name,
            approved_at=approval.approved_at,
        )
        item.products.set(Product.objects.filter(pk__in=ids["products"]))
        item.markets.set(Market.objects.filter(pk__in=ids["markets"]))
        item.audiences.set(Audience.objects.filter(pk__in=ids["audiences"]))
        item.channels.set(
            list(Channel.objects.filter(pk__in=ids["channels"])) + list(Channel.objects.filter(code__in=ids["channel_codes"]))
        )
        if approval.status == "approved":
            FeedEvent.objects.create(
                kind="published", item=item, revision_id=approval.revision_id, job_code=approval.job_code,
                occurred_at=approval.approved_at,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0003_delivery_models"),
        ("review", "0004_approval_cascaded_from"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
