"""One item's detail answered without DRF's dispatch when everything it needs is already known.

A pull of `GET /api/v1/content/{id}` that asks nothing unusual (GET, no parameters, JSON or anything
accepted, a well-formed channel token) and whose token-and-item read `delivery.read_cache` still
remembers is answered here with the same checks, by the same functions as the DRF view: the
token's rate limit, then `detail_response` (the client's scope against the item's, the stored JSON
and the pull record), which the view calls too, then last-use bookkeeping; the response is the one
the view gives (tests compare them). Any
other case, a refused one included, returns None and the DRF view answers it from scratch, so every
error keeps one definition. DRF's dispatch was most of what a remembered pull still cost (bench/RESULTS.md).
"""

from types import SimpleNamespace

from django.http import HttpResponse
from django.utils import timezone

from delivery import pulls, read_cache
from delivery.api.negotiation import accepts_first_renderer
from delivery.authentication import ChannelUser, header_token
from delivery.errors import ContentNotFound
from delivery.models import token_digest
from delivery.payloads import stored_detail
from delivery.selectors import content_item_approval_id
from delivery.services import token_touch
from delivery.throttling import ChannelTokenRateThrottle

JSON = "application/json"


def remembered_detail(request, item_id: str, *, cache_control: str) -> HttpResponse | None:
    meta = request.META
    if request.method != "GET" or meta.get("QUERY_STRING") or not accepts_first_renderer(meta, JSON):
        return None
    raw, problem = header_token(meta.get("HTTP_AUTHORIZATION", "").encode("iso-8859-1", "replace"))
    if raw is None or problem:
        return None
    now = timezone.now()
    remembered = read_cache.get((token_digest(raw), item_id), now)
    if remembered is None:
        return None
    token, item_approvals = remembered
    user = ChannelUser(token, item_approvals)
    if not ChannelTokenRateThrottle().allow_request(SimpleNamespace(user=user), None):
        return None  # the view answers the 429
    try:
        response = detail_response(request, user, item_id)
    except ContentNotFound:
        return None
    token_touch(token=token, now=now)
    response["Cache-Control"] = cache_control
    response["Allow"] = "GET, HEAD, OPTIONS"
    return response


def detail_response(request, user: ChannelUser, item_id: str) -> HttpResponse:
    """One item's stored detail JSON for this channel, its pull recorded (the DRF view's answer too).

    ContentNotFound when the item is missing, not in force or outside the channel's scope.
    """
    approval_id = content_item_approval_id(
        scope_ids=user.delivery_scope_ids(), item_id=item_id, read_with_token=user.item_approvals
    )
    stored = stored_detail(request, approval_id)
    pulls.pull_record(
        token=user.token, approval_id=approval_id, revision_id=stored.revision_id, item_id=item_id
    )
    return HttpResponse(stored.body, content_type=JSON)
