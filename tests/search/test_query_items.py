"""Queries for known items and recent approvals (next-best-content) carry every search's read-time filters."""

from datetime import UTC, datetime

from search.access import SearchAccess
from search.query import compile_items, compile_recent, read_time_filters

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
REP = SearchAccess(markets=frozenset({"US-en"}), channels=frozenset({"email"}), caller="rep")


def test_items_are_looked_up_by_type_and_id_under_the_read_time_filters():
    body = compile_items(
        [("email", "42"), ("claim", "7"), ("email", "3")], REP, NOW, market="US-en", ending=[9]
    )
    query = body["query"]["bool"]
    assert query["filter"][: len(read_time_filters(REP, NOW))] == read_time_filters(REP, NOW)
    assert {"terms": {"markets": ["US-en"]}} in query["filter"]
    assert {"terms": {"channels": ["email"]}} in query["filter"]
    assert {
        "bool": {
            "should": [
                {"bool": {"filter": [{"term": {"type": "claim"}}, {"terms": {"object_id": ["7"]}}]}},
                {"bool": {"filter": [{"term": {"type": "email"}}, {"terms": {"object_id": ["3", "42"]}}]}},
            ],
            "minimum_should_match": 1,
        }
    } in query["filter"]
    assert {"term": {"markets": "US-en"}} in query["filter"]
    assert query["must_not"] == [{"terms": {"approval_id": [9]}}]
    assert body["size"] == 3


def test_recent_approvals_filter_products_and_date_newest_first():
    since = datetime(2026, 2, 1, tzinfo=UTC)
    body = compile_recent(REP, NOW, since=since, products={"CARDIO", "ONCO"}, market="US-en", size=7)
    query = body["query"]["bool"]
    assert {"term": {"status": "approved"}} in query["filter"]
    assert {"range": {"expires_at": {"gt": NOW.isoformat()}}} in query["filter"]
    assert {"range": {"approved_at": {"gte": since.isoformat()}}} in query["filter"]
    assert {"terms": {"products": ["CARDIO", "ONCO"]}} in query["filter"]
    assert "must_not" not in query
    assert body["sort"][0] == {"approved_at": "desc"} and body["size"] == 7
