"""The search API's caching, rate limit and published schema."""

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command

from delivery.services import channel_client_create

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search"


@pytest.fixture
def rate(settings):
    cache.clear()

    def set_rate(value):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"search": value}}

    yield set_rate
    cache.clear()


@pytest.mark.parametrize("path", [SEARCH, f"{SEARCH}/suggest?q=car"])
def test_scoped_results_are_never_cached(search_index, rep_client, client, path):
    for response in (rep_client.get(path), client.get(path)):
        assert response.status_code in (200, 401)
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}


def test_a_caller_over_the_rate_gets_429_with_retry_after(search_index, rep_client, client, rate):
    rate("2/minute")
    _channel, token = channel_client_create(name="Web", market_codes=["US-en"], channel_codes=["email"])

    statuses = [rep_client.get(SEARCH).status_code for _ in range(3)]
    over = rep_client.get(SEARCH)

    assert statuses == [200, 200, 429]
    assert int(over["Retry-After"]) > 0
    assert "Request was throttled" in over.json()["detail"]
    # Each caller has its own budget: a channel is not slowed by the rep.
    assert client.get(SEARCH, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_published_schema_declares_the_token_the_errors_and_no_admin_api(tmp_path):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text())
    paths = schema["paths"]
    assert {"/api/v1/search", "/api/v1/search/suggest", "/api/v1/content", "/api/v1/changes"} <= set(paths)
    assert all(path.startswith("/api/v1/") for path in paths)  # no Wagtail admin API, no schema itself
    scheme = schema["components"]["securitySchemes"]["channelToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Bearer <token>" in scheme["description"]
    for name in ("/api/v1/search", "/api/v1/search/suggest"):
        assert {"200", "400", "401", "403", "429", "503"} <= set(paths[name]["get"]["responses"])
    for path_item in paths.values():  # GETs, and POST /api/v1/events
        for operation in path_item.values():
            assert {"channelToken": []} in operation["security"]
