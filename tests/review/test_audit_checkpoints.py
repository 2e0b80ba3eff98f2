"""Checkpoints of the chain head outside the database: a cut, emptied, rewritten or backdated trail fails."""

import datetime
import json
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from review.audit import audit_record, audit_verify
from review.checkpoints import FILE_NAME, checkpoint_write
from review.models import AuditEntry
from tests import factories
from tests.review.test_audit import tamper

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="trigger is PostgreSQL's")


def record(count: int, action: str = "test.action") -> list[AuditEntry]:
    return [audit_record(action=action, data={"n": n}) for n in range(count)]


def checkpoint_lines(directory) -> list[dict]:
    return [json.loads(line) for line in (directory / FILE_NAME).read_text().splitlines()]


def verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert error.value.returncode == 1
    return str(error.value)


def rechain_from(sequence: int, **changes):
    """Rewrite the trail from this entry on and recompute every hash after it, so the chain verifies."""
    previous = AuditEntry.objects.get(sequence=sequence - 1).entry_hash if sequence > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(sequence__gte=sequence).order_by("sequence"):
        if entry.sequence == sequence:
            for name, value in changes.items():
                setattr(entry, name, value)
        entry.previous_hash = previous
        entry.entry_hash = entry.compute_hash()
        tamper(
            "UPDATE review_auditentry SET data = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
            [json.dumps(entry.data), entry.previous_hash, entry.entry_hash, entry.pk],
        )
        previous = entry.entry_hash


def test_command_appends_one_json_line_per_checkpoint_and_never_rewrites(audit_checkpoint_dir, capsys):
    record(3)
    call_command("audit_checkpoint")
    assert "entry #3" in capsys.readouterr().out
    first_bytes = (audit_checkpoint_dir / FILE_NAME).read_bytes()
    newest = record(2)[-1]

    call_command("audit_checkpoint")

    assert (audit_checkpoint_dir / FILE_NAME).read_bytes().startswith(first_bytes)
    first, second = checkpoint_lines(audit_checkpoint_dir)
    assert (first["sequence"], first["count"], second["sequence"], second["count"]) == (3, 3, 5, 5)
    assert second["entry_hash"] == newest.entry_hash and second["reason"] == "command"
    taken_at = datetime.datetime.fromisoformat(second["taken_at_utc"])
    assert taken_at.utcoffset() == datetime.timedelta(0) and taken_at >= newest.created_at


def test_checkpoint_write_is_the_schedulers_entry_point(audit_checkpoint_dir):
    record(2)
    checkpoint = checkpoint_write(reason="scheduled")
    assert (checkpoint.sequence, checkpoint.reason) == (2, "scheduled")
    assert checkpoint_lines(audit_checkpoint_dir)[-1]["reason"] == "scheduled"


def test_an_approval_writes_a_checkpoint_once_it_commits(
    product, market, audit_checkpoint_dir, django_capture_on_commit_callbacks
):
    isi = factories.safety(product=product, market=market, publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(isi)

    approved = AuditEntry.objects.filter(action="review.approved").get()
    (line,) = checkpoint_lines(audit_checkpoint_dir)
    head = AuditEntry.objects.order_by("-sequence").first()
    assert line["reason"] == "approval" and line["sequence"] >= approved.sequence
    assert line["entry_hash"] == AuditEntry.objects.get(sequence=line["sequence"]).entry_hash
    assert head.sequence == line["sequence"]


def test_an_approval_rolled_back_writes_no_checkpoint(
    product, market, audit_checkpoint_dir, django_capture_on_commit_callbacks
):
    isi = factories.safety(product=product, market=market, publish=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            factories.approve(isi)
            raise RuntimeError("the request failed after approving")
    assert not (audit_checkpoint_dir / FILE_NAME).exists()


def test_an_approvals_checkpoint_is_mailed_by_the_worker(
    settings, smtp_server, product, market, audit_checkpoint_dir, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EMAIL = ["compliance@example.com"]
    isi = factories.safety(product=product, market=market, publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(isi)

    line = (audit_checkpoint_dir / FILE_NAME).read_text().strip()
    checkpoint_mails = [m for m in smtp_server.messages if "Audit checkpoint" in m["Subject"]]
    assert [m["To"] for m in checkpoint_mails] == ["compliance@example.com"]
    assert line in checkpoint_mails[0].get_content()


def test_a_failed_checkpoint_after_approval_is_logged_and_the_approval_stands(
    settings, tmp_path, product, market, django_capture_on_commit_callbacks, caplog
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the directory should be")
    settings.AUDIT_CHECKPOINT_DIR = blocker
    isi = factories.safety(product=product, market=market, publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(isi)

    assert AuditEntry.objects.filter(action="review.approved").exists()
    assert "Audit checkpoint after an approval failed" in caplog.text


def test_checkpoint_is_mailed_to_the_compliance_address(settings, smtp_server, audit_checkpoint_dir):
    settings.AUDIT_CHECKPOINT_EMAIL = ["compliance@example.com", "qa@example.com"]
    record(4)

    call_command("audit_checkpoint")

    (message,) = smtp_server.messages
    assert message["To"] == "compliance@example.com, qa@example.com"
    assert "Audit checkpoint #4" in message["Subject"]
    line = (audit_checkpoint_dir / FILE_NAME).read_text().strip()
    assert line in message.get_content()


def test_mail_failure_exits_1_but_keeps_the_checkpoint_in_the_file(settings, audit_checkpoint_dir):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.AUDIT_CHECKPOINT_EMAIL = ["compliance@example.com"]
    record(1)

    with pytest.raises(CommandError, match=r"#1 was appended to .*mailing it to compliance@example.com fail"):
        call_command("audit_checkpoint")
    assert [line["sequence"] for line in checkpoint_lines(audit_checkpoint_dir)] == [1]


def test_unwritable_checkpoint_place_exits_1_with_the_path(settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the directory should be")
    settings.AUDIT_CHECKPOINT_DIR = blocker
    with pytest.raises(CommandError, match=r"Could not append the audit checkpoint to .*not-a-dir") as error:
        call_command("audit_checkpoint")
    assert error.value.returncode == 1


def test_intact_trail_verifies_against_every_checkpoint(capsys):
    record(2)
    checkpoint_write()
    record(3)
    checkpoint_write()
    record(1)

    call_command("verify_audit")

    out = capsys.readouterr().out
    assert "Checked against 2 checkpoints; the newest vouches for #5" in out
    assert "Audit chain intact: 6 entries verified." in out


def test_without_checkpoints_verify_warns_that_a_cut_cannot_be_seen(capsys):
    record(1)
    call_command("verify_audit")
    assert "No checkpoints in" in capsys.readouterr().err


def test_tail_cut_fails_and_names_the_missing_range():
    entries = record(6)
    checkpoint_write()
    tamper("DELETE FROM review_auditentry WHERE sequence >= %s", [5])
    assert audit_verify().checked == 4

    message = verify_fails()

    assert "entries #5–#6 are missing" in message and "the trail now ends at #4" in message
    assert entries[-1].entry_hash[:12] in message


def test_tail_cut_then_new_entries_fails_as_a_replaced_range():
    record(6)
    checkpoint_write()
    tamper("DELETE FROM review_auditentry WHERE sequence >= %s", [5])
    record(3)  # the application carries on after the cut: #5, #6 and #7 are new entries

    assert "entries #1–#6 were changed or replaced" in verify_fails()


def test_truncate_with_the_trigger_disabled_fails_and_names_the_whole_range():
    record(5)
    checkpoint_write()
    if connection.vendor == "postgresql":
        tamper("TRUNCATE review_auditentry", [])
    else:
        tamper("DELETE FROM review_auditentry", [])
    assert AuditEntry.objects.count() == 0

    message = verify_fails()

    assert "entries #1–#5 are missing" in message and "the trail is now empty" in message


def test_rewritten_chain_with_every_hash_recomputed_fails_and_names_the_changed_range():
    record(3)
    checkpoint_write()
    record(3)
    checkpoint_write()
    rechain_from(4, data={"n": "forged"})
    # Without checkpoints the rewrite would be invisible: the chain itself is consistent again.
    assert AuditEntry.objects.get(sequence=4).data == {"n": "forged"}

    message = verify_fails()

    assert "entries #4–#6 were changed or replaced" in message
    assert "entries up to #3 still match" in message


def test_chain_rewritten_from_the_first_entry_fails():
    record(4)
    checkpoint_write()
    rechain_from(1, data={"n": "forged"})
    assert "entries #1–#4 were changed or replaced" in verify_fails()


def test_forged_entry_appended_with_an_earlier_time_than_a_checkpoint_fails():
    head = record(3)[-1]
    checkpoint = checkpoint_write()
    forged = AuditEntry(
        sequence=4,
        created_at=checkpoint.taken_at - datetime.timedelta(hours=2),
        action="review.approved",
        object_type="modules.claim",
        object_id="1",
        object_repr="Forged approval",
        previous_hash=head.entry_hash,
    )
    forged.entry_hash = forged.compute_hash()
    forged.save()  # what a role with INSERT could do, with every hash consistent

    message = verify_fails()

    assert "broken at entry #4" in message and "added afterwards with a false time" in message


def test_entries_written_after_a_checkpoint_in_the_normal_way_pass():
    record(2)
    checkpoint_write()
    record(2)
    assert audit_verify().intact


def test_unreadable_checkpoint_line_fails_naming_file_and_line(audit_checkpoint_dir):
    record(1)
    checkpoint_write()
    with (audit_checkpoint_dir / FILE_NAME).open("a") as file:
        file.write('{"sequence": "x"}\n')
    assert f"Checkpoint {FILE_NAME}:2 cannot be read" in verify_fails()


@postgresql_only
def test_database_refuses_truncate_of_the_audit_table():
    record(2)
    with pytest.raises(Exception, match="append-only: TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            # The test settings let the owner flush test databases; a normal session has no such setting.
            cursor.execute("SET LOCAL review.allow_audit_truncate = 'off'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
            cursor.execute("TRUNCATE review_auditentry")
    assert AuditEntry.objects.count() == 2
