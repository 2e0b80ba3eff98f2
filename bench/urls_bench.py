"""The product's URLs plus a bare Django view that returns stored JSON bytes (the benchmark's baseline)."""

from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

from cms.urls import urlpatterns as product_urlpatterns


@cache
def stored() -> bytes:
    # Written by the benchmark before the server starts (the detail JSON the API returned).
    return (settings.VAR_DIR / "bench" / "detail.json").read_bytes()


def bare(request):
    return HttpResponse(stored(), content_type="application/json")


urlpatterns = [path("bench/bare", bare), *product_urlpatterns]
