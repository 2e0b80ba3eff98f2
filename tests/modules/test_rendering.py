"""What channels receive: email HTML and text, the e-detail deck, the invitation and its calendar file."""

import icalendar
import pytest
from bs4 import BeautifulSoup

from modules.rendering import (
    PersonalisationError,
    invitation_ics,
    render_edetail,
    render_email,
    render_invitation,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(product, market):
    ref = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=ref)
    isi = factories.safety(product=product, market=market)
    cta = factories.cta(product=product, market=market)
    return factories.email(product=product, market=market, modules=[claim, cta, isi])


def test_email_html_is_table_based_with_inlined_css_isi_and_slots(email):
    rendered = render_email(email, job_code="CARDIO-US-2026-00042")
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.find("table", attrs={"role": "presentation"}) is not None
    assert "<style" not in rendered.html.split("<body", 1)[1]  # rules were moved inline
    assert "padding: 24px 32px" in soup.find("td", class_="content")["style"]
    safety = soup.find(attrs={"data-slot": "safety-information"})
    assert "severe hepatic impairment" in safety.get_text()
    assert soup.find(attrs={"data-slot": "job-code"}).get_text() == "CARDIO-US-2026-00042"
    assert soup.find("a", attrs={"data-slot": "unsubscribe"})["href"] == "{{unsubscribe_url}}"
    assert "Reduces events by 30%.1" in soup.get_text().replace("\n", "")  # claim cites reference 1
    assert "Doe J et al." in soup.get_text()


def test_email_text_alternative_carries_the_same_content(email):
    text = render_email(email).text
    assert "Reduces events by 30%. [1]" in text
    assert "IMPORTANT SAFETY INFORMATION" in text and "severe hepatic impairment" in text
    assert "JOB CODE PENDING APPROVAL" in text
    assert "Visit the HCP site: https://example.com/hcp" in text
    assert "<" not in text


def test_personalisation_fills_only_defined_slots(email):
    rendered = render_email(email, personalisation={"recipient_name": "Dr Jones", "rep_signature": "Sam"})
    assert "Dear Dr Jones," in rendered.text and "Sam" in rendered.text
    with pytest.raises(PersonalisationError, match="Unknown personalisation slot\\(s\\): subject"):
        render_email(email, personalisation={"subject": "Buy now"})


def test_personalisation_is_escaped_in_html(email):
    rendered = render_email(email, personalisation={"recipient_name": "<script>x</script>"})
    assert "<script>x</script>" not in rendered.html and "&lt;script&gt;" in rendered.html


def test_email_renders_the_pinned_revision_not_the_latest_draft(email):
    claim = email.placements.first().module.specific
    claim.statement = "Unapproved superlative claim"
    claim.save_revision()
    assert "Unapproved superlative claim" not in render_email(email).html


def test_edetail_deck_has_slides_in_order_with_job_code(product, market):
    text = factories.text_block(product=product, market=market, body="<p>Welcome, doctor.</p>")
    ref = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=ref)
    edetail = factories.edetail(product=product, market=market, slides=[[text], [claim]])
    soup = BeautifulSoup(render_edetail(edetail, job_code="CARDIO-US-2026-00001"), "html.parser")
    slides = soup.select("section.slide")
    assert [s["aria-label"] for s in slides] == ["Slide 1", "Slide 2", "References"]
    assert "Welcome, doctor." in slides[0].get_text() and "Reduces events" in slides[1].get_text()
    assert all(s.find(attrs={"data-slot": "job-code"}).get_text() == "CARDIO-US-2026-00001" for s in slides)


def test_invitation_html_and_ics(product, market):
    invitation = factories.invitation(product=product, market=market)
    html = render_invitation(invitation)
    assert "Sunshine Act" in html and "https://events.example.com/rsvp/123" in html
    calendar = icalendar.Calendar.from_ical(invitation_ics(invitation))
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/Chicago" and (start.hour, start.minute) == (18, 30)
    assert event.decoded("dtend").hour == 20
    assert "Sunshine Act" in str(event["description"])
    assert str(event["summary"]) == "New frontiers in heart failure"


def test_invitation_calendar_download(admin_client, product, market):
    from django.urls import reverse

    invitation = factories.invitation(product=product, market=market)
    response = admin_client.get(reverse("modules:invitation_calendar", args=[invitation.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_invitation_calendar_needs_permission(client, product, market):
    from django.urls import reverse

    invitation = factories.invitation(product=product, market=market)
    client.force_login(factories.UserFactory())
    response = client.get(reverse("modules:invitation_calendar", args=[invitation.pk]))
    assert response.status_code in (302, 403)


def test_invitation_shows_the_event_time_in_the_event_time_zone(product, market):
    invitation = factories.invitation(product=product, market=market)
    text = BeautifulSoup(render_invitation(invitation), "html.parser").get_text()
    assert "Thursday 4 March 2027, 18:30–20:00 (America/Chicago)" in text


def test_text_alternative_keeps_rich_text_paragraphs_apart(product, market):
    isi = factories.safety(product=product, market=market)
    isi.body = (
        "<p>Boxed warning.</p><p>Bleeding risk &amp; more.</p><ul><li>Dizziness</li><li>Hypotension</li></ul>"
    )
    isi.save_revision()
    factories.approve(isi)
    email = factories.email(product=product, market=market, modules=[isi])
    text = render_email(email).text
    assert "Boxed warning.\nBleeding risk & more.\nDizziness\nHypotension" in text


def test_images_link_to_the_given_host(product, market):
    from django.core.files.base import ContentFile

    from modules.models import Visual
    from modules.rendering import render_module
    from tests.files import tiny_png

    visual = factories.saved(
        Visual(title="Chart", image=ContentFile(tiny_png(), name="c.png"), alt_text="A chart"),
        product=product,
        market=market,
    )
    assert 'src="http://review.example.org:8055/media/' in render_module(
        visual, base_url="http://review.example.org:8055"
    )
