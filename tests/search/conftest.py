"""Search tests run against the real Elasticsearch node named by ELASTICSEARCH_URL (`make test` starts one).

Each test session uses its own index prefix (cms.settings.test), each test its own fresh index.
"""

import os
import time

import pytest
from django.conf import settings

from modules.models import Audience, Channel, Specialty
from search.conf import client
from search.index import ApprovedContentIndex
from search.indexing import outbox_drain
from search.services import rep_scope_set
from tests import factories


def _node_problem() -> str | None:
    if not settings.ELASTICSEARCH_URL:
        return "ELASTICSEARCH_URL is not set (run `make test`, which starts the local node)"
    try:
        client().cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:  # noqa: BLE001 - any failure means the node is unusable
        return f"Elasticsearch at {settings.ELASTICSEARCH_URL} does not answer: {exc}"
    return None


@pytest.fixture(scope="session")
def elasticsearch_node():
    """The node's URL; in CI a missing node fails the tests instead of skipping them."""
    problem = _node_problem()
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(problem)
        pytest.skip(problem)
    yield settings.ELASTICSEARCH_URL
    ApprovedContentIndex().drop_all()


@pytest.fixture
def taxonomy(db):
    """The codes the demo uses: audiences, the three assembly channels plus web, two specialties."""
    for code in ("hcp", "patient"):
        Audience.objects.get_or_create(code=code, defaults={"name": code.upper()})
    for code in ("email", "edetail", "invitation", "web"):
        Channel.objects.get_or_create(code=code, defaults={"name": code})
    for code in ("cardiology", "oncology"):
        Specialty.objects.get_or_create(code=code, defaults={"name": code.title()})


@pytest.fixture
def search_index(elasticsearch_node, db, taxonomy, product, market, other_market):
    """A fresh, empty index behind this session's alias, with the products above as synonyms."""
    index = ApprovedContentIndex()
    index.drop_all()
    index.setup()
    yield index
    index.drop_all()


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
