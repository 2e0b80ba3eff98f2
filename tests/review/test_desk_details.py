"""What reviewers read on the review desk: job codes, ended approvals, meanings, changes, listings."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from modules.models import Claim
from review import roles, services
from review.diff import field_changes
from review.models import ApprovalRecord, Signature
from tests import factories
from tests.modules.test_admin_modules import edit_url
from tests.review import test_workflow
from tests.review.test_workflow import sign, signing_client, task_state_of, verify_citations

# The workflow tests' fixtures: an author and a claim of theirs in review.
author = test_workflow.author
claim_in_review = test_workflow.claim_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_claim(claim_in_review):
    task_state = task_state_of(claim_in_review)
    factories.sign_all(claim_in_review)
    record = ApprovalRecord.objects.for_object(claim_in_review).get()
    return claim_in_review, task_state, record


def test_the_rendered_approved_revision_carries_its_job_code(client, approved_claim):
    _, task_state, record = approved_claim
    client.force_login(factories.reviewer(roles.LEGAL))
    html = client.get(reverse("review:rendered", args=[task_state.pk])).content.decode()
    assert record.job_code in html
    assert "JOB CODE PENDING" not in html


def test_a_withdrawn_approval_reads_as_withdrawn_once_with_one_full_stop(admin_client, approved_claim):
    claim, task_state, record = approved_claim
    services.content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="Label changed.")
    client = Client()
    client.force_login(factories.reviewer(roles.LEGAL))
    page = client.get(reverse("review:task", args=[task_state.pk])).content.decode()
    assert "Approved as" not in page
    assert re.search(r"Withdrawn.*Label changed\.(?!\.)", page)
    editor = admin_client.get(edit_url(claim)).content.decode()
    assert "Label changed.." not in editor and "Label changed." in editor
    approvals = admin_client.get(reverse("review:approvals")).content.decode()
    assert "Label changed.." not in approvals


def test_empty_many_to_many_fields_are_not_listed_as_brackets(claim_in_review):
    changes = field_changes(None, task_state_of(claim_in_review).revision)
    assert [c.label for c in changes if "[]" in (c.before, c.after)] == []
    assert "Specialties" not in [c.label for c in changes]  # empty before and after: no change


def test_the_sign_form_offers_meanings_under_their_decision(client, claim_in_review):
    legal_client, _ = signing_client(client, roles.LEGAL)
    page = legal_client.get(reverse("review:task", args=[task_state_of(claim_in_review).pk])).content.decode()
    approved_group = re.search(r'<optgroup label="Approved">(.*?)</optgroup>', page, re.S)
    changes_group = re.search(r'<optgroup label="Changes requested">(.*?)</optgroup>', page, re.S)
    assert approved_group and changes_group
    assert "Changes requested — legal" not in approved_group.group(1)
    assert "Approved — legal" in approved_group.group(1)
    assert "Changes requested — legal" in changes_group.group(1)


def test_a_meaning_that_does_not_fit_the_decision_is_refused_by_name(client, claim_in_review):
    legal_client, _ = signing_client(client, roles.LEGAL)
    task_state = task_state_of(claim_in_review)
    response = legal_client.post(
        reverse("review:sign", args=[task_state.pk]),
        {
            "decision": "approved",
            "discipline": Group.objects.get(name=roles.LEGAL).pk,
            "meaning": "Changes requested — legal",
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "“Changes requested — legal” does not fit “Approved”" in response.content.decode()
    assert not Signature.objects.filter(task_state=task_state).exists()


def test_withdrawn_items_do_not_read_as_draft_in_listings(admin_client, approved_claim):
    claim, _, record = approved_claim
    services.content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="Label changed")
    listing = admin_client.get(reverse("wagtailsnippets_modules_claim:list")).content.decode()
    assert f"Withdrawn · {record.job_code}" in listing
    assert not re.search(r">\s*Draft\s*<", listing, re.I)


def sign_as(discipline, task_state, *, decision="approved"):
    client = Client()
    client.force_login(factories.reviewer(discipline))
    return client, sign(client, task_state, discipline, decision=decision)


def test_legal_and_regulatory_sign_in_parallel_with_medicals_citation_check(claim_in_review):
    task_state = task_state_of(claim_in_review)
    legal_client, response = sign_as(roles.LEGAL, task_state)
    assert response.status_code == 302
    page = legal_client.get(reverse("review:task", args=[task_state.pk])).content.decode()
    assert "Waiting for medical’s citation check" in page
    medical_client, response = sign_as(roles.MEDICAL, task_state)
    assert response.status_code == 400 and "verify citation" in response.content.decode()
    assert not ApprovalRecord.objects.for_object(claim_in_review).exists()
    verify_citations(medical_client, task_state)
    assert sign(medical_client, task_state, roles.MEDICAL).status_code == 302
    _, response = sign_as(roles.REGULATORY, task_state)
    assert response.status_code == 302
    assert ApprovalRecord.objects.for_object(claim_in_review).exists()


def test_the_final_signer_is_told_the_item_is_approved_and_live(claim_in_review):
    task_state = task_state_of(claim_in_review)
    medical_client, _ = sign_as(roles.LEGAL, task_state)
    medical_client.force_login(factories.reviewer(roles.MEDICAL))
    verify_citations(medical_client, task_state)
    sign(medical_client, task_state, roles.MEDICAL)
    client, response = sign_as(roles.REGULATORY, task_state)
    record = ApprovalRecord.objects.for_object(claim_in_review).get()
    page = client.get(response["Location"]).content.decode()
    assert f"now approved and live as {record.job_code}" in page
    assert f"until {record.expires_at:%Y-%m-%d}" in page


def edit_during_review(claim, author, statement="Reduces events by 31%."):
    claim = Claim.objects.get(pk=claim.pk)
    claim.statement = statement
    claim.save_revision(user=author)
    claim.refresh_from_db()
    return claim


def test_an_edit_during_review_warns_first_then_marks_signatures_void_and_mails_the_signers(
    smtp_server, django_capture_on_commit_callbacks, claim_in_review, author
):
    first = task_state_of(claim_in_review)
    _, response = sign_as(roles.LEGAL, first)
    assert response.status_code == 302
    editor = Client()
    editor.force_login(author)
    page = editor.get(edit_url(claim_in_review)).content.decode()
    assert "restarts the review and voids 1 signature" in page
    assert "Not approved yet" not in page  # one status while in review

    legal = factories.reviewer(roles.LEGAL)
    legal.email = "legal@example.com"
    legal.save()
    with django_capture_on_commit_callbacks(execute=True):
        claim = edit_during_review(claim_in_review, author)
    second = task_state_of(claim)
    assert [m["To"] for m in smtp_server.messages] == ["legal@example.com"]
    assert "restarted" in smtp_server.messages[0]["Subject"]

    legal_client = Client()
    legal_client.force_login(legal)
    page = legal_client.get(reverse("review:task", args=[second.pk])).content.decode()
    assert "Void" in page and "review-void" in page
    assert f"Changes since revision #{first.revision_id}, which you reviewed" in page
    assert "<del>30%.</del>" in page and "<ins>31%.</ins>" in page


def test_annotations_are_named_by_their_field_labels(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    response = legal_client.post(
        reverse("review:annotate", args=[task_state.pk]),
        {"field_path": "statement", "kind": "must_fix", "body": "Cite the primary endpoint."},
    )
    assert response.status_code == 302
    page = legal_client.get(reverse("review:task", args=[task_state.pk])).content.decode()
    assert "on <em>Statement</em>" in page


def test_withdraw_is_a_danger_button_behind_a_confirmation(approved_claim):
    claim, _, _ = approved_claim
    client = Client()
    client.force_login(factories.reviewer(roles.REGULATORY))
    page = client.get(reverse("review:withdraw", args=["module", claim.pk])).content.decode()
    toggle = r'<button type="button" class="button no"\s+data-a11y-dialog-show="withdraw-confirmation"'
    assert re.search(toggle, page)
    assert 'id="withdraw-confirmation"' in page and 'form="withdraw-form"' in page
