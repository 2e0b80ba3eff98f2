from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reps.importing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, ImportFileError, hcps_import


class Command(BaseCommand):
    help = (
        "Import HCPs from a CSV (header: "
        + ",".join(REQUIRED_COLUMNS)
        + "; optional: "
        + ",".join(OPTIONAL_COLUMNS)
        + "; consent yes/no, consent_date YYYY-MM-DD, rep = username) or a JSON list of objects with "
        "the same keys. Valid rows are kept, each bad row is reported by line (or item) number, and the "
        "command exits 1 if any row was bad. Re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            report = hcps_import(path=file)
        except ImportFileError as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        self.stdout.write(
            f"{report.source}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.problems)} rejected."
        )
        for where, note in report.notes:
            self.stdout.write(f"  {where}: {note}")
        for where, problem in report.problems:
            self.stderr.write(f"  {where}: {problem}")
        if not report.ok:
            raise CommandError(f"{len(report.problems)} row(s) were rejected; the other rows were imported.")
