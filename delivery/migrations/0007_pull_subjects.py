"""A pull record becomes a time and its subject (client, token, approval, revision, item, render).

Every existing record keeps its subject and time: the distinct subjects are written first, each
record is pointed at its own; 0008 then makes the subject required and drops the per-record columns
(a migration of its own: PostgreSQL does not alter a table with deferred checks pending).
"""

import django.db.models.deletion
from django.db import migrations, models

SUBJECT_FIELDS = ("client_id", "token_id", "approval_id", "revision_id", "item_id", "render")


def records_to_subjects(apps, schema_editor):
    Pull = apps.get_model("delivery", "Pull")
    PullSubject = apps.get_model("delivery", "PullSubject")
    for values in Pull.objects.order_by().values(*SUBJECT_FIELDS).distinct():
        subject = PullSubject.objects.create(**values)
        token = {"token_id": values["token_id"]} if values["token_id"] else {"token__isnull": True}
        match = {name: values[name] for name in SUBJECT_FIELDS if name != "token_id"}
        Pull.objects.filter(**match, **token).update(subject=subject)


def subjects_to_records(apps, schema_editor):
    Pull = apps.get_model("delivery", "Pull")
    for subject in apps.get_model("delivery", "PullSubject").objects.all():
        Pull.objects.filter(subject=subject).update(**{name: getattr(subject, name) for name in SUBJECT_FIELDS})


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0006_read_cache_notify"),
        ("review", "0005_audit_refuse_truncate"),
    ]

    operations = [
        migrations.CreateModel(
            name="PullSubject",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("revision_id", models.BigIntegerField()),
                ("item_id", models.CharField(max_length=80)),
                (
                    "render",
                    models.CharField(blank=True, help_text="Empty for the JSON detail.", max_length=20),
                ),
                (
                    "approval",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="review.approvalrecord",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pull_subjects",
                        to="delivery.channelclient",
                    ),
                ),
                (
                    "token",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="delivery.channeltoken",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("client", "token", "approval", "revision_id", "item_id", "render"),
                        name="one_pull_subject",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="pull",
            name="subject",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pulls",
                to="delivery.pullsubject",
            ),
        ),
        migrations.RunPython(records_to_subjects, subjects_to_records),
    ]
