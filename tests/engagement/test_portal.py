# ruff: noqa: F811 - pytest fixtures imported from the rep portal's tests are parameters here
"""The rep portal's own sends, opens and clicks land in the engagement store (real send over SMTP)."""

import re

import pytest
from django.test import Client

from delivery.models import PublishedItem
from engagement.models import DailyEngagement, Event
from reps.models import EngagementEvent
from tests.reps.conftest import (  # noqa: F401 - fixtures
    approved_email,
    email_modules,
    hcp,
    rep,
    rep_client,
)
from tests.reps.test_email import compose, html_of, path_of, send


@pytest.fixture
def sent(rep_client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks):
    token = compose(rep_client, approved_email, hcp)
    response = send(rep_client, approved_email, hcp, token, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    return smtp_server.messages[0]


def test_a_portal_send_open_and_click_are_stored_as_events(
    sent,
    hcp,
    approved_email,
    django_capture_on_commit_callbacks,
):
    html = html_of(sent)
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        visitor.get(path_of(re.search(r'<img src="([^"]*/reps/t/o/[^"]+)"', html).group(1)))
        visitor.get(path_of(re.search(r'href="([^"]*/reps/t/c/[^"]+)"', html).group(1)))

    portal = list(EngagementEvent.objects.order_by("pk"))
    events = list(Event.objects.order_by("occurred_at", "pk"))
    assert [e.type for e in events] == ["sent", "opened", "clicked"]
    assert [e.event_id for e in events] == [f"reps-{p.pk}" for p in portal]
    item = PublishedItem.objects.get(approval=approved_email)
    for stored in events:
        assert stored.source == Event.SOURCE_PORTAL and stored.client_id is None
        assert stored.approval_id == approved_email.pk
        assert stored.revision_id == approved_email.revision_id
        assert stored.content_id == item.item_id
        assert (stored.channel, stored.market, stored.specialty) == ("email", "US-en", "cardiology")
        assert stored.hcp_id == str(hcp.pseudonym)
    assert events[2].attributes == {"url": "https://example.com/hcp"}
    # The rollup ran after each commit: the aggregate holds exactly these three events.
    assert sorted(DailyEngagement.objects.values_list("type", "events")) == [
        ("clicked", 1),
        ("opened", 1),
        ("sent", 1),
    ]
