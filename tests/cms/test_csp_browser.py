"""The admin and the review screens work under the Content-Security-Policy, in real headless Chromium."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from modules.models import TextBlock
from review import roles, services
from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Collects violations from inside the page; Playwright injects it outside the page's CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${where}`);
});
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page_tree(transactional_db):
    """Wagtail's root page and site, made by its migrations and removed by an earlier test's flush;
    the admin dashboard's site summary needs them."""
    from wagtail.models import Locale, Page, Site

    if not Page.objects.filter(depth=1).exists():
        Locale.objects.get_or_create(language_code="en")
        root = Page.add_root(title="Root", slug="root")
        Site.objects.get_or_create(
            hostname="localhost", defaults={"root_page": root, "is_default_site": True}
        )


@pytest.fixture
def claim_in_review(transactional_db, page_tree, product, market):
    roles.ensure_role_groups()
    author = factories.UserFactory(username="alex")
    author.groups.add(Group.objects.get(name=roles.AUTHORS))
    reference = factories.reference(product=product, market=market, publish=False)
    claim = factories.claim(product=product, market=market, reference_obj=reference, publish=False)
    services.review_submit(obj=claim, user=author)
    claim.refresh_from_db()
    factories.text_block(product=product, market=market, publish=False)
    return claim


def test_admin_and_review_screens_load_without_csp_violations(
    browser, live_server, admin_user, claim_in_review
):
    task_state = claim_in_review.current_workflow_state.current_task_state
    text_block = TextBlock.objects.get()
    pages = [
        ("dashboard", "/admin/"),
        ("claim editor", reverse("wagtailsnippets_modules_claim:edit", args=[claim_in_review.pk])),
        ("text block editor", reverse("wagtailsnippets_modules_textblock:edit", args=[text_block.pk])),
        ("review dashboard", reverse("review:dashboard")),
        ("review screen", reverse("review:task", args=[task_state.pk])),
        ("sign-in lockouts", reverse("login_lockouts:index")),
    ]
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    console_csp = []
    page.on(
        "console",
        lambda message: (
            console_csp.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    seen = {"sign-in": page.evaluate("window.__cspViolations")}
    for name, path in pages:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200, name
        assert "Content-Security-Policy" in {key.title(): v for key, v in response.headers.items()}, name
        seen[name] = page.evaluate("window.__cspViolations")

    assert {name: violations for name, violations in seen.items() if violations} == {}
    assert console_csp == []
    # The admin's scripts ran: Wagtail's rich-text editor (Draftail, a React app) rendered.
    page.goto(f"{live_server.url}{pages[2][1]}")
    page.wait_for_selector(".Draftail-Editor", timeout=10_000)


def test_the_api_docs_run_from_our_own_files_under_the_csp(browser, live_server, db):
    """Swagger UI at /api/v1/docs: it lists the operations, and every request stays on this server."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.add_init_script(RECORD_VIOLATIONS)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "nodes => nodes.map(n => n.textContent)")
    assert "/api/v1/search" in paths and "/api/v1/content/{item_id}" in paths
    assert page.evaluate("window.__cspViolations") == []
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    shots = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "api-docs"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "docs-1366.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "docs-390.png"))
    page.close()
