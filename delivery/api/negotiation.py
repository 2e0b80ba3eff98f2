"""Content negotiation for the JSON-only channel API, without parsing what needs no parsing.

DRF's default negotiation parses the Accept header into media types on every request (a tenth of
a detail request's time in the benchmark's profile). Requests that accept anything or JSON (no
Accept header, `*/*`, `application/json`) get the first renderer at once, exactly what the default
would pick; every other Accept header, and `?format=`, is negotiated by DRF as before (406 when
nothing fits).
"""

from rest_framework.negotiation import DefaultContentNegotiation

ANYTHING = frozenset({"", "*/*"})


def accepts_first_renderer(meta, media_type: str) -> bool:
    """The Accept header takes anything or exactly the first renderer's type: no negotiation needed."""
    accept = meta.get("HTTP_ACCEPT", "").strip()
    return accept in ANYTHING or accept == media_type


class JSONFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        first = renderers[0] if renderers else None
        if (
            first is not None
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and accepts_first_renderer(request.META, first.media_type)
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
