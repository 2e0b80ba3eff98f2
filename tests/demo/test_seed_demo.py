import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo import content as demo
from modules.models import Assembly, Claim, EDetail, Email, Invitation, Module
from modules.rendering import render_email
from review.models import ApprovalRecord, Signature
from review.selectors import reviews_for

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_brand_users_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "Development logins" in first
    for username in ["admin", "author", "medical", "legal", "regulatory", "coordinator", "rep"]:
        assert username in first
    counts = (Module.objects.count(), Assembly.objects.count(), get_user_model().objects.count())
    assert 28 <= counts[0] <= 35 and counts[1] == 3

    call_command("seed_demo")
    second = capsys.readouterr().out
    assert "Development logins" not in second
    assert (Module.objects.count(), Assembly.objects.count(), get_user_model().objects.count()) == counts

    password = first.split("author", 1)[1].split()[0]
    assert get_user_model().objects.get(username="author").check_password(password)
    assert get_user_model().objects.get(username="author").groups.filter(name="Authors").exists()


def test_seeded_assemblies_are_valid_and_render(capsys):
    call_command("seed_demo")
    email = Email.objects.get()
    assert email.submission_errors(email.children_from_database()) == []
    assert "IMPORTANT SAFETY INFORMATION" in render_email(email).text
    edetail = EDetail.objects.get()
    assert edetail.submission_errors(edetail.children_from_database()) == []
    assert all(not edetail.placement_errors(p) for p in edetail.all_placements())
    assert Invitation.objects.get().placements.count() == 1
    assert Module.objects.filter(live=True).count() >= 20
    assert Module.objects.filter(live=False).exists()


def test_seed_demo_takes_content_through_the_real_review(capsys):
    call_command("seed_demo")
    live = Module.objects.filter(live=True)
    records = ApprovalRecord.objects.filter(status=ApprovalRecord.APPROVED)
    assert records.count() == live.count() + 3  # every live module, plus the three assemblies
    assert all(re.fullmatch(r"CARDIO-[A-Z]+-\d{4}-\d{5}", r.job_code) for r in records)
    assert Signature.objects.filter(decision="approved").count() == 3 * live.count() + 3
    assert {s.signer.username for s in Signature.objects.all()} == {"medical", "legal", "regulatory"}

    # The e-detail, email and invitation are approved in US-en, so a channel sees every render.
    for assembly in (Email.objects.get(), EDetail.objects.get(), Invitation.objects.get()):
        record = ApprovalRecord.objects.for_object(assembly).get()
        assert assembly.live and record.workflow_state.workflow.name == "Assembly review"
        assert assembly.market.code == "US-en"
    waiting_claim = Claim.objects.get(title=demo.CLAIMS[6][0])
    assert waiting_claim.workflow_in_progress
    medical = get_user_model().objects.get(username="medical")
    assert waiting_claim.title in {s.revision.object_str for s in reviews_for(medical)}
    rep = get_user_model().objects.get(username="rep")
    assert {m.code for m in rep.search_scope.markets.all()} == {"US-en", "GB-en"}
    assert rep.territory.count() == 4  # the demo HCPs of reps/demo.py
    regulatory = get_user_model().objects.get(username="regulatory")
    assert waiting_claim.title in {s.revision.object_str for s in reviews_for(regulatory)}


def test_admin_dashboard_and_listings_load_for_the_author(client, capsys):
    call_command("seed_demo")
    author = get_user_model().objects.get(username="author")
    client.force_login(author)
    assert client.get("/admin/").status_code == 200
    assert "Cardiozen core e-detail" in client.get("/admin/snippets/modules/edetail/").content.decode()


def test_seed_demo_output_is_not_buried_under_notification_emails(capsys, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Development logins" in out
    assert "has been approved in workflow" not in out and "Subject:" not in out
