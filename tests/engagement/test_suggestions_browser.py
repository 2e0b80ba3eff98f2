"""The rep sees "Suggested next" in an HCP's context in Chromium, at phone and tablet widths, and
follows a suggestion to the approved preview and to the send flow.

Screenshots go to var/screenshots/suggestions (or SUGGESTIONS_SCREENSHOT_DIR).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories
from tests.engagement.conftest import approval_of, backdated
from tests.engagement.suggesting import engaged, refreshed
from tests.reps.conftest import make_hcp, make_rep
from tests.reps.test_browser import CHROMIUM, WIDTHS, browser, snap  # noqa: F401 (fixture)
from tests.search.conftest import sync

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="session")
def screenshot_dir():
    path = Path(
        os.environ.get("SUGGESTIONS_SCREENSHOT_DIR")
        or Path(settings.BASE_DIR) / "var" / "screenshots" / "suggestions"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_rep_sees_suggested_next_with_reasons_and_opens_preview_and_send(
    width_name,
    browser,  # noqa: F811 (the fixture imported above)
    live_server,
    search_index,
    us_channel,
    us_email,
    product,
    market,
    screenshot_dir,  # noqa: F811
):
    client, _ = us_channel
    rep = make_rep("rep")
    hcp = make_hcp(rep, name="Dr Amara Okoye", email="okoye@clinic.example")
    dosing = backdated(factories.text_block(product=product, market=market, title="Dosing guide"))
    renal = backdated(
        factories.text_block(product=product, market=market, title="Renal outcomes at 24 months")
    )
    peers = [make_hcp(None, name=f"Dr Peer {n}", email=f"peer{n}@clinic.example") for n in range(3)]
    for peer in peers[:2]:
        engaged(client, dosing, peer, "opened", "clicked")
        engaged(client, us_email, peer, "opened")
    engaged(client, renal, peers[2], "opened")
    engaged(client, dosing, hcp, "opened")
    sync(search_index)
    refreshed()
    email = approval_of(us_email)

    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 800})
    page.goto(f"{live_server.url}/reps/login/")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/reps/")
    page.get_by_label("HCP in front of you").select_option(str(hcp.pk))
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?hcp="))

    panel = page.locator("section.suggested-next")
    assert panel.get_by_role("heading", name="Suggested next", exact=True).is_visible()
    first = panel.locator("li.suggestion").first
    assert first.locator("a.title").inner_text() == "Launch email"
    assert (
        first.locator(".reason").inner_text()
        == "HCPs in Cardiology who viewed Dosing guide also opened Launch email"
    )
    assert email.job_code in first.inner_text()
    assert "Renal outcomes at 24 months" in panel.inner_text()
    panel.scroll_into_view_if_needed()
    snap(page, screenshot_dir, width_name, "1-suggested-next")

    first.get_by_role("link", name="Send to Dr Amara Okoye").click()
    page.wait_for_url(re.compile(rf"/reps/content/{email.pk}/send/\?hcp={hcp.pk}"))
    assert page.get_by_role("heading", name="Exactly what Dr Amara Okoye will receive").is_visible()
    snap(page, screenshot_dir, width_name, "2-send")

    page.go_back()
    page.locator("section.suggested-next li.suggestion").first.locator("a.title").click()
    page.wait_for_url(re.compile(rf"/reps/content/{email.pk}/\?hcp={hcp.pk}"))
    assert email.job_code in page.inner_text("main")
    snap(page, screenshot_dir, width_name, "3-preview")
