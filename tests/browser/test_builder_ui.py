"""An author builds an e-detail in real Chromium: the scoped chooser, the readiness panel, submit."""

import re

import pytest
from wagtail.models import WorkflowState

from modules.models import EDetail
from modules.rendering import render_email
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library(product, market, other_market):
    ref = factories.reference(product=product, market=market)
    return {
        "opening": factories.text_block(product=product, market=market, title="Opening statement"),
        "claim": factories.claim(product=product, market=market, reference_obj=ref, title="Efficacy claim"),
        "closing": factories.text_block(product=product, market=market, title="Closing call"),
        "isi": factories.safety(product=product, market=market),
        "draft": factories.text_block(product=product, market=market, title="Unapproved copy", publish=False),
        "elsewhere": factories.text_block(product=product, market=other_market, title="Other market copy"),
    }


def log_in(page, base_url):
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))


def choose_in_modal(page, opener, label):
    page.click(opener)
    modal = page.locator(".modal.in").last
    modal.get_by_role("link", name=label, exact=True).first.wait_for()
    rows = modal.locator("table").inner_text()
    modal.get_by_role("link", name=label, exact=True).first.click()
    modal.wait_for(state="hidden")
    return rows


def add_module(page, slide, index, title):
    """Add a module inside a slide (0-based) through the slide's own inline panel and the chooser."""
    page.click(f"#id_slides-{slide}-placements-ADD")
    chooser = f"#id_slides-{slide}-placements-{index}-module-chooser [data-chooser-action-choose]"
    return choose_in_modal(page, chooser, title)


def readiness(page) -> str:
    return re.sub(r"\s+", " ", page.locator("[data-readiness]").inner_text())


def no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def deck(edetail) -> list:
    edetail = EDetail.objects.get(pk=edetail.pk).get_latest_revision_as_object()
    return [(s.title, [p.module.title for p in ps]) for s, ps in edetail.slides_with_placements()]


def test_author_builds_an_edetail_from_approved_modules_then_adds_an_unapproved_one(
    live_server, browser, screenshots, admin_user, product, market, taxonomy, library
):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/snippets/modules/edetail/add/")
    page.fill("#id_title", "Launch deck")
    choose_in_modal(page, "#id_product-chooser [data-chooser-action-choose]", str(product))
    choose_in_modal(page, "#id_market-chooser [data-chooser-action-choose]", str(market))
    page.select_option("#id_audiences", index=0)
    page.select_option("#id_owner", label=admin_user.get_full_name() or "admin")
    for number, title in enumerate(["Why now", "The data", "Next steps"]):
        page.click("#id_slides-ADD")
        page.fill(f"#id_slides-{number}-title", title)

    rows = add_module(page, 0, 0, "Opening statement")
    # The chooser starts at approved modules of this product, market and channel.
    assert "Efficacy claim" in rows and "Closing call" in rows
    assert "Unapproved copy" not in rows and "Other market copy" not in rows
    assert "Approved ·" in rows and "Text block" in rows
    add_module(page, 1, 0, "Efficacy claim")
    add_module(page, 0, 1, "Closing call")  # on the first slide for now
    with page.expect_navigation():  # the save's own redirect: a page autosave already moved to is not it
        page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/edetail/edit/\d+/$"))
    edetail = EDetail.objects.get(pk=int(re.search(r"/edit/(\d+)/", page.url).group(1)))
    assert deck(edetail) == [
        ("Why now", ["Opening statement", "Closing call"]),
        ("The data", ["Efficacy claim"]),
        ("Next steps", []),
    ]
    page.locator("[data-slide-regions]").first.wait_for()
    assert page.locator("[data-slide-regions]").count() == 3  # each slide names its layout's regions

    # Move "Closing call" to the last slide by choosing it.
    page.get_by_role("link", name="Move modules between slides").click()
    page.wait_for_url(re.compile(r".*/edetail/\d+/slides/$"))
    closing = page.locator("[data-slide='1'] li", has_text="Closing call")
    closing.locator("select[name=to_slide]").select_option(label="Slide 3: Next steps")
    page.screenshot(path=screenshots / "edetail-arrange-1366.png", full_page=True)
    closing.get_by_role("button", name="Move").click()
    page.wait_for_load_state()
    assert "Module moved" in page.inner_text("body")
    assert deck(edetail) == [
        ("Why now", ["Opening statement"]),
        ("The data", ["Efficacy claim"]),
        ("Next steps", ["Closing call"]),
    ]
    for width in (390, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=screenshots / f"edetail-arrange-{width}.png", full_page=True)
        assert no_sideways_scroll(page) <= 0, f"the arrange page scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Back to the editor").click()
    page.wait_for_url(re.compile(r".*/edetail/edit/\d+/$"))

    assert "All 3 modules approved → Assembly review" in readiness(page)
    assert page.locator("[data-pin-summary]").count() == 3
    page.screenshot(path=screenshots / "edetail-assembly-review-1366.png", full_page=True)
    page.locator("[data-pin-summary]").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "edetail-pins-1366.png")

    page.click("#id_slides-1-placements-ADD")
    page.click("#id_slides-1-placements-1-module-chooser [data-chooser-action-choose]")
    modal = page.locator(".modal.in").last
    modal.get_by_role("link", name="Closing call", exact=True).wait_for()
    assert "Unapproved copy" not in modal.locator("table").inner_text()
    # Widen the status filter to find the draft, then pick it.
    modal.locator("select[name=status]").select_option("any")
    modal.get_by_role("link", name="Unapproved copy", exact=True).click()
    modal.wait_for(state="hidden")
    with page.expect_navigation():  # the save's own redirect: a page autosave already moved to is not it
        page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    text = readiness(page)
    assert "Full MLR" in text and "“Unapproved copy”" in text and "not been approved" in text
    assert "All 4 modules approved" not in text
    assert deck(edetail)[1] == ("The data", ["Efficacy claim", "Unapproved copy"])
    page.screenshot(path=screenshots / "edetail-full-mlr-1366.png", full_page=True)
    for width in (390, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=screenshots / f"edetail-full-mlr-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.locator("footer [data-w-dropdown-target=toggle], footer .w-dropdown__toggle").first.click()
    with page.expect_navigation():  # the submit's redirect, not the page already loaded
        page.locator("button[name=action-submit]").click()
    state = WorkflowState.objects.get(
        base_content_type=EDetail.get_base_content_type(), object_id=str(edetail.pk)
    )
    assert state.workflow.name == "Full MLR" and state.status == WorkflowState.STATUS_IN_PROGRESS


def test_author_makes_a_variant_for_another_market_and_sees_what_needs_review(
    live_server, browser, screenshots, admin_user, product, market, other_market, taxonomy, library
):
    both = factories.text_block(product=product, market=market, title="Both markets copy")
    both.markets.add(other_market)
    both.save()
    both.save_revision()
    factories.approve(both)
    edetail = factories.edetail(
        product=product, market=market, slides=[[both, library["opening"]], [library["claim"]]]
    )
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/snippets/modules/edetail/edit/{edetail.pk}/")
    page.get_by_role("link", name="New variant for another market").click()
    page.wait_for_url(re.compile(r".*/variant/$"))
    page.select_option("#id_market", label=f"{other_market.name} ({other_market.code})")
    page.screenshot(path=screenshots / "variant-form-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=screenshots / "variant-form-390.png", full_page=True)
    assert no_sideways_scroll(page) <= 0, "the variant form scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Create the variant").click()
    page.wait_for_url(re.compile(r".*/edetail/edit/\d+/$"))
    body = re.sub(r"\s+", " ", page.inner_text("body"))
    assert f"created for {other_market.code}" in body
    assert f"Not carried over: Text block “Opening statement” is not for market {other_market.code}." in body
    variant = EDetail.objects.get(pk=int(re.search(r"/edit/(\d+)/", page.url).group(1)))
    assert variant.market == other_market and variant.pk != edetail.pk
    assert deck(variant) == [("Slide 1", ["Both markets copy"]), ("Slide 2", [])]
    assert "All 1 module approved → Assembly review" in readiness(page)
    page.screenshot(path=screenshots / "variant-created-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=screenshots / "variant-created-390.png", full_page=True)


def test_email_render_does_not_scroll_sideways_on_a_phone(browser, screenshots, product, market, library):
    email = factories.email(
        product=product, market=market, modules=[library["opening"], library["claim"], library["isi"]]
    )
    html = render_email(email).html
    assert "<table" in html and 'style="' in html  # still table-based with inlined CSS
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.set_content(html)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=screenshots / "email-360.png", full_page=True)
    assert overflow <= 0, f"the email scrolls sideways by {overflow}px at 360 px"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=screenshots / "email-1366.png", full_page=True)
    width = page.evaluate("document.querySelector('table.container').getBoundingClientRect().width")
    assert width == 600  # desktop keeps the 600 px layout
