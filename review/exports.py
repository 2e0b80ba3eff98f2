"""Audit export for legal discovery: the entries of a date range or of one item, as CSV or PDF.

Every export is itself an audited action (``review.audit_exported``, with its filters).
"""

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .audit import ChainReport, audit_record, audit_verify
from .errors import ReviewError
from .labels import object_type_label
from .models import AuditEntry

FORMATS = ("csv", "pdf")
EXPORTED_ACTION = "review.audit_exported"
CSV_COLUMNS = [
    "sequence",
    "created_at_utc",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "revision_id",
    "data",
    "previous_hash",
    "entry_hash",
]
# Spreadsheets run cells that start with these as formulas; such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A reader that splits on every CR or LF (some spreadsheet imports do, quotes or not) starts a new
# cell at each line break, so the text after every break is neutralised too.
FORMULA_AFTER_BREAK = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t])")
# RFC 4180 line ends; the csv module then quotes every cell holding a CR or LF (with "\n" alone
# it left a bare CR unquoted, which split the row).
LINE_END = "\r\n"


class AuditExportError(ReviewError):
    """The export request is incomplete or names something that does not exist."""


@dataclass(frozen=True)
class ObjectRef:
    object_type: str  # app_label.model
    object_id: str

    def __str__(self):
        return f"{self.object_type}:{self.object_id}"


@dataclass(frozen=True)
class AuditExportFilter:
    """Inclusive UTC dates, one item, or both (then entries must match both)."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    item: ObjectRef | None = None

    def as_data(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "object": str(self.item) if self.item else None,
        }

    def describe(self) -> str:
        parts = []
        if self.date_from:
            parts.append(f"{self.date_from:%Y-%m-%d} to {self.date_to:%Y-%m-%d} (inclusive, UTC)")
        if self.item:
            parts.append(f"item {self.item}")
        return "; ".join(parts)


def parse_date(value: str, *, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise AuditExportError(f"{name} must be a date as YYYY-MM-DD, not “{value}”.") from None


def parse_object(value: str) -> ObjectRef:
    """`app_label.model:ID` naming a model that exists, and an item it holds or the trail mentions."""
    label, sep, object_id = (value or "").strip().rpartition(":")
    if not sep or not label or not object_id or "." not in label:
        raise AuditExportError(f"Name the item as app_label.model:ID, e.g. modules.claim:42, not “{value}”.")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise AuditExportError(f"Unknown object type “{label}”.") from None
    ref = ObjectRef(object_type_label(model), object_id)
    # An item deleted since is still exportable: its entries in the trail are what discovery needs.
    exists = (
        _item_exists(model, object_id)
        or AuditEntry.objects.filter(object_type=ref.object_type, object_id=object_id).exists()
    )
    if not exists:
        raise AuditExportError(
            f"No {model._meta.verbose_name} with id {object_id} and no audit entries for it."
        )
    return ref


def _item_exists(model, object_id: str) -> bool:
    try:
        return model._default_manager.filter(pk=object_id).exists()
    except (ValueError, TypeError, ValidationError):  # not a valid key for this model at all
        return False


def export_filter(*, date_from: str = "", date_to: str = "", item: str = "") -> AuditExportFilter:
    """Validate user input into a filter; raises AuditExportError with a message the user can act on."""
    if bool(date_from) != bool(date_to):
        raise AuditExportError("Give both dates of the range (from and to), or neither.")
    if not date_from and not item:
        raise AuditExportError("Give a date range, an item, or both.")
    start = parse_date(date_from, name="The from date") if date_from else None
    end = parse_date(date_to, name="The to date") if date_to else None
    if start and end and start > end:
        raise AuditExportError(f"The from date {start} is after the to date {end}.")
    return AuditExportFilter(start, end, parse_object(item) if item else None)


def entries_for(filters: AuditExportFilter):
    entries = AuditEntry.objects.chained()
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=datetime.UTC)
        end = datetime.datetime.combine(filters.date_to, datetime.time.min, tzinfo=datetime.UTC)
        entries = entries.filter(created_at__gte=start, created_at__lt=end + datetime.timedelta(days=1))
    if filters.item:
        entries = entries.filter(object_type=filters.item.object_type, object_id=filters.item.object_id)
    return entries


def data_json(entry: AuditEntry) -> str:
    return json.dumps(entry.data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)


def utc_iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def verification_line(report: ChainReport) -> str:
    if report.intact:
        checked = f"{len(report.checkpoints)} checkpoints" if report.checkpoints else "no checkpoints"
        return (
            f"Chain verification: intact — all {report.checked} entries of the trail verified "
            f"(against {checked})."
        )
    entry = report.broken_at
    if entry is None:
        return f"Chain verification: FAILS ITS CHECKPOINTS — {report.reason}."
    return (
        f"Chain verification: BROKEN at entry #{entry.sequence} ({entry.action}): {report.reason}; "
        f"{report.checked} entries before it are intact."
    )


def csv_cell(value) -> str:
    """One CSV cell that no spreadsheet runs as a formula (also used by engagement's report exports)."""
    text = FORMULA_AFTER_BREAK.sub(r"\1'", "" if value is None else str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _comment(text: str) -> str:
    # A comment is one line: a line break in it (an object id from the filter) would start a row.
    return "# " + " ".join(text.splitlines()) + LINE_END


def entry_row(entry: AuditEntry) -> list[str]:
    values = [
        entry.sequence,
        utc_iso(entry.created_at),
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.revision_id,
        data_json(entry),
        entry.previous_hash,
        entry.entry_hash,
    ]
    return [csv_cell(value) for value in values]


def audit_csv(entries, *, filters: AuditExportFilter, report: ChainReport, generated_at) -> bytes:
    """Comment lines (# …) with filters and chain verification, then a header row and one row per entry."""
    buffer = io.StringIO(newline="")
    buffer.write(_comment(f"Audit export generated {utc_iso(generated_at)}"))
    buffer.write(_comment(f"Filter: {filters.describe()}"))
    buffer.write(_comment(verification_line(report)))
    buffer.write(
        _comment(
            "Cells starting with = + - @ or a tab, and such text after a line break inside a cell, "
            "carry a leading apostrophe so spreadsheets do not run them."
        )
    )
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(entry_row(entry))
    return buffer.getvalue().encode("utf-8")


def audit_pdf(entries, *, filters: AuditExportFilter, report: ChainReport, generated_at) -> bytes:
    from weasyprint import HTML

    from .package import PACKAGE_ORIGIN, LocalMediaFetcher

    html = render_to_string(
        "review/audit_export.html",
        {
            "rows": [(entry, data_json(entry)) for entry in entries],
            "filters": filters,
            "verification": verification_line(report),
            "intact": report.intact,
            "generated_at": generated_at,
        },
    )
    return HTML(string=html, base_url=PACKAGE_ORIGIN, url_fetcher=LocalMediaFetcher()).write_pdf()


@dataclass(frozen=True)
class AuditExport:
    content: bytes
    fmt: str
    count: int
    filters: AuditExportFilter
    entry: AuditEntry

    @property
    def content_type(self) -> str:
        return "text/csv; charset=utf-8" if self.fmt == "csv" else "application/pdf"

    @property
    def filename(self) -> str:
        return f"audit-export-{self.entry.created_at:%Y%m%dT%H%M%SZ}.{self.fmt}"


def _export_repr(filters: AuditExportFilter, entries: list[AuditEntry]) -> str:
    if filters.item is None:
        return "Audit trail"
    named = [entry.object_repr for entry in entries if entry.object_repr]
    return named[-1] if named else str(filters.item)


@transaction.atomic
def audit_export(*, fmt: str, filters: AuditExportFilter, actor=None, via: str = "") -> AuditExport:
    """Build the export and record it in the trail, in one transaction (a failed caller undoes both)."""
    if fmt not in FORMATS:
        raise AuditExportError(f"Choose a format: {' or '.join(FORMATS)}, not “{fmt}”.")
    entries = list(entries_for(filters))
    report = audit_verify()
    generated_at = timezone.now()
    build = audit_csv if fmt == "csv" else audit_pdf
    content = build(entries, filters=filters, report=report, generated_at=generated_at)
    entry = audit_record(
        action=EXPORTED_ACTION,
        actor=actor,
        object_type=filters.item.object_type if filters.item else "",
        object_id=filters.item.object_id if filters.item else "",
        object_repr=_export_repr(filters, entries),
        data={
            **filters.as_data(),
            "format": fmt,
            "entries": len(entries),
            "chain_intact": report.intact,
            "via": via,
        },
    )
    return AuditExport(content=content, fmt=fmt, count=len(entries), filters=filters, entry=entry)
