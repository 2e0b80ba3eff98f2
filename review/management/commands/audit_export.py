import getpass
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from review.exports import FORMATS, AuditExportError, audit_export, export_filter


class Command(BaseCommand):
    help = (
        "Export audit entries for legal discovery, as CSV or PDF: every entry in a date range "
        "(inclusive, UTC), every entry about one item, or both. The file states whether the whole "
        "hash chain verifies. The export is itself recorded in the audit trail (review.audit_exported). "
        "Exits non-zero and writes nothing on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument("--from", dest="date_from", default="", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", default="", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--object", dest="item", default="", metavar="APP_LABEL.MODEL:ID", help="e.g. modules.claim:42"
        )
        parser.add_argument(
            "--output", required=True, metavar="PATH", help="File to write (replaced if present)."
        )

    def handle(self, *args, fmt, date_from, date_to, item, output, **options):
        target = self._writable_target(output)
        try:
            filters = export_filter(date_from=date_from, date_to=date_to, item=item)
            # The trail records the export only if the file was written: both happen or neither does.
            with transaction.atomic():
                export = audit_export(
                    fmt=fmt, filters=filters, via=f"manage.py audit_export (OS user {_os_user()})"
                )
                _write_atomically(target, export.content)
        except AuditExportError as error:
            raise CommandError(str(error), returncode=2) from error
        except OSError as error:
            raise CommandError(
                f"Could not write {target}: {error.strerror or error}.", returncode=1
            ) from error
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {export.count} audit entries ({fmt.upper()}) to {target}.")
        )

    def _writable_target(self, output: str) -> Path:
        target = Path(output).expanduser()
        if target.is_dir():
            raise CommandError(f"{target} is a directory; give a file name.", returncode=2)
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.", returncode=2)
        if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise CommandError(f"Cannot write to {target}: permission denied.", returncode=2)
        return target


def _write_atomically(target: Path, content: bytes) -> None:
    """Write beside the target and rename, so a failed write never leaves half a file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
