"""Permission-aware reads: who may search what, and the search itself (filtered again against the DB)."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from elasticsearch import ApiError, TransportError

from review.models import ApprovalRecord, OutboxEvent
from search.access import SearchAccess
from search.conf import alias_name, client
from search.errors import SearchAccessDenied, SearchUnavailable
from search.models import RepScope
from search.query import SearchRequest, compile_items, compile_recent, compile_search, compile_suggest

SNIPPET_CHARS = 160


def access_for_user(user) -> SearchAccess:
    """A rep's scope; superusers see every market and channel; anyone else without a scope sees nothing."""
    if user.is_superuser:
        return SearchAccess.unrestricted(caller=user.get_username())
    scope = RepScope.objects.filter(user=user).prefetch_related("markets", "channels").first()
    if scope is None:
        raise SearchAccessDenied(
            "Your account has no search scope yet; ask an administrator to assign your markets and channels."
        )
    return SearchAccess(
        markets=frozenset(m.code for m in scope.markets.all()),
        channels=frozenset(c.code for c in scope.channels.all()),
        caller=user.get_username(),
    )


@dataclass
class SearchHit:
    approval_id: int
    type: str
    kind: str
    title: str
    snippet: str
    job_code: str
    content_hash: str
    expires_at: str
    object_type: str
    object_id: str
    revision_id: int
    preview_url: str | None
    thumbnail_url: str | None
    score: float | None
    products: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    approved_at: str | None = None


@dataclass
class SearchPage:
    total: int
    page: int
    page_size: int
    results: list[SearchHit]
    facets: dict[str, list[dict]]
    took_ms: int
    elasticsearch_ms: int
    dropped: int = 0
    extra: dict = field(default_factory=dict)


def _execute(body: dict) -> dict:
    try:
        return client().search(index=alias_name(), **body).body
    except (TransportError, ApiError) as exc:
        raise SearchUnavailable(
            "Search is temporarily unavailable; try again in a moment. Approved content is unaffected."
        ) from exc


def _current_approval_ids(ids: list[int], now: datetime) -> set[int]:
    """The read-time check against the database: an index that lags can never show ended approvals."""
    if not ids:
        return set()
    # order_by(): the model's default ordering only cost SQL compilation and a sort here.
    current = ApprovalRecord.objects.in_force(now).filter(pk__in=ids).order_by()
    return set(current.values_list("pk", flat=True))


def _endings_in_flight() -> set[int]:
    """Approvals whose withdrawal or expiry the index has not received yet (a short list: the outbox lag)."""
    undelivered = OutboxEvent.objects.undelivered().filter(
        kind__in=[OutboxEvent.WITHDRAWN, OutboxEvent.EXPIRED]
    )
    return set(undelivered.order_by().values_list("approval_id", flat=True))


def _snippet(hit: dict) -> str:
    highlight = hit.get("highlight", {})
    for name in ("claim_text", "body"):
        if highlight.get(name):
            return highlight[name][0]
    source = hit["_source"]
    text = source.get("claim_text") or source.get("body") or ""
    return escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))


def _hit(hit: dict) -> SearchHit:
    source = hit["_source"]
    title = hit.get("highlight", {}).get("title", [escape(source["title"])])[0]
    return SearchHit(
        approval_id=source["approval_id"],
        type=source["type"],
        kind=source["kind"],
        title=title,
        snippet=_snippet(hit),
        job_code=source["job_code"],
        content_hash=source["content_hash"],
        expires_at=source["expires_at"],
        object_type=source["object_type"],
        object_id=source["object_id"],
        revision_id=source["revision_id"],
        preview_url=source.get("preview_url"),
        thumbnail_url=source.get("thumbnail_url"),
        score=hit.get("_score"),
        products=tuple(source.get("products") or ()),
        markets=tuple(source.get("markets") or ()),
        approved_at=source.get("approved_at"),
    )


def approved_content_search(*, request: SearchRequest, access: SearchAccess, now=None) -> SearchPage:
    """One page of approved, live, unexpired content in the caller's scope, with facet counts."""
    started = time.perf_counter()
    now = now or timezone.now()
    for code in request.filters.get("market", ()):
        if not access.permits_market(code):
            raise SearchAccessDenied(f"Market {code} is outside your permitted markets.")
    for code in request.filters.get("channel", ()):
        if not access.permits_channel(code):
            raise SearchAccessDenied(f"Channel {code} is outside your permitted channels.")
    response = _execute(compile_search(request, access, now, ending=_endings_in_flight()))
    hits = response["hits"]["hits"]
    current = _current_approval_ids([h["_source"]["approval_id"] for h in hits], now)
    results = [_hit(h) for h in hits if h["_source"]["approval_id"] in current]
    facets = {
        name: [{"value": b["key"], "count": b["doc_count"]} for b in agg["buckets"]]
        for name, agg in response.get("aggregations", {}).items()
    }
    return SearchPage(
        total=response["hits"]["total"]["value"],
        page=request.page,
        page_size=request.page_size,
        results=results,
        facets=facets,
        took_ms=round((time.perf_counter() - started) * 1000),
        elasticsearch_ms=response.get("took", 0),
        dropped=len(hits) - len(results),
    )


def approved_content_suggest(*, q: str, access: SearchAccess, now=None, size: int = 10) -> list[dict]:
    """Type-ahead: distinct titles of live approved content in scope that start with the typed words."""
    now = now or timezone.now()
    hits = _execute(compile_suggest(q, access, now, size=size, ending=_endings_in_flight()))["hits"]["hits"]
    current = _current_approval_ids([h["_source"]["approval_id"] for h in hits], now)
    suggestions, seen = [], set()
    for hit in hits:
        source = hit["_source"]
        if source["approval_id"] not in current or source["title"].lower() in seen:
            continue
        seen.add(source["title"].lower())
        suggestions.append({"text": source["title"], "type": source["type"], "job_code": source["job_code"]})
    return suggestions[:size]


@dataclass(frozen=True)
class RecentRequest:
    """Approvals since `since` for any of these product codes, newest first (next-best-content's "new")."""

    since: datetime
    products: frozenset[str]
    size: int = 10


@dataclass
class ApprovedItems:
    items: list[SearchHit]
    recent: list[SearchHit]


def approved_items(
    *,
    items: list[tuple[str, str]],
    access: SearchAccess,
    market: str | None = None,
    recent: RecentRequest | None = None,
    now=None,
) -> ApprovedItems:
    """Of these items (type, object id), those search would show this caller now, and optionally the
    recent approvals asked for: approved, in force, unexpired, in scope (and in `market`), checked
    against the database like every search page. Both queries go in one round trip (msearch)."""
    now = now or timezone.now()
    ending = _endings_in_flight()
    bodies = []
    if items:
        bodies.append(compile_items(items, access, now, market=market, ending=ending))
    if recent is not None and recent.products:
        bodies.append(
            compile_recent(
                access,
                now,
                since=recent.since,
                products=recent.products,
                market=market,
                size=recent.size,
                ending=ending,
            )
        )
    if not bodies:
        return ApprovedItems([], [])
    try:
        responses = client().msearch(index=alias_name(), searches=[part for b in bodies for part in ({}, b)])
    except (TransportError, ApiError) as exc:
        raise SearchUnavailable(
            "Search is temporarily unavailable; try again in a moment. Approved content is unaffected."
        ) from exc
    if any("error" in response for response in responses["responses"]):
        raise SearchUnavailable("Search could not answer just now; try again in a moment.")
    found = [response["hits"]["hits"] for response in responses["responses"]]
    current = _current_approval_ids([h["_source"]["approval_id"] for hits in found for h in hits], now)
    checked = [[_hit(h) for h in hits if h["_source"]["approval_id"] in current] for hits in found]
    return ApprovedItems(
        items=checked[0] if items else [],
        recent=checked[-1] if recent is not None and recent.products else [],
    )
