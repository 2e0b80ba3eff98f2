"""The audit trail: every admin action is chained, nothing can be changed, and tampering is found."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from review.audit import audit_record, audit_verify
from review.models import AppendOnlyError, AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="trigger is PostgreSQL's")


def test_admin_actions_are_chained_and_verified(admin_client, product, market, capsys):
    ref = factories.reference(product=product, market=market, user=None)
    claim = factories.claim(product=product, market=market, reference_obj=ref, publish=False)
    claim.save_revision(user=factories.UserFactory(first_name="Ann", last_name="Author"), log_action=True)
    entries = list(AuditEntry.objects.for_object(claim).chained())
    assert [e.action for e in entries][-1] == "wagtail.edit"
    assert entries[-1].actor_name == "Ann Author" and entries[-1].revision_id == claim.latest_revision.pk
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


def test_orm_refuses_updates_and_deletes():
    entry = audit_record(action="test.action", data={"n": 1})
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@postgresql_only
def test_database_trigger_refuses_raw_sql_changes():
    entry = audit_record(action="test.action")
    for statement in (
        "UPDATE review_auditentry SET action = 'forged' WHERE id = %s",
        "DELETE FROM review_auditentry WHERE id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def tamper(sql, params):
    """What a database administrator could do by switching the guard off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE review_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE review_auditentry ENABLE TRIGGER USER")


def test_tampered_entry_makes_verify_audit_fail_and_name_it():
    entries = [audit_record(action="test.action", data={"n": n}) for n in range(5)]
    tamper("UPDATE review_auditentry SET data = %s WHERE id = %s", ['{"n": 99}', entries[2].pk])
    with pytest.raises(CommandError, match=r"broken at entry #3 .*content was changed") as error:
        call_command("verify_audit")
    assert error.value.returncode == 1
    assert audit_verify().checked == 2


def test_deleted_entry_is_reported_as_missing():
    entries = [audit_record(action="test.action", data={"n": n}) for n in range(4)]
    tamper("DELETE FROM review_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_verify()
    assert report.broken_at.sequence == 3 and "#2 is missing" in report.reason


def test_each_entry_links_to_the_one_before():
    first, second = audit_record(action="a"), audit_record(action="b")
    assert second.previous_hash == first.entry_hash and second.sequence == first.sequence + 1


def test_a_user_who_acted_cannot_be_deleted():
    """The trail keeps naming who acted: the account stays (deactivate it instead)."""
    from django.db.models import ProtectedError

    user = factories.UserFactory(first_name="Ann", last_name="Author")
    audit_record(action="test.action", actor=user)
    with pytest.raises(ProtectedError), transaction.atomic():
        user.delete()
    assert AuditEntry.objects.get().actor == user
