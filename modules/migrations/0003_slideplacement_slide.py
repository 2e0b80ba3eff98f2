"""Slides hold their modules, step 1 of 3: placements get a link to their slide (still optional).

Three migrations, because PostgreSQL refuses to alter a table in the transaction that just changed
its rows (pending foreign-key trigger events): add the column, move the rows, then drop the old ones.
See 0004 for the data move and docs/edetail-slides.md for the design.
"""

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("modules", "0002_default_taxonomy")]

    operations = [
        migrations.AddField(
            model_name="slideplacement",
            name="slide",
            field=modelcluster.fields.ParentalKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="placements",
                to="modules.slide",
            ),
        ),
        migrations.AlterField(
            model_name="slideplacement",
            name="edetail",
            field=modelcluster.fields.ParentalKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="placements",
                to="modules.edetail",
            ),
        ),
    ]
