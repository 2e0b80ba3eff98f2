"""Thin API views: validate parameters, resolve the caller's scope, call a selector, serialize."""

from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from search import selectors
from search.api.schema import ERROR_RESPONSES
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


class CallerRateThrottle(throttling.SimpleRateThrottle):
    """SEARCH_API_RATE per rep or channel (channels are not users, so they are keyed by client id)."""

    scope = "search"

    def get_rate(self):
        # Read at call time (DRF binds the rates when the class is defined), so settings changes apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        # A channel's principal (delivery's ChannelUser) names its client; search need not know the app.
        client = getattr(request.user, "channel_client", None)
        ident = f"channel-{client.pk}" if client is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The title.")
    type = serializers.CharField(help_text="Content type, e.g. claim.")
    job_code = serializers.CharField()


class SuggestionsSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True, help_text="Distinct titles, best first.")


class SearchAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [CallerRateThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Results depend on who asks (their markets and channels): no shared or browser cache may keep them.
        patch_cache_control(response, private=True, no_store=True)
        return response

    def handle_exception(self, exc):
        # Typed search errors become HTTP errors here, once.
        if isinstance(exc, SearchAccessDenied):
            exc = exceptions.PermissionDenied(str(exc))
        elif isinstance(exc, SearchUnavailable | SearchNotConfigured):
            exc = ServiceUnavailable(str(exc))
        return super().handle_exception(exc)


class SearchView(SearchAPIView):
    @extend_schema(
        parameters=[SearchParamsSerializer], responses={200: SearchPageSerializer, **ERROR_RESPONSES}
    )
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = selectors.approved_content_search(
            request=params.search_request(), access=caller_access(request)
        )
        return Response(SearchPageSerializer(page, context={"caller": request.user}).data)


class SuggestView(SearchAPIView):
    @extend_schema(
        parameters=[SuggestParamsSerializer], responses={200: SuggestionsSerializer, **ERROR_RESPONSES}
    )
    def get(self, request):
        params = SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        suggestions = selectors.approved_content_suggest(
            q=params.validated_data["q"], access=caller_access(request)
        )
        return Response({"suggestions": suggestions})
