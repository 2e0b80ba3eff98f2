"""seed_demo leaves a few weeks of engagement for the demo assemblies, once, and the reports show it."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from engagement.models import DailyEngagement, Event

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_weeks_of_engagement_once(capsys, admin_client):
    call_command("seed_demo")
    first = Event.objects.count()
    assert first > 500
    assert {
        content_id.split("-")[0] for content_id in Event.objects.values_list("content_id", flat=True)
    } == {
        "edetail",
        "email",
        "invitation",
    }
    assert Event.objects.filter(type="slide_viewed", slide__isnull=False, dwell_ms__gt=0).exists()
    days = Event.objects.dates("occurred_at", "day")
    assert (days.last() - days.first()).days >= 28
    assert DailyEngagement.objects.aggregate(total=Sum("events"))["total"] == first

    call_command("seed_demo")
    assert Event.objects.count() == first

    page = admin_client.get("/admin/engagement/assemblies/")
    assert page.status_code == 200
    for content_id in set(Event.objects.values_list("content_id", flat=True)):
        assert content_id in page.content.decode()
