"""After approval: withdrawal and expiry with their cascade to assemblies, warnings, and the outbox."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from review import roles, services
from review.errors import NotPermitted, ReviewError
from review.hashing import content_hash
from review.models import ApprovalRecord, AuditEntry, OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(product, market):
    isi = factories.safety(product=product, market=market)
    text = factories.text_block(product=product, market=market)
    return {"isi": isi, "text": text}


@pytest.fixture
def approved_email(product, market, library):
    email = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    return factories.approve(email)


def record_of(obj):
    return ApprovalRecord.objects.for_object(obj).order_by("-approved_at").first()


def test_withdrawing_a_module_withdraws_assemblies_pinning_it_with_an_impact_report(
    client, library, approved_email
):
    coordinator = factories.UserFactory()
    coordinator.groups.add(Group.objects.get_or_create(name=roles.COORDINATORS)[0])
    client.force_login(coordinator)
    isi = library["isi"]
    url = reverse("review:withdraw", args=["module", isi.pk])
    confirm = client.get(url).content.decode()
    assert "will be withdrawn with it" in confirm and approved_email.title in confirm  # before confirming

    response = client.post(url, {"reason": "Label update: new contraindication."})
    assert response.status_code == 302  # reloading the result page cannot withdraw twice
    response = client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Impact report" in page
        and approved_email.title in page
        and record_of(approved_email).job_code in page
    )

    isi.refresh_from_db()
    approved_email.refresh_from_db()
    assert not isi.live and not approved_email.live
    assert record_of(isi).status == ApprovalRecord.WITHDRAWN
    assert record_of(approved_email).status == ApprovalRecord.WITHDRAWN
    assert "Label update" in record_of(approved_email).end_reason
    assert library["text"].live and record_of(library["text"]).status == ApprovalRecord.APPROVED
    kinds = OutboxEvent.objects.filter(kind=OutboxEvent.WITHDRAWN).values_list("object_type", flat=True)
    assert sorted(kinds) == ["modules.email", "modules.safetyinformation"]
    assert AuditEntry.objects.filter(action="review.withdrawn").count() == 2


def test_withdrawal_needs_the_right_role_and_a_reason_and_changes_nothing_otherwise(client, library, author):
    isi = library["isi"]
    client.force_login(author)
    assert (
        client.post(reverse("review:withdraw", args=["module", isi.pk]), {"reason": "x"}).status_code == 403
    )
    regulatory = factories.reviewer(roles.REGULATORY)
    client.force_login(regulatory)
    response = client.post(reverse("review:withdraw", args=["module", isi.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert client.get(reverse("review:withdraw", args=["nonsense", isi.pk])).status_code == 404
    with pytest.raises(NotPermitted):
        services.content_withdraw(obj=isi, user=author, reason="Because")
    isi.refresh_from_db()
    assert isi.live and record_of(isi).status == ApprovalRecord.APPROVED
    assert not OutboxEvent.objects.filter(kind=OutboxEvent.WITHDRAWN).exists()
    draft = factories.text_block(product=isi.products.get(), market=isi.markets.get(), publish=False)
    with pytest.raises(ReviewError, match="no approval"):
        services.content_withdraw(obj=draft, user=regulatory, reason="Because")


@pytest.fixture
def author(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get_or_create(name=roles.AUTHORS)[0])
    return user


def test_expiry_command_expires_due_approvals_and_cascades(library, approved_email, capsys):
    isi_record = record_of(library["isi"])
    ApprovalRecord.objects.filter(pk=isi_record.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("expire_approvals")
    out = capsys.readouterr().out
    assert f"Expired {isi_record.job_code}" in out and record_of(approved_email).job_code in out
    assert record_of(library["isi"]).status == ApprovalRecord.EXPIRED
    assert record_of(approved_email).status == ApprovalRecord.WITHDRAWN
    library["isi"].refresh_from_db()
    assert not library["isi"].live
    assert OutboxEvent.objects.filter(kind=OutboxEvent.EXPIRED, approval=isi_record).exists()
    call_command("expire_approvals")  # nothing left to do
    assert "0 approval(s) expired" in capsys.readouterr().out


def test_an_expired_approval_stops_counting_even_before_the_command_runs(library):
    isi = library["isi"]
    ApprovalRecord.objects.filter(pk=record_of(isi).pk).update(expires_at=timezone.now())
    from modules.selectors import approved_revision

    assert approved_revision(isi) is None


def test_owners_are_warned_by_email_before_expiry_once(smtp_server, product, market, settings):
    owner = factories.UserFactory(email="owner@example.com", first_name="Olga", last_name="Owner")
    isi = factories.safety(product=product, market=market, user=owner)
    record = record_of(isi)
    ApprovalRecord.objects.filter(pk=record.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=10)
    )
    call_command("expire_approvals", "--warn-days", "30")
    call_command("expire_approvals", "--warn-days", "30")
    # Wagtail's own workflow notifications may also have been sent; the expiry warning is sent once.
    warnings = [m for m in smtp_server.messages if "expires on" in m["Subject"]]
    assert len(warnings) == 1
    message = warnings[0]
    assert message["To"] == "owner@example.com" and record.job_code in message["Subject"]
    assert "Olga Owner" in message.get_content()
    assert AuditEntry.objects.filter(action="review.expiry_warning_sent").count() == 1


def test_expire_command_rejects_a_negative_warning_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="zero or more"):
        call_command("expire_approvals", "--warn-days", "-1")


def test_assembly_hash_covers_the_pinned_module_revisions(product, market, library):
    email = factories.email(product=product, market=market, modules=[library["isi"]])
    before = content_hash(email.latest_revision)
    isi = library["isi"]
    isi.body = "<p>Updated safety text.</p>"
    isi.save_revision()
    factories.approve(isi)
    from modules.services import placement_move_pin

    placement = email.placements.get()
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    new_revision = placement_move_pin(assembly=email, placement_id=placement.pk, user=admin)
    assert content_hash(new_revision) != before
    email.refresh_from_db()
    assert content_hash(email.latest_revision) == content_hash(new_revision)


def test_an_already_approved_version_cannot_be_submitted_again(product, market, library):
    isi = library["isi"]
    with pytest.raises(ReviewError, match="already approved"):
        services.review_submit(obj=isi, user=None)
    regulatory = factories.reviewer(roles.REGULATORY)
    services.content_withdraw(obj=isi, user=regulatory, reason="Superseded label")
    with pytest.raises(ReviewError, match="already approved"):
        services.review_submit(obj=isi, user=None)
    assert not isi.workflow_in_progress
    isi.body = "<p>Updated for the new label.</p>"
    isi.save_revision()
    factories.approve(isi)
    assert record_of(isi).status == ApprovalRecord.APPROVED and isi.live


def test_every_approval_writes_exactly_one_published_outbox_row_in_its_transaction(product, market):
    isi = factories.safety(product=product, market=market)
    record = record_of(isi)
    events = OutboxEvent.objects.filter(approval=record)
    assert [(e.kind, e.revision_id, e.object_type) for e in events] == [
        (OutboxEvent.PUBLISHED, record.revision_id, "modules.safetyinformation")
    ]


def test_expiring_a_lapsed_superseded_approval_leaves_the_newer_approved_revision_live(product, market):
    """Issue 15: the old approval ends (and cascades), the item's current approval is untouched."""
    text = factories.text_block(product=product, market=market)
    first = record_of(text)
    text.body = "<p>Learn more about the new data.</p>"
    text.save_revision()
    ApprovalRecord.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    factories.approve(text)
    second = record_of(text)
    first.refresh_from_db()
    assert first.status == ApprovalRecord.SUPERSEDED and second.status == ApprovalRecord.APPROVED

    services.approvals_expire()

    first.refresh_from_db()
    second.refresh_from_db()
    text.refresh_from_db()
    assert first.status == ApprovalRecord.EXPIRED
    assert second.status == ApprovalRecord.APPROVED
    assert text.live and text.live_revision_id == second.revision_id


def test_withdraw_screen_offers_the_approval_the_withdrawal_would_end(client, product, market, library):
    """Issue 8: v1 pinned by an approved email, v2 approved then withdrawn. The screen said "no
    approval in force" and showed no form, yet a POST to the same URL withdrew v1 and the email."""
    isi = library["isi"]
    first = record_of(isi)
    email = factories.approve(factories.email(product=product, market=market, modules=[isi]))
    isi.body = "<p>Do not use in patients with severe renal impairment.</p>"
    isi.save_revision()
    factories.approve(isi)
    regulatory = factories.reviewer(roles.REGULATORY)
    services.content_withdraw(obj=isi, user=regulatory, reason="Wrong wording in v2.")
    client.force_login(regulatory)
    url = reverse("review:withdraw", args=["module", isi.pk])

    page = client.get(url).content.decode()

    assert first.job_code in page and email.title in page and 'name="reason"' in page
    assert "has no approval" not in page
    response = client.post(url, {"reason": "The v1 label is outdated too."})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == ApprovalRecord.WITHDRAWN
    assert record_of(email).status == ApprovalRecord.WITHDRAWN


def test_an_assembly_cannot_be_approved_on_a_module_withdrawn_during_its_review(
    client, product, market, library
):
    """Pin invariant of the lifecycle state machine: withdrawal cascades only to approvals that exist."""
    email = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    services.review_submit(obj=email, user=None)
    regulatory = factories.reviewer(roles.REGULATORY)
    services.content_withdraw(obj=library["isi"], user=regulatory, reason="Label update")

    task_state = email.current_workflow_state.current_task_state
    client.force_login(regulatory)
    response = client.post(
        reverse("review:sign", args=[task_state.pk]),
        {
            "decision": "approved",
            "discipline": Group.objects.get(name=roles.REGULATORY).pk,
            "meaning": roles.meanings_for(roles.REGULATORY, "approved")[0],
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "is no longer approved" in response.content.decode() and "ISI" in response.content.decode()
    email.refresh_from_db()
    assert not email.live and record_of(email) is None
    assert not email.current_workflow_state.current_task_state.signatures.exists()


def test_an_assembly_approval_ends_no_later_than_the_module_approvals_it_pins(product, market, library):
    """Pin invariant of the lifecycle state machine: a lapsed module must not leave its assembly in force."""
    import time_machine

    from review.selectors import approval_in_force

    email = factories.email(product=product, market=market, modules=[library["text"], library["isi"]])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=365), tick=True) as clock:
        factories.approve(email)
        isi_record, email_record = record_of(library["isi"]), record_of(email)
        assert email_record.expires_at == isi_record.expires_at

        clock.shift(
            datetime.timedelta(days=400)
        )  # the module's approval has lapsed; the daily job has not run
        assert approval_in_force(library["isi"]) is None
        assert approval_in_force(email) is None
        services.approvals_expire()
        email_record.refresh_from_db()
        assert email_record.status == ApprovalRecord.WITHDRAWN and email_record.cascaded_from == isi_record
