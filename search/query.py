"""Compile a validated search request into an Elasticsearch request body (pure: no server, no ORM)."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from search.access import SearchAccess

# Request parameter → indexed keyword field; each is a filter and a facet.
FILTER_FIELDS = {
    "product": "products",
    "market": "markets",
    "audience": "audiences",
    "channel": "channels",
    "type": "type",
}
# Facets counted for every search; specialty is counted too but boosts instead of filtering.
FACET_FIELDS = {**FILTER_FIELDS, "specialty": "specialties"}
FACET_SIZE = 50
SPECIALTY_BOOST = 3.0
SEARCHED_FIELDS = ["title^3", "claim_text^2", "product_names^2", "body", "citations"]
SOURCE_FIELDS = [
    "approval_id",
    "revision_id",
    "object_type",
    "object_id",
    "type",
    "kind",
    "title",
    "body",
    "claim_text",
    "job_code",
    "content_hash",
    "expires_at",
    "approved_at",
    "markets",
    "channels",
    "products",
    "specialties",
    "preview_url",
    "thumbnail_url",
]
HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
    "fields": {
        "title": {"number_of_fragments": 0},
        "claim_text": {"fragment_size": 160, "number_of_fragments": 1},
        "body": {"fragment_size": 160, "number_of_fragments": 1},
    },
}


@dataclass(frozen=True)
class SearchRequest:
    """What a rep or channel asked for, already validated (see search/api/serializers.py)."""

    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    specialties: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 20


def read_time_filters(access: SearchAccess, now: datetime) -> list[dict]:
    """What every query filters on, whatever the caller asked: live approval, unexpired, caller's scope."""
    filters = [{"term": {"status": "approved"}}, {"range": {"expires_at": {"gt": now.isoformat()}}}]
    if access.markets is not None:
        filters.append({"terms": {"markets": sorted(access.markets)}})
    if access.channels is not None:
        filters.append({"terms": {"channels": sorted(access.channels)}})
    return filters


def ending_exclusions(ending_approval_ids: Collection[int]) -> list[dict]:
    """Approvals withdrawn or expired whose deletion has not reached the index yet: counted nowhere.

    Without this a lagging index keeps them in ``total`` and the facet counts while the read-time
    check drops them from the page, so the numbers and the results disagree.
    """
    if not ending_approval_ids:
        return []
    return [{"terms": {"approval_id": sorted(ending_approval_ids)}}]


def text_query(q: str) -> dict:
    if not q:
        return {"match_all": {}}
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": q,
                        "fields": SEARCHED_FIELDS,
                        "type": "best_fields",
                        "operator": "and",
                    }
                },
                {"match": {"title.suggest": {"query": q, "operator": "and", "boost": 0.5}}},
                {"term": {"job_code": {"value": q.strip().upper(), "boost": 10}}},
            ],
            "minimum_should_match": 1,
        }
    }


def compile_search(
    request: SearchRequest, access: SearchAccess, now: datetime, *, ending: Collection[int] = ()
) -> dict:
    """`ending`: ids of approvals whose withdrawal or expiry is still on its way to the index."""
    filters = read_time_filters(access, now)
    for name, values in request.filters.items():
        if values:
            filters.append({"terms": {FILTER_FIELDS[name]: list(values)}})
    query: dict = {"must": [text_query(request.q)], "filter": filters}
    if exclusions := ending_exclusions(ending):
        query["must_not"] = exclusions
    if request.specialties:
        query["should"] = [{"terms": {"specialties": list(request.specialties), "boost": SPECIALTY_BOOST}}]
    return {
        "query": {"bool": query},
        "from": (request.page - 1) * request.page_size,
        "size": request.page_size,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
        "sort": ["_score", {"approved_at": "desc"}],
        "aggs": {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in FACET_FIELDS.items()},
        "highlight": HIGHLIGHT,
    }


def compile_suggest(
    q: str, access: SearchAccess, now: datetime, size: int = 10, *, ending: Collection[int] = ()
) -> dict:
    query: dict = {
        "must": [{"match": {"title.suggest": {"query": q, "operator": "and"}}}],
        "filter": read_time_filters(access, now),
    }
    if exclusions := ending_exclusions(ending):
        query["must_not"] = exclusions
    return {
        "query": {"bool": query},
        "size": size * 2,
        "_source": ["approval_id", "title", "type", "job_code"],
    }


def _read_time_query(access: SearchAccess, now: datetime, ending: Collection[int], extra: list[dict]) -> dict:
    query: dict = {"filter": read_time_filters(access, now) + extra}
    if exclusions := ending_exclusions(ending):
        query["must_not"] = exclusions
    return {"bool": query}


def compile_items(
    items: Collection[tuple[str, str]],
    access: SearchAccess,
    now: datetime,
    *,
    market: str | None = None,
    ending: Collection[int] = (),
) -> dict:
    """The documents of these items, as (type, object id), that pass every search's read-time filters.

    For callers that already know which items they want (next-best-content): they get exactly what
    search would show of those items, and nothing it would not.
    """
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_, object_id in items:
        by_type[type_].append(str(object_id))
    wanted = [
        {"bool": {"filter": [{"term": {"type": type_}}, {"terms": {"object_id": sorted(ids)}}]}}
        for type_, ids in sorted(by_type.items())
    ]
    extra = [{"bool": {"should": wanted, "minimum_should_match": 1}}]
    if market:
        extra.append({"term": {"markets": market}})
    return {
        "query": _read_time_query(access, now, ending, extra),
        "size": len(items),
        "_source": SOURCE_FIELDS,
    }


def compile_recent(
    access: SearchAccess,
    now: datetime,
    *,
    since: datetime,
    products: Collection[str],
    market: str | None = None,
    size: int = 10,
    ending: Collection[int] = (),
) -> dict:
    """Approvals since `since` for these product codes, newest first, with the read-time filters."""
    extra = [
        {"range": {"approved_at": {"gte": since.isoformat()}}},
        {"terms": {"products": sorted(products)}},
    ]
    if market:
        extra.append({"term": {"markets": market}})
    return {
        "query": _read_time_query(access, now, ending, extra),
        "size": size,
        "_source": SOURCE_FIELDS,
        "sort": [{"approved_at": "desc"}, {"approval_id": "desc"}],
    }
