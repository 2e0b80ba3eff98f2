"""Query compilation as dict assertions: no server needed."""

from datetime import UTC, datetime

from search.access import SearchAccess
from search.query import SPECIALTY_BOOST, SearchRequest, compile_search, compile_suggest

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
REP = SearchAccess(markets=frozenset({"US-en"}), channels=frozenset({"email", "edetail"}))


def test_every_query_filters_on_status_expiry_and_scope():
    body = compile_search(SearchRequest(q="bleeding"), REP, NOW)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"status": "approved"}},
        {"range": {"expires_at": {"gt": "2026-05-01T12:00:00+00:00"}}},
        {"terms": {"markets": ["US-en"]}},
        {"terms": {"channels": ["edetail", "email"]}},
    ]


def test_unrestricted_access_still_filters_status_and_expiry():
    body = compile_search(SearchRequest(), SearchAccess.unrestricted(), NOW)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"status": "approved"}},
        {"range": {"expires_at": {"gt": "2026-05-01T12:00:00+00:00"}}},
    ]
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]


def test_filters_paging_and_specialty_boost():
    request = SearchRequest(
        q="dose",
        filters={"type": ("claim",), "product": ("CARDIO",)},
        specialties=("cardiology",),
        page=3,
        page_size=10,
    )
    body = compile_search(request, REP, NOW)
    assert {"terms": {"type": ["claim"]}} in body["query"]["bool"]["filter"]
    assert {"terms": {"products": ["CARDIO"]}} in body["query"]["bool"]["filter"]
    assert body["query"]["bool"]["should"] == [
        {"terms": {"specialties": ["cardiology"], "boost": SPECIALTY_BOOST}}
    ]
    assert (body["from"], body["size"]) == (20, 10)
    assert set(body["aggs"]) == {"product", "market", "audience", "channel", "type", "specialty"}


def test_job_code_is_matched_exactly():
    body = compile_search(SearchRequest(q="cardio-us-2026-00042"), REP, NOW)
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"term": {"job_code": {"value": "CARDIO-US-2026-00042", "boost": 10}}} in should


def test_suggest_uses_the_same_read_time_filters():
    body = compile_suggest("ren", REP, NOW)
    assert body["query"]["bool"]["filter"][0] == {"term": {"status": "approved"}}
    assert body["query"]["bool"]["must"] == [
        {"match": {"title.suggest": {"query": "ren", "operator": "and"}}}
    ]


def test_endings_in_flight_are_excluded_from_hits_totals_and_facets():
    body = compile_search(SearchRequest(q="dose"), REP, NOW, ending={42, 7})
    # must_not applies before hits are counted and aggregated, so total and facets agree with results.
    assert body["query"]["bool"]["must_not"] == [{"terms": {"approval_id": [7, 42]}}]
    assert "must_not" not in compile_search(SearchRequest(q="dose"), REP, NOW)["query"]["bool"]
    suggest = compile_suggest("ren", REP, NOW, ending=[3])
    assert suggest["query"]["bool"]["must_not"] == [{"terms": {"approval_id": [3]}}]
