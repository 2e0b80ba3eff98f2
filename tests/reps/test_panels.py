"""The HCP-context panel registry: apps to the right of reps add panels without reps importing them."""

import logging

import pytest
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from reps import panels
from tests.reps.conftest import make_hcp, make_rep

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def registry(monkeypatch):
    """This test's providers only (the engagement app registers its own at start-up)."""
    monkeypatch.setattr(panels, "_providers", [])
    return panels


def test_a_registered_panel_shows_in_the_hcp_context_only(search_index, rep_client, rep, hcp, registry):
    seen = []

    def visit_notes(*, rep, hcp):
        seen.append((rep.pk, hcp.pk))
        return format_html('<section class="notes">Notes for {}</section>', hcp.name)

    registry.register(visit_notes)
    registry.register(visit_notes)  # registering twice shows it once
    page = rep_client.get("/reps/", {"hcp": hcp.pk})
    assert page.status_code == 200
    assert page.content.decode().count("Notes for Dr Ada Lovelace") == 1
    assert seen == [(rep.pk, hcp.pk)]
    assert "Notes for" not in rep_client.get("/reps/").content.decode()  # no HCP chosen


def test_a_failing_panel_is_logged_and_left_out(search_index, rep_client, hcp, registry, caplog):
    def broken(*, rep, hcp):
        raise RuntimeError("table missing")

    registry.register(broken)
    registry.register(lambda *, rep, hcp: mark_safe("<p>still here</p>"))
    with caplog.at_level(logging.ERROR, logger="reps.panels"):
        page = rep_client.get("/reps/", {"hcp": hcp.pk})
    assert page.status_code == 200 and "still here" in page.content.decode()
    assert "HCP panel broken failed" in caplog.text and "table missing" in caplog.text


def test_another_reps_hcp_gets_no_panel(search_index, rep_client, registry, db):
    other = make_rep("other")
    theirs = make_hcp(other, email="theirs@clinic.example", name="Dr Theirs")
    registry.register(lambda *, rep, hcp: format_html("<p>panel for {}</p>", hcp.name))
    assert "panel for" not in rep_client.get("/reps/", {"hcp": theirs.pk}).content.decode()
