"""The rep portal: its own login and logout, search in an HCP's context, read-only approved previews."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from modules.models import Specialty
from reps.models import EmailSend, EngagementEvent
from review import roles
from review.models import ApprovalRecord
from review.services import content_withdraw
from tests import factories
from tests.reps.conftest import make_hcp, make_rep
from tests.search.conftest import sync

pytestmark = pytest.mark.elasticsearch


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_rep_logs_in_on_the_portal_and_logs_out(client, rep):
    page = client.get("/reps/")
    assert page.status_code == 302 and page["Location"].startswith("/reps/login/")
    login = client.get("/reps/login/")
    assert b'<label for="id_username">Username</label>' in login.content
    wrong = client.post("/reps/login/", {"username": "rep", "password": "wrong"})
    assert wrong.status_code == 200 and b"Please enter a correct username and password" in wrong.content
    right = client.post("/reps/login/", {"username": "rep", "password": factories.PASSWORD})
    assert right.status_code == 302 and right["Location"] == "/reps/"
    out = client.post("/reps/logout/")
    assert out.status_code == 302 and out["Location"] == "/reps/login/"
    assert client.get("/reps/").status_code == 302
    assert client.get("/api/v1/search/suggest", {"q": "x"}).status_code in (401, 403)


def test_a_rep_opening_the_admin_is_sent_to_the_portal(rep_client, admin_user):
    response = rep_client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/reps/"
    assert rep_client.get("/admin/snippets/").status_code == 302
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get("/admin/").status_code == 200
    # The admin's logout form logs a rep out too.
    out = rep_client.post("/admin/logout/")
    assert out.status_code == 302 and out["Location"] == "/reps/login/"
    assert rep_client.get("/reps/").status_code == 302


def test_a_user_without_a_rep_scope_gets_a_clear_message_and_no_content(
    search_index, client, admin_user, approved_email
):
    sync(search_index)
    author = factories.UserFactory(username="author")
    for user in (author, admin_user):
        client.force_login(user)
        page = client.get("/reps/")
        assert page.status_code == 403
        assert "not set up as a field rep" in text(page)
        preview = client.get(reverse("reps:content", args=[approved_email.pk]))
        assert preview.status_code == 403 and b"New data" not in preview.content


def test_search_shows_thumbnail_title_job_code_and_expiry_and_filters(
    search_index, rep_client, approved_email, product, market
):
    factories.text_block(product=product, market=market, title="Dosing overview")
    sync(search_index)
    page = rep_client.get("/reps/", {"q": "dosing"})
    body = text(page)
    assert page.status_code == 200
    record = ApprovalRecord.objects.current().get(object_title="Dosing overview")
    assert "<mark>Dosing</mark> overview" in body
    assert record.job_code in body and f'expires <time datetime="{record.expires_at.isoformat()}' in body
    assert reverse("reps:content", args=[record.pk]) in body
    only_emails = text(rep_client.get("/reps/", {"q": "", "type": "email"}))
    assert approved_email.job_code in only_emails and record.job_code not in only_emails
    bad = rep_client.get("/reps/", {"type": "nonsense"})
    assert bad.status_code == 200 and "Select a valid choice" in text(bad)


def test_choosing_an_hcp_filters_by_market_boosts_specialty_and_shows_history(
    search_index, rep_client, rep, product, market, other_market
):
    factories.text_block(product=product, market=market, title="US tips")
    oncology = factories.text_block(product=product, market=market, title="US oncology tips")
    oncology.specialties.set([Specialty.objects.get(code="oncology")])
    oncology.save_revision()
    factories.approve(oncology)
    factories.text_block(product=product, market=other_market, title="DE tips")
    hcp = make_hcp(rep, specialty="oncology")
    sync(search_index)
    body = text(rep_client.get("/reps/", {"hcp": hcp.pk, "q": "tips"}))
    titles = re.findall(r'class="title" href="[^"]+">([^<]+(?:<mark>[^<]+</mark>[^<]*)*)</a>', body)
    plain = [re.sub(r"</?mark>", "", t).strip() for t in titles]
    assert plain[0] == "US oncology tips" and "DE tips" not in plain
    assert "Nothing sent to Dr Ada Lovelace yet." in body


def test_another_reps_hcp_cannot_be_chosen(search_index, rep_client, db):
    other = make_rep("other")
    theirs = make_hcp(other, email="theirs@clinic.example", name="Dr Theirs")
    body = text(rep_client.get("/reps/", {"hcp": theirs.pk}))
    assert "Choose one of your own HCPs." in body and "Dr Theirs" not in body


def test_history_says_when_sent_and_whether_opened(search_index, rep_client, rep, hcp, approved_email):
    sync(search_index)
    send = EmailSend.objects.create(
        send_token="6f1c1c9e-2a2b-4e36-9d7c-1d1d2f8f0a11",
        rep=rep,
        hcp=hcp,
        approval=approved_email,
        revision_id=approved_email.revision_id,
        to_address=hcp.email,
        subject="New data",
        message_id="<1@test>",
        status=EmailSend.SENT,
        sent_at=timezone.now(),
    )
    body = text(rep_client.get("/reps/", {"hcp": hcp.pk}))
    assert "New data" in body and "not opened yet" in body
    EngagementEvent.objects.create(
        type="opened",
        hcp_pseudonym=hcp.pseudonym,
        approval=approved_email,
        revision_id=send.revision_id,
        send=send,
        occurred_at=timezone.now(),
    )
    assert '<strong class="ok">opened</strong>' in text(rep_client.get("/reps/", {"hcp": hcp.pk}))


def test_preview_renders_exactly_the_approved_revision_with_its_isi(
    search_index, rep_client, approved_email, product, market
):
    page = rep_client.get(reverse("reps:content", args=[approved_email.pk]))
    assert page.status_code == 200
    assert approved_email.job_code in text(page)
    render = rep_client.get(reverse("reps:content_render", args=[approved_email.pk]))
    assert render.status_code == 200
    assert "frame-ancestors 'self'" in render["Content-Security-Policy"]
    html = render.content.decode()
    assert "Do not use in patients with severe hepatic impairment." in html
    assert approved_email.job_code in html and "Reduces events by 30%." in html
    # An edit after approval makes a draft; the preview still shows the approved revision.
    email = approved_email.revision.content_object
    email.subject = "Unapproved subject"
    email.save_revision()
    assert "Unapproved subject" not in rep_client.get(render.request["PATH_INFO"]).content.decode()


def test_a_module_preview_carries_the_products_isi(search_index, rep_client, email_modules):
    claim = email_modules[0]
    record = ApprovalRecord.objects.current().get(object_id=str(claim.pk), content_type__model="claim")
    html = rep_client.get(reverse("reps:content_render", args=[record.pk])).content.decode()
    assert "Reduces events by 30%." in html and "Important Safety Information" in html
    assert "severe hepatic impairment" in html and record.job_code in html


def test_withdrawn_and_expired_items_give_a_message_not_content(search_index, rep_client, approved_email):
    ApprovalRecord.objects.filter(pk=approved_email.pk).update(expires_at=timezone.now())
    expired = rep_client.get(reverse("reps:content_render", args=[approved_email.pk]))
    assert expired.status_code == 404 and "no longer approved for use (expired)" in text(expired)
    assert b"Reduces events" not in expired.content
    ApprovalRecord.objects.filter(pk=approved_email.pk).update(
        expires_at=timezone.now() + timezone.timedelta(days=9)
    )
    content_withdraw(
        obj=approved_email.revision.content_object,
        user=factories.reviewer(roles.REGULATORY),
        reason="Label change",
    )
    withdrawn = rep_client.get(reverse("reps:content", args=[approved_email.pk]))
    assert withdrawn.status_code == 404 and "(withdrawn)" in text(withdrawn)
    assert rep_client.get(reverse("reps:content", args=[999999])).status_code == 404


def test_content_outside_the_reps_markets_is_refused(search_index, client, approved_email):
    german_rep = make_rep("german", markets=("DE-de",))
    client.force_login(german_rep)
    response = client.get(reverse("reps:content", args=[approved_email.pk]))
    assert response.status_code == 404 and "not approved for any of your markets" in text(response)


def test_search_api_preview_links_open_for_reps_and_admins(
    search_index, rep_client, admin_user, approved_email
):
    """Issue 10, bug 1: a rep's links.preview pointed at the admin, which reps cannot open."""
    sync(search_index)
    link = rep_client.get("/api/v1/search", {"type": "email"}).json()["results"][0]["links"]["preview"]
    assert link == reverse("reps:content", args=[approved_email.pk])
    assert rep_client.get(link).status_code == 200
    admin_client = Client()
    admin_client.force_login(admin_user)
    admin_link = admin_client.get("/api/v1/search", {"type": "email"}).json()["results"][0]["links"][
        "preview"
    ]
    assert admin_link.endswith(f"/revisions/{approved_email.revision_id}/view/")
    assert admin_client.get(admin_link).status_code == 200
