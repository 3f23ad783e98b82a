from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import School

from ...imports.report import ImportReport
from ...models import ImportBatch
from ...services.imports import import_file_run


class Command(BaseCommand):
    help = (
        "Import a DfE Common Transfer File (XML): pupils, their parents and carers, and "
        "their register marks. A file with any error changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CTF (XML) to import.")
        parser.add_argument(
            "--school",
            metavar="URN",
            help="Record the import against this school (by URN), and refuse a file that is "
            "not for it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        school = school_by_urn(options["school"]) if options["school"] else None
        _, report = import_file_run(kind=ImportBatch.Kind.CTF, path=path, school=school)
        report_print(self, report)


def school_by_urn(urn: str) -> School:
    school = School.objects.select_related("local_authority").filter(urn=urn.strip()).first()
    if school is None:
        raise CommandError(f"There is no school with URN {urn}.")
    return school


def report_print(command: BaseCommand, report: ImportReport) -> None:
    """Print the report; a failed import is a CommandError (exit status 1) listing
    every error."""
    if not report.succeeded:
        raise CommandError("\n".join(report.lines()))
    for line in report.lines():
        command.stdout.write(line)
