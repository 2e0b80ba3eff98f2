"""E-detail slides hold their modules: each SlidePlacement moves from its e-detail (with a typed
slide_number) onto the slide that number named.

Only rows change. Stored revisions keep the shape they were saved (and signed) in; modules/snapshots.py
reads both shapes. A placement whose number is outside the deck is put on the last slide, and a deck
with placements but no slide gets a "Slide 1", so no pin is dropped; each such move is printed.
The reverse numbers every placement by its slide's place in the deck.
"""

from collections import defaultdict

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


def slide_index(slide_number, slide_count):
    # The rule of modules.snapshots.slide_index, repeated because migrations must not import app code.
    if 1 <= slide_number <= slide_count:
        return slide_number - 1
    return slide_count - 1


def placements_onto_slides(apps, schema_editor):
    EDetail = apps.get_model("modules", "EDetail")
    Slide = apps.get_model("modules", "Slide")
    SlidePlacement = apps.get_model("modules", "SlidePlacement")
    for edetail in EDetail.objects.order_by("pk"):
        placements = list(SlidePlacement.objects.filter(edetail=edetail).order_by("sort_order", "pk"))
        if not placements:
            continue
        slides = list(Slide.objects.filter(edetail=edetail).order_by("sort_order", "pk"))
        if not slides:
            slides = [Slide.objects.create(edetail=edetail, title="Slide 1", sort_order=0)]
            print(f"\n  e-detail {edetail.pk} “{edetail.title}” had modules but no slide: added “Slide 1”.")
        for placement in placements:
            index = slide_index(placement.slide_number, len(slides))
            if index != placement.slide_number - 1:
                print(
                    f"\n  e-detail {edetail.pk} “{edetail.title}”: placement {placement.pk} named slide "
                    f"{placement.slide_number} of {len(slides)}; put on the last slide."
                )
            placement.slide = slides[index]
            placement.save(update_fields=["slide"])


def placements_back_to_numbers(apps, schema_editor):
    Slide = apps.get_model("modules", "Slide")
    SlidePlacement = apps.get_model("modules", "SlidePlacement")
    numbers, counts = {}, defaultdict(int)
    for slide in Slide.objects.order_by("edetail_id", "sort_order", "pk"):
        counts[slide.edetail_id] += 1
        numbers[slide.pk] = (slide.edetail_id, counts[slide.edetail_id])
    for placement in SlidePlacement.objects.exclude(slide=None):
        edetail_id, number = numbers[placement.slide_id]
        placement.edetail_id = edetail_id
        placement.slide_number = number
        placement.save(update_fields=["edetail", "slide_number"])


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
        migrations.RunPython(placements_onto_slides, placements_back_to_numbers),
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
