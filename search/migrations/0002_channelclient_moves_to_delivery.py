"""ChannelClient now belongs to the delivery app: state only, the table stays for delivery to adopt."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ChannelClient")],
            database_operations=[],
        )
    ]
