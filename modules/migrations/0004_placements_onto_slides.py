"""Slides hold their modules, step 2 of 3: each SlidePlacement moves from its e-detail (with a typed
slide_number) onto the slide that number named.

Only rows change. Stored revisions keep the shape they were saved (and signed) in; modules/snapshots.py
reads both shapes. A placement whose number is outside the deck is put on the last slide, and a deck
with placements but no slide gets a "Slide 1", so no pin is dropped; each such move is printed.
The reverse numbers every placement by its slide's place in the deck.
"""

from collections import defaultdict

from django.db import migrations


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
        on_slide = defaultdict(int)
        for placement in placements:
            index = slide_index(placement.slide_number, len(slides))
            if index != placement.slide_number - 1:
                print(
                    f"\n  e-detail {edetail.pk} “{edetail.title}”: placement {placement.pk} named slide "
                    f"{placement.slide_number} of {len(slides)}; put on the last slide."
                )
            placement.slide = slides[index]
            placement.sort_order = on_slide[index]  # in deck order, now counted per slide
            on_slide[index] += 1
            placement.save(update_fields=["slide", "sort_order"])


def placements_back_to_numbers(apps, schema_editor):
    Slide = apps.get_model("modules", "Slide")
    SlidePlacement = apps.get_model("modules", "SlidePlacement")
    numbers, counts = {}, defaultdict(int)
    for slide in Slide.objects.order_by("edetail_id", "sort_order", "pk"):
        counts[slide.edetail_id] += 1
        numbers[slide.pk] = (slide.edetail_id, counts[slide.edetail_id])
    placed = SlidePlacement.objects.exclude(slide=None).select_related("slide")
    in_deck_order = sorted(placed, key=lambda p: (numbers[p.slide_id], p.sort_order or 0, p.pk))
    in_deck = defaultdict(int)
    for placement in in_deck_order:
        edetail_id, number = numbers[placement.slide_id]
        placement.edetail_id = edetail_id
        placement.slide_number = number
        placement.sort_order = in_deck[edetail_id]  # one order over the whole deck again
        in_deck[edetail_id] += 1
        placement.save(update_fields=["edetail", "slide_number", "sort_order"])


class Migration(migrations.Migration):
    dependencies = [("modules", "0003_slideplacement_slide")]

    operations = [migrations.RunPython(placements_onto_slides, placements_back_to_numbers)]
