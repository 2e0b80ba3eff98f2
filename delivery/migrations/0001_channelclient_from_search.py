"""Adopt search's channel-client table as it is (state only), so no client or token is lost."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("modules", "0002_default_taxonomy"),
        ("search", "0002_channelclient_moves_to_delivery"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ChannelClient",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=120, unique=True)),
                        ("token_digest", models.CharField(editable=False, max_length=64, unique=True)),
                        ("active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("channels", models.ManyToManyField(related_name="+", to="modules.channel")),
                        ("markets", models.ManyToManyField(related_name="+", to="modules.market")),
                    ],
                    options={"db_table": "search_channelclient"},
                )
            ],
            database_operations=[],
        )
    ]
