"""Helpers for the next-best-content tests: events through the real ingest service, the refresh task."""

import uuid

from django.utils import timezone

from engagement.recommendations import recommendations_refresh
from engagement.services import record_events
from reps.models import HCP
from tests.engagement.conftest import event


def engaged(client, obj, hcp, *types: str) -> None:
    """The HCP (an HCP row or a pseudonym) did these things with the item, reported by a channel now."""
    hcp_id = str(hcp.pseudonym) if isinstance(hcp, HCP) else hcp
    batch = [
        event(obj, type=type_, hcp_id=hcp_id, when=timezone.now(), event_id=f"evt-{uuid.uuid4()}")
        for type_ in types
    ]
    report = record_events(client=client, events=batch)
    assert [r.status for r in report.results] == ["stored"] * len(batch), [r.errors for r in report.results]


def refreshed():
    return recommendations_refresh()
