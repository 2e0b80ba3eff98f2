"""Rename the adopted tables to delivery's, and move each client's token digest into its own token row."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_digests(apps, schema_editor):
    ChannelClient = apps.get_model("delivery", "ChannelClient")
    ChannelToken = apps.get_model("delivery", "ChannelToken")
    ChannelToken.objects.bulk_create(
        ChannelToken(client=client, label="default", digest=client.token_digest, created_at=client.created_at)
        for client in ChannelClient.objects.all()
    )


def copy_digests_back(apps, schema_editor):
    ChannelClient = apps.get_model("delivery", "ChannelClient")
    ChannelToken = apps.get_model("delivery", "ChannelToken")
    for client in ChannelClient.objects.all():
        token = ChannelToken.objects.filter(client=client, revoked_at__isnull=True).order_by("created_at").first()
        client.token_digest = token.digest if token else f"revoked-{client.pk}"
        client.save(update_fields=["token_digest"])


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_channelclient_from_search")]

    operations = [
        migrations.AlterModelTable(name="ChannelClient", table=None),
        migrations.CreateModel(
            name="ChannelToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(default="default", max_length=80)),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, help_text="Empty: valid until revoked.", null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="tokens", to="delivery.channelclient"
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.AlterField(
            model_name="channelclient",
            name="token_digest",
            field=models.CharField(editable=False, max_length=64, blank=True, default=""),
        ),
        migrations.RunPython(copy_digests, copy_digests_back),
        migrations.RemoveField(model_name="channelclient", name="token_digest"),
    ]
