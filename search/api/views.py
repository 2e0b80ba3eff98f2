"""Thin API views: validate parameters, resolve the caller's scope, call a selector, serialize."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from search import selectors
from search.api.serializers import SearchPageSerializer, SearchParamsSerializer, SuggestParamsSerializer
from search.errors import SearchAccessDenied, SearchNotConfigured, SearchUnavailable


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "search_unavailable"


def caller_access(request):
    # A channel's principal (delivery's ChannelUser) carries its own scope; search need not know the app.
    search_access = getattr(request.user, "search_access", None)
    if callable(search_access):
        return search_access()
    return selectors.access_for_user(request.user)


class SearchAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        # Typed search errors become HTTP errors here, once.
        if isinstance(exc, SearchAccessDenied):
            exc = exceptions.PermissionDenied(str(exc))
        elif isinstance(exc, SearchUnavailable | SearchNotConfigured):
            exc = ServiceUnavailable(str(exc))
        return super().handle_exception(exc)


class SearchView(SearchAPIView):
    @extend_schema(parameters=[SearchParamsSerializer], responses=SearchPageSerializer)
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = selectors.approved_content_search(
            request=params.search_request(), access=caller_access(request)
        )
        return Response(SearchPageSerializer(page).data)


class SuggestView(SearchAPIView):
    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)])
    def get(self, request):
        params = SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        suggestions = selectors.approved_content_suggest(
            q=params.validated_data["q"], access=caller_access(request)
        )
        return Response({"suggestions": suggestions})
