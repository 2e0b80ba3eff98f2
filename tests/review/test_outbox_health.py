"""How far behind the outbox is: the command's exit code and the probe's status, for a monitor."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from review.models import OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_event(product, market):
    """An approval whose outbox event nobody delivered (no worker ran after its commit)."""
    factories.text_block(product=product, market=market, title="Secret launch plan")
    event = OutboxEvent.objects.undelivered().get()
    return event


def age(event, seconds):
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_status_says_when_everything_is_delivered(db, capsys):
    call_command("outbox_status")
    assert capsys.readouterr().out.strip() == "Outbox: every event delivered."


def test_status_reports_the_oldest_event_and_passes_within_the_limit(waiting_event, capsys):
    age(waiting_event, 42)
    call_command("outbox_status", "--max-age", "60")
    assert (
        "1 undelivered event(s), 0 failing and retrying; the oldest is 42 s old." in capsys.readouterr().out
    )


def test_status_fails_past_the_limit(waiting_event, capsys):
    age(waiting_event, 600)
    with pytest.raises(CommandError, match=r"600 s old, over the 300 s limit"):
        call_command("outbox_status", "--max-age", "300")


def test_status_refuses_a_negative_limit(db):
    with pytest.raises(CommandError, match="--max-age must be zero or more"):
        call_command("outbox_status", "--max-age", "-1")


def test_probe_is_healthy_then_behind_and_leaks_nothing(waiting_event, client, settings):
    settings.OUTBOX_MAX_AGE_SECONDS = 300
    age(waiting_event, 10)
    ok = client.get("/healthz/outbox")
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    assert "no-store" in ok["Cache-Control"]

    age(waiting_event, 900)
    behind = client.get("/healthz/outbox")
    assert behind.status_code == 503
    body = behind.json()
    assert body == {
        "status": "behind",
        "undelivered": 1,
        "failing": 0,
        "oldest_age_seconds": pytest.approx(900, abs=5),
        "max_age_seconds": 300,
    }
    assert b"Secret" not in behind.content
    assert client.post("/healthz/outbox").status_code == 405
