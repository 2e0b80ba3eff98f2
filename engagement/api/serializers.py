"""Shapes of POST /api/v1/events for the OpenAPI schema (validation itself is engagement/validation.py)."""

from rest_framework import serializers

from engagement.models import Event
from engagement.services import MAX_EVENTS_PER_BATCH
from engagement.validation import MAX_ATTRIBUTES_BYTES, MAX_DWELL_MS, MAX_SLIDE


class EventInSerializer(serializers.Serializer):
    event_id = serializers.CharField(
        max_length=100, help_text="Your unique id for this event (idempotency key; no spaces)."
    )
    type = serializers.ChoiceField(choices=Event.TYPES)
    content_id = serializers.CharField(help_text="The content API's id, e.g. email-12.")
    revision_id = serializers.IntegerField(help_text="The revision id the content API gave for the item.")
    channel = serializers.CharField(help_text="Channel code, e.g. email or edetail; must be in your scope.")
    market = serializers.CharField(
        required=False, help_text="Market code; needed only when the item is approved for several of yours."
    )
    hcp_id = serializers.CharField(max_length=64, help_text="Pseudonymous HCP id; never a name or address.")
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone; not in the future.")
    slide = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SLIDE, help_text="slide_viewed only (required there)."
    )
    dwell_ms = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_DWELL_MS, help_text="slide_viewed only (required there)."
    )
    attributes = serializers.DictField(
        required=False, help_text=f"Anything else (click URL, device), at most {MAX_ATTRIBUTES_BYTES} bytes."
    )


class EventBatchSerializer(serializers.Serializer):
    events = EventInSerializer(many=True, help_text=f"1 to {MAX_EVENTS_PER_BATCH} events.")


class EventResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the event in the batch.")
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["stored", "duplicate", "rejected"])
    errors = serializers.DictField(
        child=serializers.CharField(), help_text="Field → why the event was not stored (empty when stored)."
    )


class IngestReportSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = EventResultSerializer(many=True)
