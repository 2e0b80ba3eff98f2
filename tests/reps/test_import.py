"""`manage.py import_hcps`: rows checked one by one with line numbers, good rows kept, idempotent."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reps.models import HCP, TerritoryAssignment
from review.models import AuditEntry
from tests.reps.conftest import make_rep

HEADER = "name,specialty,market,email,consent,consent_date,consent_source,external_id,rep\n"


@pytest.fixture
def crm(db, taxonomy, market, other_market):
    return make_rep("rep")


def run(path) -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_hcps", str(path), stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        err.write(str(error))
        code = error.returncode
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, text: str | bytes, name="hcps.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_bad_rows_are_reported_by_line_and_good_rows_kept(crm, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Dr Ada Lovelace,cardiology,US-en,ADA@clinic.example,yes,2026-01-05,signed form,CRM-1,rep\n"
        + "Dr No Specialty,astrology,US-en,no@clinic.example,yes,,,CRM-2,\n"
        + '"Dr Multi\nLine",cardiology,US-en,not-an-email,maybe,2026-13-01,,CRM-3,\n'
        + "Dr Grace Hopper,oncology,DE-de,grace@clinic.example,no,,,CRM-4,\n"
        + "Dr Twin,cardiology,US-en,ada@clinic.example,yes,,,CRM-5,\n"
        + "Dr Out Of Area,cardiology,DE-de,out@clinic.example,yes,,,CRM-6,rep\n"
        + "Dr Ghost Rep,cardiology,US-en,ghost@clinic.example,yes,,,CRM-7,nobody\n",
    )
    code, out, err = run(path)
    assert code == 1
    assert "2 created, 0 updated, 0 unchanged, 5 rejected" in out
    assert "line 3: specialty: unknown specialty code" in err
    # The quoted name spans lines 4-5; the row is named by the line it starts on.
    assert (
        "line 4:" in err and "email: Enter a valid email address." in err and "consent: use yes or no" in err
    )
    assert "consent_date" in err
    assert "line 7: email ada@clinic.example repeats line 2 of this file" in err
    assert "line 8: rep: rep does not cover market DE-de" in err
    assert "line 9: rep: no user with this username" in err
    ada = HCP.objects.get(external_id="CRM-1")
    assert (ada.email, ada.consent, ada.consent_source) == ("ada@clinic.example", "given", "signed form")
    assert TerritoryAssignment.objects.filter(rep=crm, hcp=ada).exists()
    assert HCP.objects.get(external_id="CRM-4").consent == HCP.CONSENT_WITHDRAWN
    assert HCP.objects.count() == 2


def test_reimporting_the_same_file_changes_nothing(crm, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Dr Ada Lovelace,cardiology,US-en,ada@clinic.example,yes,,,CRM-1,rep\n"
        + "Dr Grace Hopper,oncology,US-en,grace@clinic.example,no,,,,\n",
    )
    assert run(path)[0] == 0
    before = list(HCP.objects.order_by("pk").values())
    code, out, _ = run(path)
    assert code == 0
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in out
    assert list(HCP.objects.order_by("pk").values()) == before
    assert TerritoryAssignment.objects.count() == 1


def test_changed_rows_update_and_the_run_is_audited(crm, tmp_path):
    run(write(tmp_path, HEADER + "Dr Ada,cardiology,US-en,ada@clinic.example,yes,,,CRM-1,\n"))
    code, out, _ = run(
        write(tmp_path, HEADER + "Dr Ada King,oncology,US-en,ada@clinic.example,yes,,,CRM-1,\n")
    )
    assert code == 0 and "0 created, 1 updated" in out
    ada = HCP.objects.get()
    assert (ada.name, ada.specialty.code) == ("Dr Ada King", "oncology")
    assert AuditEntry.objects.filter(action="reps.hcps_imported").count() == 2


def test_an_old_file_never_undoes_an_unsubscribe(crm, tmp_path):
    path = write(tmp_path, HEADER + "Dr Ada,cardiology,US-en,ada@clinic.example,yes,2026-01-05,,CRM-1,\n")
    run(path)
    HCP.objects.update(consent=HCP.CONSENT_WITHDRAWN, consent_source="Unsubscribe link")
    code, out, _ = run(path)
    assert code == 0
    assert "consent kept withdrawn" in out
    assert HCP.objects.get().consent == HCP.CONSENT_WITHDRAWN


def test_json_items_are_named_by_number(crm, tmp_path):
    items = [
        {
            "name": "Dr Ada",
            "specialty": "cardiology",
            "market": "US-en",
            "email": "ada@x.example",
            "consent": "yes",
        },
        {
            "name": "Dr Nested",
            "specialty": {"code": "x"},
            "market": "US-en",
            "email": "n@x.example",
            "consent": "no",
        },
        "not an object",
        {"name": "Dr Missing"},
    ]
    code, out, err = run(write(tmp_path, json.dumps(items), name="hcps.json"))
    assert code == 1
    assert "1 created" in out
    assert "item 2: specialty: give a plain value" in err
    assert "item 3: is not an object with named fields" in err
    assert "item 4:" in err and "email: This field is required." in err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hcps.csv", b"\xff\xfe\x00binary\x00garbage", "not UTF-8"),
        ("hcps.csv", "name,email\nDr A,a@x.example\n", "lacks the column(s) specialty, market, consent"),
        ("hcps.csv", "", "lacks the column(s) name"),
        ("hcps.json", '{"name": "Dr A"}', "must be a list of objects"),
        ("hcps.json", "[{", "not valid UTF-8 JSON"),
        ("hcps.xlsx", "whatever", "give a .csv or .json file"),
        ("hcps.csv", "name,specialty,market,email,consent\nA,cardiology,US-en,a@x.example,yes\x00\n", "NUL"),
    ],
)
def test_unreadable_files_are_refused_whole_and_change_nothing(crm, tmp_path, name, content, message):
    code, out, err = run(write(tmp_path, content, name=name))
    assert code == 1
    assert message in err and "Nothing was imported." in err
    assert HCP.objects.count() == 0


def test_hostile_values_are_stored_as_text_and_overlong_ones_refused(crm, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + '"<script>alert(1)</script>",cardiology,US-en,x@clinic.example,yes,,,,\n'
        + f"{'A' * 201},cardiology,US-en,y@clinic.example,yes,,,,\n"
        + "Dr Extra,cardiology,US-en,z@clinic.example,yes,,,,,surplus,fields\n",
    )
    code, _, err = run(path)
    assert code == 1
    assert HCP.objects.get().name == "<script>alert(1)</script>"
    assert "line 3: name: Ensure this value has at most 200 characters" in err
    assert "line 4: has 2 more field(s) than the header" in err


def test_missing_file_is_a_clear_error(crm, tmp_path):
    code, _, err = run(tmp_path / "absent.csv")
    assert code == 1 and "cannot be read" in err
