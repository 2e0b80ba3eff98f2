"""Thin API views: validate parameters, resolve the channel's scope, call a selector, serialize.

Typed delivery errors become HTTP responses once, in DeliveryAPIView.handle_exception. JSON responses
are per-client, so they carry `Cache-Control: private, no-store`; renders are immutable per approved
revision but scoped, so they carry `private, no-cache` with an ETag: a client may keep them and
revalidates each use (a 304 costs nothing), which is how a withdrawal reaches a cached copy at once.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import feed, pulls, selectors
from delivery.api.negotiation import JSONFirstNegotiation
from delivery.api.remembered import detail_response
from delivery.api.serializers import (
    ChangesPageSerializer,
    ChangesParamsSerializer,
    ContentDetailSerializer,
    ContentPageSerializer,
    ContentParamsSerializer,
    NoParamsSerializer,
)
from delivery.errors import (
    ContentNotFound,
    InvalidDeliveryRequest,
    RenderMismatch,
    RenderNotOffered,
    ScopeDenied,
)
from delivery.payloads import cached_item_payload
from delivery.renders import ALL_FORMATS, approved_render
from delivery.throttling import ChannelTokenRateThrottle
from review.hashing import canonical_bytes

JSON_CACHE_CONTROL = "private, no-store"
RENDER_CACHE_CONTROL = "private, no-cache"


class IsChannelClient(permissions.BasePermission):
    message = "This API is for channel clients: send `Authorization: Bearer <token>`."

    def has_permission(self, request, view):
        return callable(getattr(request.user, "delivery_scope", None))


class RenderConflict(exceptions.APIException):
    status_code = 409
    default_code = "render_mismatch"


class DeliveryAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsChannelClient]
    throttle_classes = [ChannelTokenRateThrottle]
    content_negotiation_class = JSONFirstNegotiation

    def handle_exception(self, exc):
        # Typed delivery errors become HTTP errors here, once.
        if isinstance(exc, InvalidDeliveryRequest):
            exc = exceptions.ValidationError(exc.errors)
        elif isinstance(exc, ScopeDenied):
            exc = exceptions.PermissionDenied({exc.field: str(exc)})
        elif isinstance(exc, ContentNotFound | RenderNotOffered):
            exc = exceptions.NotFound(str(exc))
        elif isinstance(exc, RenderMismatch):
            exc = RenderConflict(str(exc))
        response = super().handle_exception(exc)
        response["Cache-Control"] = JSON_CACHE_CONTROL
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.setdefault("Cache-Control", JSON_CACHE_CONTROL)
        return response

    def params(self, serializer_class):
        params = serializer_class(data=request_params(self.request))
        params.is_valid(raise_exception=True)
        return params

    def refuse_params(self):
        """Views of one item take no parameters: any is a 400 naming it (none: nothing to check)."""
        if self.request.query_params:
            self.params(NoParamsSerializer)

    @property
    def scope(self):
        return self.request.user.delivery_scope()


def request_params(request):
    return request.query_params


class ContentListView(DeliveryAPIView):
    @extend_schema(
        parameters=[ContentParamsSerializer],
        responses={
            200: ContentPageSerializer,
            400: OpenApiResponse(description="A parameter is invalid (named)."),
            403: OpenApiResponse(description="A filter is outside the client's scope."),
        },
        summary="Approved content in force and in scope",
        operation_id="content_list",
    )
    def get(self, request):
        params = self.params(ContentParamsSerializer)
        data = params.validated_data
        page = selectors.content_page(
            scope=self.scope,
            filters=params.filters(),
            updated_since=data.get("updated_since"),
            cursor=data.get("cursor"),
            limit=data["page_size"],
        )
        results = [cached_item_payload(request, item.pk, detail=False) for item in page.items]
        for item in results:
            pulls.pull_record(
                token=request.user.token,
                approval_id=item["approval_id"],
                revision_id=item["revision_id"],
                item_id=item["id"],
            )
        return Response({"results": results, "next_cursor": page.next_cursor})


class ContentDetailView(DeliveryAPIView):
    # The token and "is this item's approval in force" in one statement (ChannelTokenAuthentication).
    item_read_with_token = True

    @extend_schema(
        responses={
            200: ContentDetailSerializer,
            404: OpenApiResponse(description="Missing, withdrawn, expired or out of scope."),
        },
        summary="One approved item with its canonical (hashed) content",
    )
    def get(self, request, item_id: str):
        self.refuse_params()
        return detail_response(request, request.user, item_id)


class ContentCanonicalView(DeliveryAPIView):
    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Not available."),
        },
        summary="The exact bytes the approval's content hash was computed over",
    )
    def get(self, request, item_id: str):
        self.refuse_params()
        item = selectors.content_item(scope=self.scope, item_id=item_id)
        body = canonical_bytes(item.approval.revision)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["X-Content-Hash"] = item.approval.content_hash
        return response


class ContentRenderView(DeliveryAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "fmt", str, OpenApiParameter.PATH, enum=ALL_FORMATS, description="Render format."
            )
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="If-None-Match matched the ETag."),
            404: OpenApiResponse(
                description="Not available, or no such render for this type (the message lists formats)."
            ),
        },
        summary="A byte-exact render of the approved revision",
    )
    def get(self, request, item_id: str, fmt: str):
        self.refuse_params()
        item = selectors.content_item(scope=self.scope, item_id=item_id)
        render = approved_render(item.approval, fmt)
        etag = f'"{render.sha256}"'
        headers = {
            "ETag": etag,
            "X-Content-Hash": item.approval.content_hash,
            "X-Render-SHA256": render.sha256,
            "X-Job-Code": item.approval.job_code,
            "Cache-Control": RENDER_CACHE_CONTROL,
        }
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            pulls.pull_record(
                token=request.user.token,
                approval_id=item.approval_id,
                revision_id=item.approval.revision_id,
                item_id=item.item_id,
                render=fmt,
            )
            response = HttpResponse(render.body, content_type=render.content_type)
            response["Content-Disposition"] = f'attachment; filename="{render.filename}"'
        for name, value in headers.items():
            response[name] = value
        return response


class ChangesView(DeliveryAPIView):
    @extend_schema(
        parameters=[ChangesParamsSerializer],
        responses={
            200: ChangesPageSerializer,
            400: OpenApiResponse(description="Bad cursor or limit (named)."),
        },
        summary="Published, superseded, withdrawn and expired events in commit order",
    )
    def get(self, request):
        params = self.params(ChangesParamsSerializer)
        page = feed.changes_page(
            scope=self.scope, cursor=params.validated_data.get("cursor"), limit=params.validated_data["limit"]
        )
        return Response(ChangesPageSerializer(page).data)
