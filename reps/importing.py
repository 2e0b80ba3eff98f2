"""Importing HCPs from a CRM export (CSV or JSON), row by row: good rows are kept, bad rows reported.

Re-importing the same file changes nothing: rows are matched on external_id (else email) and only
differences are written. An unsubscribe is never undone by an older file: a "yes" for an HCP who
withdrew needs a consent_date after the withdrawal.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from modules.models import Market, Specialty
from review.audit import audit_record
from search.models import RepScope

from .errors import RepError
from .models import HCP, TerritoryAssignment

REQUIRED_COLUMNS = ("name", "specialty", "market", "email", "consent")
OPTIONAL_COLUMNS = ("consent_date", "consent_source", "external_id", "rep")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
CONSENT_VALUES = {"yes": HCP.CONSENT_GIVEN, "no": HCP.CONSENT_WITHDRAWN}


class ImportFileError(RepError):
    """The file as a whole cannot be read (type, encoding, header, size); nothing was imported."""


class HCPRowForm(forms.Form):
    name = forms.CharField(max_length=200)
    specialty = forms.ModelChoiceField(
        Specialty.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": "unknown specialty code"},
    )
    market = forms.ModelChoiceField(
        Market.objects.all(), to_field_name="code", error_messages={"invalid_choice": "unknown market code"}
    )
    email = forms.EmailField(max_length=254)
    consent = forms.CharField()
    consent_date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    consent_source = forms.CharField(required=False, max_length=200)
    external_id = forms.CharField(required=False, max_length=100)
    rep = forms.ModelChoiceField(
        get_user_model().objects.all(),
        required=False,
        to_field_name=get_user_model().USERNAME_FIELD,
        error_messages={"invalid_choice": "no user with this username"},
    )

    def clean_consent(self):
        value = self.cleaned_data["consent"].strip().lower()
        if value not in CONSENT_VALUES:
            raise ValidationError("use yes or no")
        return CONSENT_VALUES[value]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        rep, market = data.get("rep"), data.get("market")
        if rep is not None and market is not None:
            scope = RepScope.objects.filter(user=rep).first()
            if scope is None:
                self.add_error("rep", f"{rep.get_username()} is not a rep (no rep scope)")
            elif not scope.markets.filter(pk=market.pk).exists():
                self.add_error("rep", f"{rep.get_username()} does not cover market {market.code}")
        return data


@dataclass
class ImportReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_csv(data: bytes) -> list[tuple[str, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"The file is not UTF-8 text (bad byte at position {error.start}).") from error
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes; export it again as UTF-8 CSV.")
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="_extra")
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            f"The header (line 1) lacks the column(s) {', '.join(missing)}; "
            f"it needs {', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)})."
        )
    reader.fieldnames = header
    rows, start = [], 2
    try:
        for row in reader:
            rows.append((f"line {start}", row))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS} rows; split it.")
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num}: the CSV is malformed ({error}).") from error
    return rows


def _read_json(data: bytes) -> list[tuple[str, dict]]:
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ImportFileError(f"The file is not valid UTF-8 JSON ({error}).") from error
    if not isinstance(items, list):
        raise ImportFileError("The JSON must be a list of objects, one per HCP.")
    if len(items) > MAX_ROWS:
        raise ImportFileError(f"The file has more than {MAX_ROWS} items; split it.")
    return [(f"item {number}", item) for number, item in enumerate(items, start=1)]


def read_rows(path: Path) -> list[tuple[str, dict]]:
    """(where, row) pairs: `line N` for CSV (the header is line 1), `item N` for JSON."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ImportFileError(f"{path.name}: give a .csv or .json file.")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFileError(
                f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; split it."
            )
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror}).") from error
    return _read_csv(data) if suffix == ".csv" else _read_json(data)


def _row_errors(row) -> str | None:
    if not isinstance(row, dict):
        return "is not an object with named fields"
    extra = row.get("_extra")
    if extra and any((value or "").strip() for value in extra):
        return f"has {len(extra)} more field(s) than the header"
    odd = [k for k, v in row.items() if k != "_extra" and v is not None and not isinstance(v, str | int)]
    if odd:
        return f"{', '.join(map(str, odd))}: give a plain value"
    return None


def _form_message(form: HCPRowForm) -> str:
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def _consent_datetime(value: datetime.date | None):
    if value is None:
        return None
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)


class _Importer:
    def __init__(self, report: ImportReport):
        self.report = report
        self.seen: dict[str, str] = {}

    def row(self, where: str, row) -> None:
        problem = _row_errors(row)
        if problem:
            self.report.problems.append((where, problem))
            return
        form = HCPRowForm({k: "" if v is None else str(v) for k, v in row.items() if k != "_extra"})
        if not form.is_valid():
            self.report.problems.append((where, _form_message(form)))
            return
        data = form.cleaned_data
        for key in filter(
            None, (data["external_id"] and f"external_id {data['external_id']}", f"email {data['email']}")
        ):
            if key in self.seen:
                self.report.problems.append((where, f"{key} repeats {self.seen[key]} of this file"))
                return
            self.seen[key] = where
        try:
            with transaction.atomic():
                outcome = self.apply(where, data)
        except (ValidationError, _RowConflict) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.report.problems.append((where, message))
            return
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)

    def existing(self, data) -> HCP | None:
        if data["external_id"]:
            found = HCP.objects.select_for_update().filter(external_id=data["external_id"]).first()
            if found is not None:
                return found
        found = HCP.objects.select_for_update().filter(email=data["email"]).first()
        if found is not None and data["external_id"] and found.external_id:
            raise _RowConflict(
                f"email {data['email']} belongs to the HCP with external_id {found.external_id}"
            )
        return found

    def apply(self, where: str, data) -> str:
        hcp = self.existing(data)
        created = hcp is None
        hcp = hcp or HCP()
        before = {f: getattr(hcp, f) for f in FIELDS}
        hcp.name, hcp.specialty, hcp.market = data["name"].strip(), data["specialty"], data["market"]
        hcp.email = data["email"]
        if data["external_id"]:
            hcp.external_id = data["external_id"].strip()
        self.set_consent(where, hcp, data, created)
        changed = created or before != {f: getattr(hcp, f) for f in FIELDS}
        if changed:
            hcp.full_clean()
            hcp.save()
        assigned = False
        if data["rep"] is not None:
            _, assigned = TerritoryAssignment.objects.get_or_create(rep=data["rep"], hcp=hcp)
        return "created" if created else "updated" if changed or assigned else "unchanged"

    def set_consent(self, where, hcp: HCP, data, created: bool) -> None:
        consent, when = data["consent"], _consent_datetime(data["consent_date"])
        source = data["consent_source"].strip() or "import"
        if (
            not created
            and hcp.consent == HCP.CONSENT_WITHDRAWN
            and consent == HCP.CONSENT_GIVEN
            and hcp.consent_date is not None
            and (when is None or when <= hcp.consent_date)
        ):
            self.report.notes.append(
                (
                    where,
                    f"consent kept withdrawn: {hcp.name} withdrew on {hcp.consent_date:%Y-%m-%d} "
                    f"({hcp.consent_source}); a yes needs a later consent_date",
                )
            )
            return
        if created or consent != hcp.consent or when is not None:
            hcp.consent = consent
            # Without a date the change is dated now; the next import of the same file changes nothing.
            hcp.consent_date = when or timezone.now()
            hcp.consent_source = source


FIELDS = (
    "name",
    "specialty_id",
    "market_id",
    "email",
    "external_id",
    "consent",
    "consent_date",
    "consent_source",
)


class _RowConflict(Exception):
    pass


def hcps_import(*, path: Path, actor=None) -> ImportReport:
    """Import every valid row of the file; each row is its own transaction; the run is audited."""
    rows = read_rows(path)
    report = ImportReport(source=path.name)
    importer = _Importer(report)
    for where, row in rows:
        importer.row(where, row)
    audit_record(
        action="reps.hcps_imported",
        actor=actor,
        object_type="reps.hcp",
        object_repr=f"HCP import {path.name}"[:255],
        data={
            "file": path.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "problems": len(report.problems),
            "at": timezone.now().isoformat(),
        },
    )
    return report
