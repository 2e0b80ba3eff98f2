"""Elasticsearch down: nothing is lost, events wait with backoff, and the index converges afterwards."""

import io
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command

from review import roles
from review.models import OutboxEvent
from review.services import content_withdraw
from tests import factories
from tests.search.conftest import eventually, search, sync
from tools import elasticsearch as engine

pytestmark = pytest.mark.elasticsearch


@contextmanager
def node_stopped(settings):
    """Stop the real local node and start it again afterwards; against an outside cluster (which a
    test must not stop) the client is pointed at a closed port instead."""
    local = engine.status()["running"] and engine.url().rstrip("/") == settings.ELASTICSEARCH_URL.rstrip("/")
    if local:
        engine.stop()
        try:
            yield
        finally:
            engine.start()
    else:
        url, settings.ELASTICSEARCH_URL = settings.ELASTICSEARCH_URL, "http://127.0.0.1:9"
        try:
            yield
        finally:
            settings.ELASTICSEARCH_URL = url


def check() -> str:
    out = io.StringIO()
    call_command("search_check", stdout=out)
    return out.getvalue()


def test_outage_loses_nothing_and_the_index_converges(
    search_index, admin_client, product, market, settings, django_capture_on_commit_callbacks
):
    factories.text_block(product=product, market=market, title="Approved before the outage")
    doomed = factories.text_block(product=product, market=market, title="Withdrawn during the outage")
    sync(search_index)
    withdrawer = factories.reviewer(roles.REGULATORY)

    with node_stopped(settings):
        with django_capture_on_commit_callbacks(execute=True):
            added = [
                factories.text_block(product=product, market=market, title=f"Approved during the outage {n}")
                for n in range(3)
            ]
            content_withdraw(obj=doomed, user=withdrawer, reason="Label change")
            content_withdraw(obj=added[0], user=withdrawer, reason="Typo")
        # The task ran on each commit and failed: every event is still queued, with a retry time.
        waiting = list(OutboxEvent.objects.undelivered())
        assert len(waiting) == 5
        assert all(e.attempts >= 1 and e.last_error and e.next_attempt_at > e.created_at for e in waiting)
        assert admin_client.get("/api/v1/search").status_code == 503
        with pytest.raises(CommandError):
            check()

    # Back up, not drained yet: the check sees the drift, the API already hides the withdrawn items.
    with pytest.raises(CommandError, match="2 missing, 0 stale, 1 extra"):
        check()
    assert [r["title"] for r in search(admin_client)["results"]] == ["Approved before the outage"]

    out = io.StringIO()
    call_command("search_drain", "--all", stdout=out)
    assert "Delivered 5 event(s); 0 failed" in out.getvalue()
    assert not OutboxEvent.objects.undelivered().exists()
    assert "No drift" in check()
    found = eventually(lambda: sorted(r["title"] for r in search(admin_client)["results"]))
    assert found == [
        "Approved before the outage",
        "Approved during the outage 1",
        "Approved during the outage 2",
    ]
