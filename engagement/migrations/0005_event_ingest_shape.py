"""The event table shaped for ingest: no single-column indexes on its foreign keys (the composite
indexes serve those lookups) and no database-level foreign key checks (see engagement/models.py).

Re-adding the client and approval constraints on the way back validates every row: on a large
table, reverse it in a maintenance window.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('delivery', '0005_channelclient_scope_version'),
        ('engagement', '0004_recommendations'),
        ('review', '0005_audit_refuse_truncate'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='approval',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='review.approvalrecord'),
        ),
        migrations.AlterField(
            model_name='event',
            name='client',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='delivery.channelclient'),
        ),
        migrations.AlterField(
            model_name='event',
            name='content_type',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
        ),
    ]
