"""Audit export (CSV and PDF) through the management command and the admin form."""

import csv
import datetime
import io
import re
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader

from review import roles
from review.audit import audit_record
from review.exports import EXPORTED_ACTION
from review.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def at(moment: str):
    """Write audit entries as if at this UTC time."""
    when = datetime.datetime.fromisoformat(moment).replace(tzinfo=datetime.UTC)
    return mock.patch("review.audit.timezone.now", return_value=when)


@pytest.fixture
def dated_entries():
    """Entries just outside, on the edges of, and inside 2026-03-01..2026-03-02 (UTC)."""
    moments = [
        "2026-02-28T23:59:59.999999",
        "2026-03-01T00:00:00",
        "2026-03-01T12:00:00",
        "2026-03-02T23:59:59.999999",
        "2026-03-03T00:00:00",
    ]
    entries = []
    for n, moment in enumerate(moments):
        with at(moment):
            entries.append(
                audit_record(
                    action="test.action", object_type="modules.claim", object_id=str(n % 2), data={"n": n}
                )
            )
    return entries


def read_csv(path) -> tuple[list[str], list[dict]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    return comments, rows


def exports():
    return AuditEntry.objects.filter(action=EXPORTED_ACTION)


def test_csv_for_a_date_range_holds_exactly_the_entries_of_those_days(tmp_path, dated_entries, capsys):
    output = tmp_path / "trail.csv"

    call_command(
        "audit_export", "--format", "csv", "--from", "2026-03-01", "--to", "2026-03-02", "--output", output
    )

    comments, rows = read_csv(output)
    assert [int(row["sequence"]) for row in rows] == [e.sequence for e in dated_entries[1:4]]
    first = dated_entries[1]
    assert rows[0] == {
        "sequence": str(first.sequence),
        "created_at_utc": "2026-03-01T00:00:00Z",
        "actor_id": "",
        "actor_name": "",
        "action": "test.action",
        "object_type": "modules.claim",
        "object_id": "1",
        "object_repr": "",
        "revision_id": "",
        "data": '{"n": 1}',
        "previous_hash": first.previous_hash,
        "entry_hash": first.entry_hash,
    }
    assert any("Chain verification: intact" in line for line in comments)
    assert "Wrote 3 audit entries (CSV)" in capsys.readouterr().out


def test_csv_for_one_item_holds_only_its_entries(tmp_path, product, market):
    reference = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=reference)
    output = tmp_path / "claim.csv"

    call_command(
        "audit_export", "--format", "csv", "--object", f"modules.claim:{claim.pk}", "--output", output
    )

    _, rows = read_csv(output)
    expected = AuditEntry.objects.filter(object_type="modules.claim", object_id=str(claim.pk)).exclude(
        action=EXPORTED_ACTION
    )
    assert [int(r["sequence"]) for r in rows] == list(expected.values_list("sequence", flat=True))
    assert {r["object_id"] for r in rows} == {str(claim.pk)}
    assert {"review.sign", "review.approved", "review.job_code_assigned"} <= {r["action"] for r in rows}


def test_range_and_item_together_narrow_each_other(tmp_path, dated_entries):
    output = tmp_path / "both.csv"
    call_command(
        "audit_export", "--format=csv", "--from=2026-03-01", "--to=2026-03-02", "--object=modules.claim:0",
        f"--output={output}",
    )  # fmt: skip
    _, rows = read_csv(output)
    assert [int(r["sequence"]) for r in rows] == [dated_entries[2].sequence]


def test_every_export_is_itself_an_audit_entry_with_its_filters(tmp_path, dated_entries):
    call_command(
        "audit_export", "--format=csv", "--from=2026-03-01", "--to=2026-03-02", f"--output={tmp_path / 'a'}"
    )
    entry = exports().get()
    assert (
        entry.data["from"] == "2026-03-01"
        and entry.data["to"] == "2026-03-02"
        and entry.data["object"] is None
    )
    assert entry.data["format"] == "csv" and entry.data["entries"] == 3 and entry.data["chain_intact"] is True
    call_command("verify_audit")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--from=2026-02-30", "--to=2026-03-02"], "YYYY-MM-DD"),
        (["--from=yesterday", "--to=2026-03-02"], "YYYY-MM-DD"),
        (["--from=2026-03-03", "--to=2026-03-02"], "is after the to date"),
        (["--from=2026-03-01"], "both dates"),
        ([], "a date range, an item, or both"),
        (["--object=modules.nothing:1"], "Unknown object type"),
        (["--object=modules.claim:999999"], "No claim with id 999999"),
        (["--object=modules.claim"], "app_label.model:ID"),
    ],
)
def test_bad_input_exits_non_zero_and_writes_nothing(tmp_path, dated_entries, arguments, message):
    output = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message) as error:
        call_command("audit_export", "--format=csv", *arguments, f"--output={output}")
    assert error.value.returncode != 0
    assert not output.exists() and list(tmp_path.iterdir()) == []
    assert not exports().exists()


@pytest.mark.parametrize("where", ["missing-folder/out.csv", "."])
def test_unwritable_output_exits_non_zero_and_records_nothing(tmp_path, dated_entries, where):
    with pytest.raises(CommandError) as error:
        call_command(
            "audit_export",
            "--format=csv",
            "--from=2026-03-01",
            "--to=2026-03-02",
            f"--output={tmp_path / where}",
        )
    assert error.value.returncode != 0
    assert not exports().exists()


def test_pdf_export_is_readable_and_states_the_chain_verification(tmp_path, dated_entries):
    output = tmp_path / "trail.pdf"

    call_command("audit_export", "--format=pdf", "--from=2026-03-01", "--to=2026-03-02", f"--output={output}")

    assert output.read_bytes().startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(output).pages)
    assert "Chain verification: intact" in text and "Entries: 3" in text
    assert dated_entries[2].entry_hash[:32] in text.replace(" ", "")
    assert exports().get().data["format"] == "pdf"


def test_a_broken_chain_is_stated_in_the_export(tmp_path, dated_entries):
    from tests.review.test_audit import tamper

    tamper("UPDATE review_auditentry SET data = %s WHERE id = %s", ['{"n": 99}', dated_entries[2].pk])
    output = tmp_path / "trail.csv"
    call_command("audit_export", "--format=csv", "--from=2026-03-01", "--to=2026-03-02", f"--output={output}")
    comments, _ = read_csv(output)
    assert any(f"BROKEN at entry #{dated_entries[2].sequence}" in line for line in comments)


# --- the admin form -------------------------------------------------------------------------------


def member_of(client, group_name):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return user


def test_coordinator_exports_csv_from_the_admin_and_it_is_audited(client, dated_entries):
    coordinator = member_of(client, roles.COORDINATORS)
    url = reverse("review_documents:audit_export")
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"date_from": "2026-03-01", "date_to": "2026-03-02", "item": "", "fmt": "csv"}
    )

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = [line for line in response.content.decode().splitlines() if not line.startswith("#")]
    assert len(list(csv.DictReader(lines))) == 3
    assert exports().get().actor == coordinator


def test_regulatory_reviewer_exports_pdf(client, dated_entries):
    member_of(client, roles.REGULATORY)
    response = client.post(
        reverse("review_documents:audit_export"),
        {"date_from": "2026-03-01", "date_to": "2026-03-02", "fmt": "pdf"},
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1


def test_bad_input_in_the_form_is_400_with_the_reason(client, dated_entries):
    member_of(client, roles.COORDINATORS)
    response = client.post(
        reverse("review_documents:audit_export"),
        {"date_from": "2026-03-05", "date_to": "2026-03-02", "fmt": "csv"},
    )
    assert response.status_code == 400
    assert "is after the to date" in response.content.decode()
    assert not exports().exists()


@pytest.mark.parametrize("group_name", [roles.AUTHORS, roles.MEDICAL, roles.LEGAL])
def test_other_roles_may_not_export(client, group_name):
    member_of(client, group_name)
    url = reverse("review_documents:audit_export")
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"date_from": "2026-03-01", "date_to": "2026-03-02", "fmt": "csv"}).status_code
        == 403
    )
    assert not exports().exists()


HOSTILE_TITLES = [
    "Q3 deck\r=cmd|' /C calc'!A0",
    "\n+SUM(1)",
    "@x",
    "\tTabbed",
    "-2+3",
    'Safe line\r\n=HYPERLINK("http://evil.example")',
    "Two breaks\r\r@SUM(A1)",
    'Quoted "cell", with comma\n-1',
    "\r",
    "Plain title",
]
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t")


def neutralised_back(cell: str) -> str:
    """Undo the export's apostrophes: at the start of the cell and after each line break."""
    cell = cell.removeprefix("'")
    return re.sub(r"(\r\n|\r|\n)'", r"\1", cell)


def test_hostile_titles_round_trip_and_no_line_starts_a_formula(tmp_path):
    for title in HOSTILE_TITLES:
        audit_record(action="test.titled", object_type="modules.claim", object_id="7", object_repr=title)
    output = tmp_path / "trail.csv"

    call_command("audit_export", "--format", "csv", "--object", "modules.claim:7", "--output", output)
    raw = output.read_bytes().decode("utf-8")

    # A CSV reader: one row per entry, every title intact once the apostrophes are removed.
    with output.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.reader(file) if row and not row[0].startswith("#")]
    header, *entries = rows
    reprs = [dict(zip(header, row, strict=True))["object_repr"] for row in entries]
    assert [neutralised_back(value) for value in reprs] == HOSTILE_TITLES
    # A spreadsheet-style import that starts a new line at every bare CR or LF, quotes or not.
    physical_lines = re.split(r"\r\n|\r|\n", raw)
    assert len(physical_lines) > len(rows)  # the titles' line breaks did split it
    live = [line for line in physical_lines if line.startswith(FORMULA_CHARACTERS)]
    assert live == []


def test_checkpoint_failure_is_stated_in_the_export(tmp_path, dated_entries):
    from review.checkpoints import checkpoint_write
    from tests.review.test_audit import tamper

    checkpoint_write()
    tamper("DELETE FROM review_auditentry WHERE sequence = %s", [dated_entries[-1].sequence])
    output = tmp_path / "trail.csv"

    call_command(
        "audit_export", "--format", "csv", "--from", "2026-03-01", "--to", "2026-03-02", "--output", output
    )

    comments, _ = read_csv(output)
    assert any(f"FAILS ITS CHECKPOINTS — entries #{dated_entries[-1].sequence}–" in line for line in comments)
