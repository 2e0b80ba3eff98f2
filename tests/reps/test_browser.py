"""The rep's path in a real browser (Playwright driving Debian's Chromium), at phone and tablet widths.

Screenshots go to the folder printed at the end of the run (REPS_SCREENSHOT_DIR, else var/screenshots/reps).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from reps.models import EmailSend, EngagementEvent
from tests import factories
from tests.reps.conftest import SCREENSHOTS, make_hcp
from tests.search.conftest import sync

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WIDTHS = {"phone": 360, "tablet": 1024}

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="session")
def screenshot_dir():
    path = Path(
        os.environ.get("REPS_SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots" / "reps"
    )
    path.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.append(path)
    return path


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, the ORM uses a connection of its own (asgiref's context-local
        # storage); close it, or it keeps the test database open and it cannot be dropped at the end.
        connections.close_all()


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], (
        f"{page.url} scrolls sideways at {overflow[1]} px: {overflow[0]} px wide"
    )


def snap(page, folder: Path, width_name: str, step: str) -> None:
    no_sideways_scroll(page)
    page.screenshot(path=str(folder / f"{width_name}-{step}.png"), full_page=True)


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_rep_logs_in_picks_an_hcp_searches_previews_and_sends(
    width_name, browser, live_server, search_index, rep, approved_email, smtp_server, screenshot_dir
):
    hcp = make_hcp(rep)
    make_hcp(rep, name="Dr Grace Hopper", email="grace@clinic.example", specialty="oncology")
    sync(search_index)
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 800})
    page.goto(f"{live_server.url}/reps/")
    assert "/reps/login/" in page.url
    snap(page, screenshot_dir, width_name, "1-login")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/reps/")

    # Choosing an HCP never reloads the page by itself (WCAG 3.2.2); Search applies the context.
    page.get_by_label("HCP in front of you").select_option(str(hcp.pk))
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?hcp="))
    assert page.get_by_role("heading", name="Dr Ada Lovelace").is_visible()
    assert page.get_by_text("Nothing sent to Dr Ada Lovelace yet.").is_visible()

    box = page.get_by_label("Search approved content")
    box.press_sequentially("Laun", delay=30)
    # A locator wait, not wait_for_function: the portal's CSP (rightly) forbids the eval that needs.
    page.locator("#suggestions option").first.wait_for(state="attached")
    assert page.eval_on_selector("#suggestions option", "o => o.value") == "Launch email"
    box.fill("launch")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    results = page.locator("ol.results li")
    assert results.count() == 1
    assert approved_email.job_code in results.first.inner_text()
    snap(page, screenshot_dir, width_name, "2-search")

    results.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/reps/content/\d+/"))
    frame = page.frame_locator("iframe.render")
    assert "severe hepatic impairment" in frame.locator("body").inner_text()
    snap(page, screenshot_dir, width_name, "3-preview")

    page.get_by_role("link", name="Send this email to an HCP").click()
    page.wait_for_url(re.compile(r"/send/\?hcp="))
    assert page.get_by_role("heading", name="Exactly what Dr Ada Lovelace will receive").is_visible()
    assert "Dear Dr Ada Lovelace" in page.frame_locator("iframe.render").locator("body").inner_text()
    snap(page, screenshot_dir, width_name, "4-compose")

    page.get_by_role("button", name="Send to Dr Ada Lovelace").click()
    page.wait_for_url(re.compile(r"/reps/sends/\d+/"))
    assert "was sent to Dr Ada Lovelace" in page.inner_text("main")
    snap(page, screenshot_dir, width_name, "5-sent")

    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["To"] == hcp.email
    assert EmailSend.objects.get().status == EmailSend.SENT
    assert EngagementEvent.objects.filter(type="sent").count() == 1

    page.goto(f"{live_server.url}/reps/?hcp={hcp.pk}")
    assert "not opened yet" in page.inner_text(".history")
    snap(page, screenshot_dir, width_name, "6-history")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/reps/login/"))
    page.goto(f"{live_server.url}/reps/")
    assert "/reps/login/" in page.url
