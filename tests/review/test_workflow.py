"""MLR review end to end through the admin views and services, on the real database."""

import hashlib
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from wagtail.actions.publish_revision import PublishPermissionError
from wagtail.models import Revision, WorkflowState

from modules.models import Claim
from review import roles, services
from review.errors import NotPermitted
from review.hashing import canonical_bytes
from review.models import ApprovalRecord, AuditEntry, OutboxEvent, Signature, SigningFailure
from review.selectors import ASSEMBLY_REVIEW, FULL_MLR
from tests import factories
from tests.modules.test_admin_modules import add_url, claim_data, edit_url, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(db):
    user = factories.UserFactory(username="alex", first_name="Alex", last_name="Author")
    user.groups.add(Group.objects.get_or_create(name=roles.AUTHORS)[0])
    roles.ensure_role_groups()
    return user


@pytest.fixture
def claim_in_review(product, market, author):
    ref = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=ref, user=author, publish=False)
    services.review_submit(obj=claim, user=author)
    claim.refresh_from_db()
    return claim


def task_state_of(obj):
    return obj.current_workflow_state.current_task_state.specific


def signing_client(client, discipline):
    user = factories.reviewer(discipline)
    client.force_login(user)
    return client, user


def sign(client, task_state, discipline, *, decision="approved", password=factories.PASSWORD, comment=""):
    return client.post(
        reverse("review:sign", args=[task_state.pk]),
        {
            "decision": decision,
            "discipline": Group.objects.get(name=discipline).pk,
            "meaning": roles.meanings_for(discipline, decision)[0],
            "password": password,
            "comment": comment,
        },
    )


def verify_citations(client, task_state):
    response = client.post(reverse("review:verify_citation", args=[task_state.pk, 0]))
    assert response.status_code == 302, response.content


def test_three_parallel_signatures_approve_publish_and_record_job_code_and_hash(client, claim_in_review):
    claim = claim_in_review
    task_state = task_state_of(claim)
    assert claim.current_workflow_state.workflow.name == FULL_MLR
    assert not claim.live

    verify_citations(signing_client(client, roles.MEDICAL)[0], task_state)
    # Any order: the disciplines sign in parallel on the same revision.
    for discipline in (roles.REGULATORY, roles.MEDICAL, roles.LEGAL):
        signer_client, _ = signing_client(client, discipline)
        response = sign(signer_client, task_state, discipline)
        assert response.status_code == 302, response.content.decode()

    claim.refresh_from_db()
    record = ApprovalRecord.objects.for_object(claim).get()
    assert claim.live and claim.live_revision_id == task_state.revision_id == record.revision_id
    assert record.content_hash == hashlib.sha256(canonical_bytes(record.revision)).hexdigest()
    reference_code = ApprovalRecord.objects.exclude(pk=record.pk).get().job_code
    assert re.fullmatch(r"CARDIO-US-\d{4}-00002", record.job_code) and reference_code.endswith("-00001")
    assert record.expires_at.year - record.approved_at.year == 2
    signatures = Signature.objects.filter(revision=record.revision)
    assert {s.meaning for s in signatures} == {
        "Approved — medical accuracy",
        "Approved — legal",
        "Approved — regulatory compliance",
    }
    assert all(s.content_hash == record.content_hash and s.signer_name for s in signatures)
    assert claim.current_workflow_state is None
    assert record.workflow_state.status == WorkflowState.STATUS_APPROVED
    assert OutboxEvent.objects.get(approval=record).kind == OutboxEvent.PUBLISHED
    actions = list(AuditEntry.objects.filter(object_id=str(claim.pk)).values_list("action", flat=True))
    assert actions.count("review.sign") == 3
    assert "review.approved" in actions and "review.job_code_assigned" in actions


def test_changes_requested_returns_the_item_to_its_author_with_annotations(client, claim_in_review, author):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    response = legal_client.post(
        reverse("review:annotate", args=[task_state.pk]),
        {"field_path": "statement", "quote": "30%", "kind": "must_fix", "body": "Say relative reduction."},
    )
    assert response.status_code == 302
    response = sign(legal_client, task_state, roles.LEGAL, decision="changes_requested", comment="See note")
    assert response.status_code == 302

    claim_in_review.refresh_from_db()
    assert claim_in_review.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not claim_in_review.live and not ApprovalRecord.objects.for_object(claim_in_review).exists()
    client.force_login(author)
    page = client.get(reverse("review:dashboard")).content.decode()
    assert "Returned to me" in page and claim_in_review.title in page
    page = client.get(reverse("review:task", args=[task_state.pk])).content.decode()
    assert "Say relative reduction." in page and "30%" in page


def test_resubmitting_from_the_editor_after_changes_requested_reviews_the_new_revision(
    client, product, market, author
):
    ref = factories.reference(product=product, market=market)
    citation = {"reference": ref.pk, "anchor_kind": "page", "anchor": "7", "supporting_quote": "HR 0.70"}
    data = {**claim_data(product, market, [citation]), "owner": author.pk}
    client.force_login(author)
    assert post(client, add_url(Claim), data, action="action-submit").status_code == 302
    claim = Claim.objects.get()
    legal_client, _ = signing_client(client, roles.LEGAL)
    sign(legal_client, task_state_of(claim), roles.LEGAL, decision="changes_requested", comment="Fix it")

    client.force_login(author)
    data["statement"] = "Cardiozen reduced cardiovascular events by 31%."
    response = post(client, edit_url(claim), data, action="action-submit")
    assert response.status_code == 302
    claim.refresh_from_db()
    resumed = task_state_of(claim)
    assert resumed.revision_id == claim.latest_revision_id
    assert "31%" in resumed.revision.content["statement"]
    medical_client = signing_client(client, roles.MEDICAL)[0]
    for position in range(len(resumed.revision.content["citations"])):
        medical_client.post(reverse("review:verify_citation", args=[resumed.pk, position]))
    for discipline in (roles.MEDICAL, roles.LEGAL, roles.REGULATORY):
        response = sign(signing_client(client, discipline)[0], resumed, discipline)
        assert response.status_code == 302, response.content.decode()[-600:]
    claim.refresh_from_db()
    assert claim.live and "31%" in claim.statement


def test_author_cannot_approve_their_own_revision(client, claim_in_review, author):
    author.groups.add(Group.objects.get(name=roles.MEDICAL))
    client.force_login(author)
    task_state = task_state_of(claim_in_review)
    response = sign(client, task_state, roles.MEDICAL)
    assert response.status_code == 403
    assert "created or edited" in response.content.decode()
    assert not Signature.objects.filter(task_state=task_state).exists()


def test_a_later_editor_cannot_approve_either(client, claim_in_review):
    medical = factories.reviewer(roles.MEDICAL)
    claim = Claim.objects.get(pk=claim_in_review.pk)
    claim.statement = "Reduces events by 31%."
    claim.save_revision(user=medical)
    client.force_login(medical)
    response = sign(client, task_state_of(claim), roles.MEDICAL)
    assert response.status_code == 403


def test_wrong_password_is_refused_recorded_and_five_lock_signing(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    verify_citations(signing_client(client, roles.MEDICAL)[0], task_state)
    legal_client, legal = signing_client(client, roles.LEGAL)
    for _attempt in range(4):
        response = sign(legal_client, task_state, roles.LEGAL, password="wrong")
        assert response.status_code == 400 and "Wrong password" in response.content.decode()
    response = sign(legal_client, task_state, roles.LEGAL, password="wrong")
    assert response.status_code == 403 and "locked" in response.content.decode()
    assert SigningFailure.objects.filter(user=legal).count() == 5
    assert AuditEntry.objects.filter(action="review.signature_failed", actor=legal).count() == 5

    response = sign(legal_client, task_state, roles.LEGAL)  # right password, still locked
    assert response.status_code == 403 and "locked" in response.content.decode()
    assert not Signature.objects.filter(task_state=task_state).exists()

    SigningFailure.objects.filter(user=legal).update(
        failed_at=SigningFailure.objects.first().failed_at.replace(year=2000)
    )
    assert sign(legal_client, task_state, roles.LEGAL).status_code == 302


def test_open_must_fix_annotation_blocks_approval_until_resolved(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    verify_citations(signing_client(client, roles.MEDICAL)[0], task_state)
    regulatory_client, regulatory = signing_client(client, roles.REGULATORY)
    regulatory_client.post(
        reverse("review:annotate", args=[task_state.pk]),
        {"field_path": "statement", "kind": "must_fix", "body": "Add the trial name."},
    )
    response = sign(regulatory_client, task_state, roles.REGULATORY)
    assert response.status_code == 400 and "must-fix" in response.content.decode()
    annotation = task_state.revision.annotations.get()
    regulatory_client.post(reverse("review:resolve_annotation", args=[task_state.pk, annotation.pk]))
    assert sign(regulatory_client, task_state, roles.REGULATORY).status_code == 302


def test_claim_approval_needs_every_citation_verified_by_medical(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    response = legal_client.post(reverse("review:verify_citation", args=[task_state.pk, 0]))
    assert response.status_code == 403
    medical_client, _ = signing_client(client, roles.MEDICAL)
    response = sign(medical_client, task_state, roles.MEDICAL)
    assert response.status_code == 400 and "verify citation" in response.content.decode()
    assert medical_client.post(reverse("review:verify_citation", args=[task_state.pk, 7])).status_code == 400
    verify_citations(medical_client, task_state)
    assert sign(medical_client, task_state, roles.MEDICAL).status_code == 302


def test_edit_during_review_voids_signatures_and_restarts_review(client, claim_in_review, author):
    first = task_state_of(claim_in_review)
    medical_client, _ = signing_client(client, roles.MEDICAL)
    verify_citations(medical_client, first)
    assert sign(medical_client, first, roles.MEDICAL).status_code == 302

    claim = Claim.objects.get(pk=claim_in_review.pk)
    claim.statement = "Reduces events by 31%."
    new_revision = claim.save_revision(user=author)
    claim.refresh_from_db()
    second = task_state_of(claim)
    assert second.pk != first.pk and second.revision_id == new_revision.pk
    assert AuditEntry.objects.filter(action="review.restarted").exists()
    # The old signature does not count: medical must sign the new revision too.
    assert sign(medical_client, first, roles.MEDICAL).status_code == 400
    factories.sign_all(claim, skip=())
    assert ApprovalRecord.objects.for_object(claim).get().revision_id == new_revision.pk


def test_no_one_can_publish_outside_review_not_even_a_superuser(admin_client, product, market):
    ref = factories.reference(product=product, market=market)
    citation = {"reference": ref.pk, "anchor_kind": "page", "anchor": "7", "supporting_quote": "HR 0.70"}
    data = claim_data(product, market, [citation])
    assert post(admin_client, add_url(Claim), data).status_code == 302
    claim = Claim.objects.get()
    assert 'name="action-publish"' not in admin_client.get(edit_url(claim)).content.decode()

    post(admin_client, edit_url(claim), data, action="action-publish")
    claim.refresh_from_db()
    assert not claim.live and not ApprovalRecord.objects.for_object(claim).exists()
    with pytest.raises(PublishPermissionError):
        claim.latest_revision.publish(user=_superuser())


def _superuser():
    return factories.UserFactory(is_superuser=True, is_staff=True)


def test_editing_an_approved_item_keeps_the_approved_revision_live(product, market, author):
    isi = factories.safety(product=product, market=market, user=author)
    approved_revision = isi.live_revision_id
    isi.body = "<p>Changed.</p>"
    isi.save_revision(user=author)
    isi.refresh_from_db()
    assert isi.live and isi.live_revision_id == approved_revision and isi.has_unpublished_changes
    assert Revision.objects.get(pk=approved_revision).as_object().body != "<p>Changed.</p>"


def test_approved_revisions_survive_revision_purging(product, market, author):
    isi = factories.safety(product=product, market=market, user=author)
    approved = isi.live_revision_id
    for n in range(3):
        isi.body = f"<p>Draft {n}</p>"
        isi.save_revision(user=author)
    call_command("purge_revisions")
    assert Revision.objects.filter(pk=approved).exists()


def test_assembly_of_approved_modules_gets_the_light_review_otherwise_full_mlr(product, market, author):
    isi = factories.safety(product=product, market=market)
    draft_text = factories.text_block(product=product, market=market, publish=False)
    light = factories.email(product=product, market=market, modules=[isi], user=author)
    heavy = factories.email(product=product, market=market, modules=[isi, draft_text], user=author)
    services.review_submit(obj=light, user=author)
    services.review_submit(obj=heavy, user=author)
    assert light.current_workflow_state.workflow.name == ASSEMBLY_REVIEW
    assert heavy.current_workflow_state.workflow.name == FULL_MLR
    factories.sign_all(light)
    record = ApprovalRecord.objects.for_object(light).get()
    assert list(record.pinned_revisions.values_list("pk", flat=True)) == [isi.live_revision_id]


def test_reviewer_dashboard_lists_my_reviews_with_due_dates_and_overdue(client, claim_in_review):
    legal_client, legal = signing_client(client, roles.LEGAL)
    page = legal_client.get(reverse("review:dashboard")).content.decode()
    assert claim_in_review.title in page and "overdue" not in page
    task_state = task_state_of(claim_in_review)
    type(task_state).objects.filter(pk=task_state.pk).update(due_at=task_state.started_at.replace(year=2000))
    page = legal_client.get(reverse("review:dashboard")).content.decode()
    assert "overdue" in page
    assert claim_in_review.title in legal_client.get("/admin/").content.decode()  # home panel
    verify_citations(signing_client(client, roles.MEDICAL)[0], task_state)
    legal_client, legal = signing_client(client, roles.LEGAL)
    assert sign(legal_client, task_state, roles.LEGAL).status_code == 302
    assert claim_in_review.title not in legal_client.get(reverse("review:dashboard")).content.decode()


def test_only_people_who_may_edit_an_item_can_submit_it(product, market, author):
    isi = factories.safety(product=product, market=market, user=author, publish=False)
    legal = factories.reviewer(roles.LEGAL)
    with pytest.raises(NotPermitted):
        services.review_submit(obj=isi, user=legal)
    assert not isi.workflow_in_progress
    services.review_submit(obj=isi, user=author)
    assert isi.workflow_in_progress


def test_rep_cannot_open_review_screens(client, claim_in_review):
    rep = factories.UserFactory()
    rep.groups.add(Group.objects.get(name=roles.REPS))
    client.force_login(rep)
    assert client.get(reverse("review:task", args=[task_state_of(claim_in_review).pk])).status_code in (
        302,
        403,
    )


def test_annotation_replies_are_for_reviewers_and_authors_of_that_item_only(client, claim_in_review, author):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    legal_client.post(
        reverse("review:annotate", args=[task_state.pk]),
        {"field_path": "statement", "kind": "suggestion", "body": "Consider the trial name."},
    )
    annotation = task_state.revision.annotations.get()
    coordinator = factories.UserFactory()
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)
    reply_url = reverse("review:reply_annotation", args=[task_state.pk, annotation.pk])
    assert client.post(reply_url, {"body": "Not my place"}).status_code == 403
    client.force_login(author)
    assert client.post(reply_url, {"body": "Added it."}).status_code == 302
    assert [r.body for r in annotation.replies.all()] == ["Added it."]

    foreign_url = reverse("review:reply_annotation", args=[task_state.pk + 999, annotation.pk])
    assert client.post(foreign_url, {"body": "x"}).status_code == 404


def test_annotations_name_a_real_field_and_errors_keep_the_review_screen(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    response = legal_client.post(
        reverse("review:annotate", args=[task_state.pk]),
        {"field_path": "no_such_field", "kind": "must_fix", "body": "Hmm"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a field" in page and "Signatures" in page  # the review screen, with the message
    assert not task_state.revision.annotations.exists()


def test_review_screen_shows_the_rendered_revision_and_who_is_still_waiting(client, claim_in_review):
    task_state = task_state_of(claim_in_review)
    legal_client, _ = signing_client(client, roles.LEGAL)
    rendered = legal_client.get(reverse("review:rendered", args=[task_state.pk]))
    assert rendered.status_code == 200 and "Reduces events by 30%." in rendered.content.decode()
    verify_citations(signing_client(client, roles.MEDICAL)[0], task_state)
    medical_client, _ = signing_client(client, roles.MEDICAL)
    sign(medical_client, task_state, roles.MEDICAL)
    legal_client, _ = signing_client(client, roles.LEGAL)
    dashboard = legal_client.get(reverse("review:dashboard")).content.decode()
    assert "Legal reviewers, Regulatory reviewers" in dashboard
    screen = legal_client.get(reverse("review:task", args=[task_state.pk])).content.decode()
    assert "Approved by Medical Reviewer" in screen
    assert reverse("review_documents:package", args=[task_state.revision_id]) in screen


def test_listings_show_each_items_approval_state(admin_client, claim_in_review):
    approved = factories.safety(product=claim_in_review.products.get(), market=claim_in_review.markets.get())
    listing = admin_client.get(reverse("wagtailsnippets_modules_safetyinformation:list")).content.decode()
    assert f"Approved · {ApprovalRecord.objects.for_object(approved).get().job_code}" in listing
    listing = admin_client.get(reverse("wagtailsnippets_modules_claim:list")).content.decode()
    assert "In review" in listing


def test_the_editor_says_where_an_item_stands_in_review(admin_client, client, claim_in_review, author):
    isi = factories.safety(product=claim_in_review.products.get(), market=claim_in_review.markets.get())
    code = ApprovalRecord.objects.for_object(isi).get().job_code
    page = admin_client.get(edit_url(isi)).content.decode()
    assert f"as {code}" in page and "expires" in page
    services.content_withdraw(obj=isi, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    assert "Label change" in admin_client.get(edit_url(isi)).content.decode()

    sign(
        signing_client(client, roles.LEGAL)[0],
        task_state_of(claim_in_review),
        roles.LEGAL,
        decision="changes_requested",
    )
    client.force_login(author)
    assert "Changes were requested" in client.get(edit_url(claim_in_review)).content.decode()
