"""The public OpenAPI schema: shared error responses and public paths only (token scheme: delivery)."""

from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers

PUBLIC_PREFIX = "/api/"


def public_endpoints_only(endpoints, **kwargs):
    """Wagtail's admin API (under /admin/api/) is the admin's own, and the schema does not describe itself."""
    return [
        (path, regex, method, view)
        for path, regex, method, view in endpoints
        if path.startswith(PUBLIC_PREFIX) and not issubclass(getattr(view, "cls", object), SpectacularAPIView)
    ]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


ERROR_RESPONSES = {
    400: OpenApiResponse(
        response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        description="A parameter is unknown or invalid; each key names the parameter.",
    ),
    401: OpenApiResponse(ErrorSerializer, description="No session and no valid channel token."),
    403: OpenApiResponse(
        ErrorSerializer, description="A market or channel outside the caller's scope, or no scope at all."
    ),
    429: OpenApiResponse(
        ErrorSerializer, description="Too many requests from this caller; retry after `Retry-After` seconds."
    ),
    503: OpenApiResponse(ErrorSerializer, description="The search index is unavailable; retry later."),
}
