"""POST /api/v1/events: a channel's batch of engagement events, with a result per event.

The body is read and decoded here rather than by a DRF parser, so an oversized body is refused
(413) before it is read, and a malformed one gets one clear 400; nothing is stored in either case.
Authentication and the per-token rate limit are delivery's own classes (same tokens, same limit).
"""

import orjson
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from delivery.api.views import DeliveryAPIView
from engagement.api.serializers import EventBatchSerializer, IngestReportSerializer
from engagement.errors import BatchRejected
from engagement.services import MAX_EVENTS_PER_BATCH, record_events


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"


class EventIngestView(DeliveryAPIView):
    parser_classes = []

    def handle_exception(self, exc):
        if isinstance(exc, BatchRejected):
            exc = PayloadTooLarge(str(exc)) if exc.status == 413 else exceptions.ParseError(str(exc))
        return super().handle_exception(exc)

    def batch(self, request) -> list:
        limit = settings.ENGAGEMENT_MAX_BATCH_BYTES
        content_type = request.content_type.split(";")[0].strip()
        if content_type != "application/json":
            raise exceptions.UnsupportedMediaType(
                content_type or "none", "Send Content-Type: application/json."
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise BatchRejected(f"The body is larger than {limit} bytes; send smaller batches.", status=413)
        body = request.stream.read(limit + 1) if request.stream is not None else b""
        if len(body) > limit:
            raise BatchRejected(f"The body is larger than {limit} bytes; send smaller batches.", status=413)
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise BatchRejected(f"The body is not valid JSON: {error}.") from error
        if (
            not isinstance(payload, dict)
            or set(payload) != {"events"}
            or not isinstance(payload["events"], list)
        ):
            raise BatchRejected('Send {"events": [...]}: a JSON object whose only key is a list of events.')
        if not payload["events"]:
            raise BatchRejected("The batch is empty; send at least one event.")
        return payload["events"]

    @extend_schema(
        request=EventBatchSerializer,
        responses={
            200: IngestReportSerializer,
            400: OpenApiResponse(description='Not JSON, not {"events": [...]}, or empty; nothing stored.'),
            401: OpenApiResponse(description="No valid channel token."),
            403: OpenApiResponse(description="Not a channel token (e.g. a session)."),
            413: OpenApiResponse(
                description=f"Over {MAX_EVENTS_PER_BATCH} events, or too large a body; nothing stored."
            ),
            415: OpenApiResponse(description="The body is not application/json."),
            429: OpenApiResponse(
                description="Over the token's rate limit; retry after `Retry-After` seconds."
            ),
        },
        summary="Report engagement events (batch; a result per event)",
        description=(
            "Each event is checked on its own: valid new events are stored, the others come back with "
            "`status` rejected (and why, per field) or duplicate (an event_id you already sent, or "
            "repeated in the batch). Replaying a batch stores nothing new."
        ),
        operation_id="events_create",
    )
    def post(self, request):
        events = self.batch(request)
        report = record_events(client=request.user.channel_client, events=events, scope=self.scope)
        return Response(
            {
                "stored": report.stored,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
                "results": [
                    {"index": r.index, "event_id": r.event_id, "status": r.status, "errors": r.errors}
                    for r in report.results
                ],
            }
        )
