from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import LocalAuthority, School

from ...imports.report import ImportReport
from ...models import ImportBatch
from ...services.imports import import_file_run


class Command(BaseCommand):
    help = (
        "Import a DfE Common Transfer File (XML): pupils, their parents and carers, and "
        "their register marks. A file with any error changes nothing."
    )

    # The system checks load every URL and view (a third of the start-up) and
    # check nothing an import uses; `manage.py check` and the deploy run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CTF (XML) to import.")
        whose = parser.add_mutually_exclusive_group()
        whose.add_argument(
            "--school",
            metavar="URN",
            help="Import for this school (by URN): refuse a file that is not for it, and "
            "change no other school's registers, pupils or parents.",
        )
        whose.add_argument(
            "--la",
            metavar="CODE",
            help="Import for every school of this local authority (its three-digit number), "
            "and no other.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        school = school_by_urn(options["school"]) if options["school"] else None
        local_authority = la_by_code(options["la"]) if options["la"] else None
        if school is None and local_authority is None:
            self.stdout.write(
                "No --school or --la given: importing for every school the file names."
            )
        _, report = import_file_run(
            kind=ImportBatch.Kind.CTF,
            path=path,
            school=school,
            local_authority=local_authority,
        )
        report_print(self, report)


def school_by_urn(urn: str) -> School:
    school = School.objects.select_related("local_authority").filter(urn=urn.strip()).first()
    if school is None:
        raise CommandError(f"There is no school with URN {urn}.")
    return school


def la_by_code(code: str) -> LocalAuthority:
    local_authority = LocalAuthority.objects.filter(code=code.strip()).first()
    if local_authority is None:
        raise CommandError(f"There is no local authority with the number {code}.")
    return local_authority


def report_print(command: BaseCommand, report: ImportReport) -> None:
    """Print the report; a failed import is a CommandError (exit status 1) listing
    every error."""
    if not report.succeeded:
        raise CommandError("\n".join(report.lines()))
    for line in report.lines():
        command.stdout.write(line)
