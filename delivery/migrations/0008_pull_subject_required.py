"""Pull records: the subject required, the per-record columns gone (data moved by 0007)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("delivery", "0007_pull_subjects")]

    operations = [
        migrations.AlterField(
            model_name="pull",
            name="subject",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pulls",
                to="delivery.pullsubject",
            ),
        ),
        migrations.RemoveField(model_name="pull", name="approval"),
        migrations.RemoveField(model_name="pull", name="client"),
        migrations.RemoveField(model_name="pull", name="item_id"),
        migrations.RemoveField(model_name="pull", name="render"),
        migrations.RemoveField(model_name="pull", name="revision_id"),
        migrations.RemoveField(model_name="pull", name="token"),
    ]
