"""Slides hold their modules, step 3 of 3: every placement now sits on a slide; the e-detail link and
the typed slide number go."""

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("modules", "0004_placements_onto_slides")]

    operations = [
        migrations.RemoveField(model_name="slideplacement", name="slide_number"),
        migrations.RemoveField(model_name="slideplacement", name="edetail"),
        migrations.AlterField(
            model_name="slideplacement",
            name="slide",
            field=modelcluster.fields.ParentalKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="placements", to="modules.slide"
            ),
        ),
    ]
