"""The channels the code relies on, and the usual audiences; both stay editable in the admin."""

from django.db import migrations

CHANNELS = [
    ("email", "Email"),
    ("edetail", "E-detail (CLM)"),
    ("invitation", "Invitation"),
    ("web", "Web"),
    ("print", "Print"),
]
AUDIENCES = [("hcp", "Healthcare professionals"), ("patient", "Patients"), ("payer", "Payers")]


def create_defaults(apps, schema_editor):
    for model_name, rows in (("Channel", CHANNELS), ("Audience", AUDIENCES)):
        model = apps.get_model("modules", model_name)
        for code, name in rows:
            model.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("modules", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
