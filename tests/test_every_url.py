"""Every URL × every role on the demo data: no server error, no link to a missing page.

Each demo role (and an anonymous visitor) starts from the product's entry points and every URL
pattern that needs no argument, then follows the same-origin links of each page it may see, as a
person clicking through would. Any 5xx is a bug (a crash, or a screen assuming data another role
or state does not have). Links are followed with GET only; forms are not submitted.
"""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from demo.seed import DEMO_USERS
from search.index import ApprovedContentIndex
from search.indexing import outbox_drain

pytestmark = pytest.mark.elasticsearch

ENTRY_POINTS = [
    "/",
    "/admin/",
    "/reps/",
    "/api/v1/search",
    "/api/v1/content",
    "/api/v1/changes",
    "/api/v1/docs",
]
# Links whose GET ends the session or is not a page of this product.
SKIP = ("/admin/logout/", "/reps/logout", "/static/", "/media/", "/admin/jsi18n/")
# Wagtail's bulk-action links are templates its JavaScript completes with the chosen ids.
JS_COMPLETED = ("/admin/bulk/",)
PER_ROUTE = 1  # distinct URLs visited per URL pattern and role (more pks add time, not coverage)
MAX_PAGES = 700  # per role: a runaway listing (pagination, sort orders) cannot make the test endless


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link", "iframe"):
            for name, value in attrs:
                if name in ("href", "src") and value:
                    self.hrefs.append(value)


def argument_free_paths(resolver=None, prefix="") -> list[str]:
    """Every URL pattern that needs no argument, as a path."""
    resolver = resolver or get_resolver()
    paths = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or "^" in route.lstrip("^") and "(" in route:
            continue
        route = route.lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            paths += argument_free_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return paths


def crawl(client: Client, seeds: list[str]) -> tuple[list[tuple[str, int, str]], int]:
    """Server errors, and links or redirects to missing pages, met while following links from
    `seeds`; ([(url, status, where it was linked from)], pages visited)."""
    queue, seen, per_route, errors = deque((seed, "") for seed in seeds), set(), Counter(), []
    while queue and len(seen) < MAX_PAGES:
        path, source = queue.popleft()
        if path in seen or path.startswith(SKIP):
            continue
        try:
            route = resolve(urlsplit(path).path).route
        except Resolver404:
            continue
        if per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        seen.add(path)
        response = client.get(path)
        dead_link = response.status_code == 404 and source and not path.startswith(JS_COMPLETED)
        if response.status_code >= 500 or dead_link:
            errors.append((path, response.status_code, source))
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append((urljoin(path, response["Location"]), path))
            continue
        if "text/html" not in response.get("Content-Type", "") or response.streaming:
            continue
        parser = Links()
        parser.feed(response.content.decode("utf-8", "replace"))
        for href in parser.hrefs:
            target = urldefrag(urljoin(path, href))[0]
            parts = urlsplit(target)
            if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
                queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), path))
    return errors, len(seen)


@pytest.fixture
def demo_data(elasticsearch_node, db):
    index = ApprovedContentIndex()
    index.drop_all()
    index.setup()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    outbox_drain()  # what the worker does after the commit a test transaction never makes
    index.refresh()
    yield
    index.drop_all()


def test_no_url_answers_any_role_with_a_server_error_or_a_dead_link(demo_data):
    found, visited = {}, {}
    for username in [None, *[user[0] for user in DEMO_USERS]]:
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        errors, visited[username or "anonymous"] = crawl(client, ENTRY_POINTS + argument_free_paths())
        if errors:
            found[username or "anonymous"] = errors
    assert min(visited.values()) > 5, visited
    assert visited["admin"] > 150, visited
    print(f"\npages visited per role: {visited}")
    for role, errors in found.items():
        print(role, errors)
    assert found == {}
