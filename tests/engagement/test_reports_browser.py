"""The assembly report in real Chromium at 1366 and 390 px: charts drawn by the vendored Chart.js.

Screenshots go to var/screenshots/engagement/ (the run prints it); look at them after a change.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from engagement.rollup import rollup_all
from engagement.services import record_events
from tests import factories
from tests.engagement.conftest import backdated, event
from tests.review.test_screens_browser import WIDTHS, browser, open_as  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "engagement"
# Counts the canvas pixels that are not transparent: a drawn chart has thousands.
PAINTED_JS = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
  return painted;
}"""


@pytest.fixture
def report_data(taxonomy, product, market, us_channel, cardiologist):
    reference = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=reference)
    email = factories.email(
        product=product, market=market, modules=[claim, factories.safety(product=product, market=market)]
    )
    factories.approve(email)
    backdated(email)
    now = datetime.now(UTC)
    batch = [
        event(
            email,
            n,
            type=["sent", "opened", "clicked", "sent"][n % 4],
            hcp_id=str(cardiologist.pseudonym) if n % 3 == 0 else f"hcp-{n % 11}",
            when=now - timedelta(days=n % 35, hours=2),
        )
        for n in range(1, 301)
    ]
    client, _token = us_channel
    assert record_events(client=client, events=batch).stored == 300
    rollup_all()
    return email


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_assembly_report_draws_its_charts(browser, live_server, admin_user, report_data, width):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = open_as(
        browser, live_server, admin_user, f"/admin/engagement/assemblies/email-{report_data.pk}/", width
    )
    page.wait_for_selector("canvas[data-drawn='true']")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() == 4
    for index in range(canvases.count()):
        assert canvases.nth(index).evaluate(PAINTED_JS) > 1000, f"chart {index + 1} is blank"
    # Every chart has its table fallback; nothing scrolls the page sideways.
    assert page.locator("figure.engagement-chart table").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(SCREENSHOTS / f"assembly-{width}.png"), full_page=True)
    chart = page.locator("figure.engagement-chart").first
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(SCREENSHOTS / f"assembly-{width}-chart.png"))
    print(f"\nEngagement report screenshots: {SCREENSHOTS}")
