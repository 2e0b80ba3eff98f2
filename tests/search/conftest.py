"""Search test helpers; the node, taxonomy and fresh-index fixtures live in tests/conftest.py.

Each test session uses its own index prefix (cms.settings.test), each test its own fresh index.
"""

import time

import pytest

from search.index import ApprovedContentIndex
from search.indexing import outbox_drain
from search.services import rep_scope_set
from tests import factories


@pytest.fixture
def reference_obj(product, market):
    return factories.reference(product=product, market=market)


@pytest.fixture
def rep(db, taxonomy, market):
    user = factories.UserFactory(username="rep")
    rep_scope_set(user=user, market_codes=["US-en"], channel_codes=["email", "edetail", "invitation"])
    return user


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


def sync(index: ApprovedContentIndex) -> None:
    """What the background task does after each commit, then a refresh so the result is visible."""
    report = outbox_drain()
    assert report.failed == 0, report.errors
    index.refresh()


def eventually(check, timeout: float = 3.0, interval: float = 0.1):
    """Poll `check` until it returns something truthy, or fail with its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def search(api_client, **params):
    response = api_client.get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    return response.json()


def titles(api_client, **params) -> list[str]:
    return [r["title"] for r in search(api_client, **params)["results"]]
