"""Content negotiation for the JSON-only channel API, without parsing what needs no parsing.

DRF's default negotiation parses the Accept header into media types on every request (a tenth of
a detail request's time in the benchmark's profile). Requests that accept anything or JSON (no
Accept header, `*/*`, `application/json`) get the first renderer at once, exactly what the default
would pick; every other Accept header, and `?format=`, is negotiated by DRF as before (406 when
nothing fits).
"""

from rest_framework.negotiation import DefaultContentNegotiation

ANYTHING = frozenset({"", "*/*"})


class JSONFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        first = renderers[0] if renderers else None
        if (
            first is not None
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and (accept in ANYTHING or accept == first.media_type)
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
