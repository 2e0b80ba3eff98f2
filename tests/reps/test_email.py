"""Rep-triggered approved email over a real local SMTP server: content, headers, tracking, refusals."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from modules.rendering import render_email
from reps import links, services
from reps.models import HCP, EmailSend, EngagementEvent
from reps.rendering import slot_values
from review import roles
from review.models import ApprovalRecord, AuditEntry
from review.services import content_withdraw
from tests import factories
from tests.reps.conftest import make_hcp, make_rep

ISI = "Do not use in patients with severe hepatic impairment."


def compose(client, approval, hcp):
    page = client.get(reverse("reps:email_compose", args=[approval.pk]), {"hcp": hcp.pk})
    assert page.status_code == 200, page.content
    return re.search(r'name="send_token" value="([0-9a-f-]+)"', page.content.decode()).group(1)


def send(client, approval, hcp, token, capture):
    with capture(execute=True):
        return client.post(
            reverse("reps:email_compose", args=[approval.pk]), {"hcp": hcp.pk, "send_token": token}
        )


def html_of(message) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def sent(rep_client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks):
    token = compose(rep_client, approved_email, hcp)
    response = send(rep_client, approved_email, hcp, token, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    return EmailSend.objects.get(send_token=token), smtp_server.messages


def test_the_received_message_is_the_approved_rendering_with_only_the_slots_filled(
    sent, rep, hcp, approved_email, rep_client
):
    record, messages = sent
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == hcp.email
    assert message["From"] == f"Riley Rep <{'mlr@localhost'}>"
    assert message["Reply-To"] == rep.email
    assert message["Message-ID"] == record.message_id
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip().strip("<>")
    assert path_of(unsubscribe_url).startswith("/reps/u/")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = html_of(message)
    for body in (text, html):
        assert ISI in body and approved_email.job_code in body and "Dr Ada Lovelace" in body
    # Undo the tracking (click redirects back to their targets, the pixel removed): what is left is
    # exactly the approved revision rendered with the four slots filled from records.
    untracked = re.sub(r'\n?<img src="[^"]*/reps/t/o/[^"]*"[^>]*>', "", html)
    for token in re.findall(r'href="[^"]*/reps/t/c/([^/"]+)/"', html):
        untracked = re.sub(
            rf'href="[^"]*/reps/t/c/{re.escape(token)}/"',
            f'href="{links.click_token_target(token)[1]}"',
            untracked,
        )
    expected = render_email(
        approved_email.revision.as_object(),
        job_code=approved_email.job_code,
        personalisation=slot_values(hcp=hcp, rep=rep, send_token=str(record.send_token)),
        base_url="http://testserver",
    ).html
    # The unsubscribe token is signed with the time in seconds, so one signed again here differs when
    # a second boundary passed since the send: compare the tokens by what they carry, the rest as is.
    unsubscribe = re.compile(r"/reps/u/([^/\"]+)/")
    assert {links.unsubscribe_token_send(t) for t in unsubscribe.findall(untracked)} == {
        str(record.send_token)
    }
    untracked, expected = (unsubscribe.sub("/reps/u/TOKEN/", body) for body in (untracked, expected))
    assert untracked.strip() == expected.replace("\r\n", "\n").strip()
    assert record.status == EmailSend.SENT and record.link_targets == ["https://example.com/hcp"]
    status = rep_client.get(reverse("reps:send_status", args=[record.pk]))
    assert b"was sent to Dr Ada Lovelace" in status.content


def test_the_send_is_audited_and_recorded_as_an_event(sent, rep, hcp, approved_email):
    record, _ = sent
    entry = AuditEntry.objects.get(action="reps.email_sent")
    assert entry.actor == rep and entry.revision_id == approved_email.revision_id
    assert entry.data["message_id"] == record.message_id and entry.data["to"] == hcp.email
    assert entry.data["job_code"] == approved_email.job_code
    event = EngagementEvent.objects.get(type="sent")
    assert (event.hcp_pseudonym, event.approval, event.revision_id) == (
        hcp.pseudonym,
        approved_email,
        approved_email.revision_id,
    )


def test_open_pixel_and_click_redirect_record_events(sent, hcp):
    record, messages = sent
    html = html_of(messages[0])
    visitor = Client()
    pixel = re.search(r'<img src="([^"]*/reps/t/o/[^"]+)"', html).group(1)
    opened = visitor.get(path_of(pixel))
    assert opened.status_code == 200 and opened["Content-Type"] == "image/gif"
    click = re.search(r'href="([^"]*/reps/t/c/[^"]+)"', html).group(1)
    redirected = visitor.get(path_of(click))
    assert redirected.status_code == 302 and redirected["Location"] == "https://example.com/hcp"
    events = list(EngagementEvent.objects.filter(send=record).values_list("type", "url", "hcp_pseudonym"))
    assert events == [
        ("sent", "", hcp.pseudonym),
        ("opened", "", hcp.pseudonym),
        ("clicked", "https://example.com/hcp", hcp.pseudonym),
    ]


def test_forged_or_altered_tracking_links_get_404_and_record_nothing(sent):
    record, messages = sent
    html = html_of(messages[0])
    click = path_of(re.search(r'href="([^"]*/reps/t/c/[^"]+)"', html).group(1))
    pixel = path_of(re.search(r'<img src="([^"]*/reps/t/o/[^"]+)"', html).group(1))
    token = click.split("/")[-2]
    visitor = Client()
    forged = [
        click.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        pixel[:-3] + "x/",
        links.click_path(str(record.send_token), "https://evil.example/phish"),  # signed, but not approved
        links.click_path("not-a-uuid", "https://example.com/hcp"),
        reverse("reps:track_click", args=[links._dumps(str(record.send_token), links.OPEN_SALT)]),
        "/reps/t/c/garbage/",
    ]
    for path in forged:
        assert visitor.get(path).status_code == 404, path
    assert list(EngagementEvent.objects.values_list("type", flat=True)) == ["sent"]


def test_unsubscribe_one_click_withdraws_consent_and_later_sends_are_refused(
    sent, rep_client, hcp, approved_email, smtp_server, django_capture_on_commit_callbacks
):
    record, messages = sent
    url = path_of(messages[0]["List-Unsubscribe"].strip().strip("<>"))
    visitor = Client(enforce_csrf_checks=True)
    confirm = visitor.get(url)
    assert confirm.status_code == 200 and b"Unsubscribe" in confirm.content
    assert HCP.objects.get(pk=hcp.pk).has_consent  # a GET (link scanner) changes nothing
    done = visitor.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    hcp.refresh_from_db()
    assert hcp.consent == HCP.CONSENT_WITHDRAWN and record.message_id in hcp.consent_source
    assert EngagementEvent.objects.filter(type="unsubscribed", hcp_pseudonym=hcp.pseudonym).count() == 1
    assert AuditEntry.objects.filter(action="reps.consent_withdrawn", object_id=str(hcp.pk)).exists()
    assert visitor.post(url).status_code == 200  # repeated: still unsubscribed, recorded once
    assert EngagementEvent.objects.filter(type="unsubscribed").count() == 1

    refused = send(
        rep_client,
        approved_email,
        hcp,
        "0b7e1a8e-5a0e-4d1c-8f55-0d3f0a7f1a22",
        django_capture_on_commit_callbacks,
    )
    assert refused.status_code == 409 and b"has not given email consent" in refused.content
    assert len(smtp_server.messages) == 1


def test_a_double_submit_sends_one_email(
    rep_client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks
):
    token = compose(rep_client, approved_email, hcp)
    first = send(rep_client, approved_email, hcp, token, django_capture_on_commit_callbacks)
    second = send(rep_client, approved_email, hcp, token, django_capture_on_commit_callbacks)
    assert first["Location"] == second["Location"]
    assert len(smtp_server.messages) == 1 and EmailSend.objects.count() == 1


def test_sends_are_rate_limited_per_rep(
    settings, rep_client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks
):
    settings.REPS_SENDS_PER_HOUR = 1
    send(
        rep_client,
        approved_email,
        hcp,
        compose(rep_client, approved_email, hcp),
        django_capture_on_commit_callbacks,
    )
    limited = send(
        rep_client,
        approved_email,
        hcp,
        compose(rep_client, approved_email, hcp),
        django_capture_on_commit_callbacks,
    )
    assert limited.status_code == 429 and b"limit 1" in limited.content
    assert len(smtp_server.messages) == 1


def _expire(approval):
    ApprovalRecord.objects.filter(pk=approval.pk).update(expires_at=timezone.now())


def _withdraw(approval):
    content_withdraw(
        obj=approval.revision.content_object, user=factories.reviewer(roles.REGULATORY), reason="Label change"
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no consent", "has not given email consent"),
        ("expired", "no longer approved for use (expired)"),
        ("withdrawn", "no longer approved for use (withdrawn)"),
        ("another rep's HCP", "not in your territory"),
        ("other market", "but Dr Ada Lovelace is in DE-de"),
        ("not an email", "Only approved emails can be sent"),
    ],
)
def test_refused_sends_say_why_and_send_nothing(
    case,
    message,
    rep,
    rep_client,
    approved_email,
    email_modules,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    hcp = make_hcp(rep)
    approval = approved_email
    if case == "no consent":
        HCP.objects.filter(pk=hcp.pk).update(consent=HCP.CONSENT_WITHDRAWN)
    elif case == "expired":
        _expire(approved_email)
    elif case == "withdrawn":
        _withdraw(approved_email)
    elif case == "another rep's HCP":
        hcp.assignments.update(rep=make_rep("other"))
    elif case == "other market":
        HCP.objects.filter(pk=hcp.pk).update(market=factories.MarketFactory(code="DE-de"))
    elif case == "not an email":
        approval = ApprovalRecord.objects.current().get(
            object_id=str(email_modules[0].pk), content_type__model="claim"
        )
    response = send(
        rep_client, approval, hcp, "5d1b9c3e-0c55-4d1e-9b59-3b2f0a3c4d5e", django_capture_on_commit_callbacks
    )
    assert response.status_code in (404, 409), response.content
    assert message in response.content.decode()
    assert smtp_server.messages == [] and EmailSend.objects.count() == 0


def test_delivery_rechecks_and_refuses_when_the_approval_ended_after_the_click(
    rep, approved_email, hcp, smtp_server
):
    record = services.email_send_request(
        rep=rep,
        approval_id=approved_email.pk,
        hcp_id=hcp.pk,
        send_token="7c2c4b1e-7d6f-4f0e-9d0f-2c5e9b1a3f44",
    )
    _withdraw(approved_email)
    record = services.email_send_deliver(send_id=record.pk)
    assert record.status == EmailSend.REFUSED and "withdrawn" in record.error
    assert smtp_server.messages == []
    assert AuditEntry.objects.filter(action="reps.email_refused").exists()


def test_a_user_without_a_rep_scope_cannot_send(
    client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(factories.UserFactory(username="author"))
    response = send(
        client,
        approved_email,
        hcp,
        "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 403 and b"not set up as a field rep" in response.content
    assert smtp_server.messages == []


def test_a_tampered_send_form_is_refused_and_sends_nothing(
    rep_client, approved_email, hcp, smtp_server, django_capture_on_commit_callbacks
):
    url = reverse("reps:email_compose", args=[approved_email.pk])
    for data in ({"hcp": "x", "send_token": "nope"}, {"hcp": hcp.pk}, {}):
        with django_capture_on_commit_callbacks(execute=True):
            response = rep_client.post(url, data)
        assert response.status_code == 409 and b"open it again" in response.content
    assert smtp_server.messages == [] and EmailSend.objects.count() == 0


def test_portal_pages_have_no_inline_script_or_style(rep_client, approved_email, hcp):
    """So a strict Content-Security-Policy (script-src/style-src 'self') leaves the portal working."""
    pages = [
        Client().get("/reps/login/"),
        rep_client.get(reverse("reps:content", args=[approved_email.pk])),
        rep_client.get(reverse("reps:email_compose", args=[approved_email.pk]), {"hcp": hcp.pk}),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "<style" not in html and " style=" not in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers
