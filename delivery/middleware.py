"""A remembered pull of one item's detail answered before the session, user and message middleware.

A channel authenticates with its token, never with a session, so nothing those layers do applies
to its pull; skipping them was about a quarter of what a remembered pull still cost under gunicorn
(bench/RESULTS.md). Settings place this after the middleware that only adds response headers
(security, framing, permissions and content-security policies), so the response carries the same
headers as any other. The host is validated here as CommonMiddleware would (400 for a host outside
ALLOWED_HOSTS). Anything `remembered_detail` does not answer, refusals included, goes down the
whole stack to the DRF view.
"""

from django.urls import get_script_prefix, reverse
from django.utils.cache import patch_vary_headers

from delivery.api.remembered import remembered_detail
from delivery.api.views import JSON_CACHE_CONTROL

_prefixes: dict[str, str] = {}


def detail_prefix() -> str:
    """The detail URL up to the item id under the current script prefix, e.g. "/api/v1/content/"."""
    script_prefix = get_script_prefix()
    prefix = _prefixes.get(script_prefix)
    if prefix is None:
        sample = reverse("delivery_api:content-detail", kwargs={"item_id": "x"})
        prefix = _prefixes[script_prefix] = sample.removesuffix("x")
    return prefix


class RememberedPullMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path, prefix = request.path, detail_prefix()
        if path.startswith(prefix):
            item_id = path[len(prefix) :]
            if item_id and "/" not in item_id:
                request.get_host()  # DisallowedHost → 400, as further down the stack
                response = remembered_detail(request, item_id, cache_control=JSON_CACHE_CONTROL)
                if response is not None:
                    # The headers the skipped layers give the DRF view's answer (CommonMiddleware's
                    # length; the session middleware's Vary, as SessionLimitsMiddleware reads the
                    # user), so a client or a cache sees one answer whichever path served it.
                    response["Content-Length"] = str(len(response.content))
                    patch_vary_headers(response, ("Cookie",))
                    return response
        return self.get_response(request)
