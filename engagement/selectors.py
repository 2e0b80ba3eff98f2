"""Reads of the engagement store for other code (next-best-content, reports): plain rows, no joins."""

from datetime import datetime

from engagement.models import Event


def hcp_history(*, hcp_id: str, since: datetime | None = None) -> list[dict]:
    """One HCP's events, oldest first: content id, approval, type, time (uses the (hcp_id, time) index)."""
    return list(
        Event.objects.for_hcp(hcp_id)
        .between(since)
        .order_by("occurred_at", "pk")
        .values("content_id", "approval_id", "revision_id", "type", "channel", "occurred_at")
    )


def events_between(*, start: datetime | None = None, end: datetime | None = None, types=None):
    """A queryset of events in a time window (BRIN on occurred_at), optionally of some types only.

    Returned lazily so a caller can `.values_list(...).iterator()` over millions of rows.
    """
    queryset = Event.objects.between(start, end)
    if types:
        queryset = queryset.filter(type__in=list(types))
    return queryset.order_by()
