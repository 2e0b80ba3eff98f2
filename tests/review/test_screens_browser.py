"""The review desk in real Chromium at desktop (1366 px) and phone (390 px) widths.

Each test logs a real user in, opens a screen on the live server and checks that the controls a
user must reach (Withdraw, Sign, review links) are visible, can be scrolled to, and are not cut off
by an ancestor that hides overflow. Screenshots go to var/screenshots/desk/ (the run prints it).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from review import roles, services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "desk"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

REACHABLE_JS = (Path(__file__).parent / "js" / "reachable.js").read_text()


@pytest.fixture(scope="module")
def browser():
    missing = None
    try:
        from playwright import sync_api
    except ImportError:
        missing = "the playwright package is not installed (see requirements.txt)"
    if missing is None and not Path("/usr/bin/chromium").exists():
        missing = "Debian's chromium is not installed (apt-get install -y chromium)"
    if missing:
        # Like the search tests: skipped on a bare machine, a failure in CI.
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(missing)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are still
    # synchronous test set-up, not async code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nScreenshots: {SCREENSHOTS}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_as(browser, live_server, user, path, width):
    client = Client()
    client.force_login(user)
    viewport_width, height = WIDTHS[width]
    context = browser.new_context(viewport={"width": viewport_width, "height": height})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    response = page.goto(live_server.url + path)
    assert response.status == 200, response.status
    return page


def assert_reachable(page, locator, what):
    assert locator.count() > 0, f"{what} is not on the page"
    control = locator.first
    assert control.is_visible(), f"{what} is not visible"
    verdict = control.evaluate(REACHABLE_JS)
    assert verdict == "ok", f"{what} {verdict}"


def shoot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def desk(product, market):
    """Two approved claims (withdrawable), one claim in review, and a coordinator."""
    roles.ensure_role_groups()
    author = factories.UserFactory(username="alex", first_name="Alex", last_name="Author")
    author.groups.add(Group.objects.get(name=roles.AUTHORS))
    ref = factories.reference(product=product, market=market)
    approved = [
        factories.claim(
            product=product,
            market=market,
            reference_obj=ref,
            user=author,
            publish=True,
            statement=f"Cardiozen lowers stroke risk in study arm {n} with a long statement to fill a cell",
        )
        for n in (1, 2)
    ]
    in_review = factories.claim(product=product, market=market, reference_obj=ref, user=author, publish=False)
    services.review_submit(obj=in_review, user=author)
    in_review.refresh_from_db()
    coordinator = factories.UserFactory(username="cora", first_name="Cora", last_name="Coordinator")
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    return {
        "approved": approved,
        "in_review": in_review,
        "task_state": in_review.current_workflow_state.current_task_state,
        "coordinator": coordinator,
        "regulatory": factories.reviewer(roles.REGULATORY),
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_withdraw_is_reachable_on_the_approvals_list(browser, live_server, desk, width):
    page = open_as(browser, live_server, desk["coordinator"], reverse("review:approvals"), width)
    shoot(page, f"approvals-{width}")
    withdraw = page.get_by_role("link", name="Withdraw", exact=True)
    assert withdraw.count() == 3  # the two claims and their reference
    for n in range(3):
        assert_reachable(page, withdraw.nth(n), f"Withdraw #{n + 1}")
    shoot(page, f"approvals-scrolled-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_review_links_are_reachable(browser, live_server, desk, width):
    page = open_as(browser, live_server, desk["regulatory"], reverse("review:dashboard"), width)
    shoot(page, f"dashboard-reviewer-{width}")
    assert_reachable(page, page.get_by_role("link", name=desk["in_review"].title), "the review link")
    assert_reachable(page, page.get_by_text("Due (UTC)").first, "the Due column")

    page = open_as(browser, live_server, desk["coordinator"], reverse("review:dashboard"), width)
    shoot(page, f"dashboard-coordinator-{width}")
    assert_reachable(page, page.get_by_role("link", name=desk["in_review"].title), "the review link")
    assert_reachable(page, page.get_by_text("Due (UTC)").first, "the Due column")


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_is_reachable_on_the_review_screen(browser, live_server, desk, width):
    path = reverse("review:task", args=[desk["task_state"].pk])
    page = open_as(browser, live_server, desk["regulatory"], path, width)
    shoot(page, f"review-{width}")
    assert_reachable(page, page.get_by_role("button", name="Sign", exact=True), "Sign")
    assert_reachable(page, page.get_by_label("Password"), "the password field")
    shoot(page, f"review-sign-{width}")  # Wagtail scrolls its content area: shoot where Sign is
    # Only the meanings that fit the chosen decision are offered.
    meaning = page.get_by_label("Meaning")
    box = meaning.bounding_box()
    assert box["x"] + box["width"] <= WIDTHS[width][0], "the meaning list runs off the screen"
    page.get_by_label("Changes requested").check()
    assert meaning.input_value().startswith("Changes requested")
    page.get_by_label("Approved").check()
    assert meaning.input_value().startswith("Approved")
    offered = meaning.evaluate(
        "s => [...s.querySelectorAll('option')].filter(o => !o.parentElement.disabled).map(o => o.value)"
    )
    assert offered and all(value.startswith("Approved") for value in offered)


@pytest.mark.parametrize("width", WIDTHS)
def test_withdraw_asks_for_confirmation_then_withdraws(browser, live_server, desk, width):
    page = open_as(browser, live_server, desk["coordinator"], reverse("review:approvals"), width)
    page.get_by_role("link", name="Withdraw", exact=True).first.click()
    page.get_by_label("Reason").fill("Superseded by the new label.")
    toggle = page.get_by_role("button", name="Withdraw…")
    assert_reachable(page, toggle, "Withdraw…")
    toggle.click()
    confirm = page.get_by_role("button", name="Withdraw now")
    confirm.wait_for(state="visible")
    shoot(page, f"withdraw-dialog-{width}")
    assert_reachable(page, confirm, "Withdraw now")
    confirm.click()
    page.wait_for_url("**/impact/")
    assert "Withdrawn" in page.content()
