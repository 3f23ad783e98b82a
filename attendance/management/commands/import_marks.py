from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...imports.marks_csv import ColumnsOptionError, columns_parse
from ...models import ImportBatch
from ...services.imports import import_file_run
from .import_ctf import report_print, school_by_urn


class Command(BaseCommand):
    help = (
        "Import register marks for one school from a CSV with one row per pupil and "
        "session (upn,date,session,code). A file with any error changes nothing."
    )

    # The system checks load every URL and view (a third of the start-up) and
    # check nothing an import uses; `manage.py check` and the deploy run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The marks CSV to import.")
        parser.add_argument("--school", metavar="URN", required=True, help="The school's URN.")
        parser.add_argument(
            "--year",
            type=int,
            help="The academic year, by the year it starts in (2025 for 2025/26). "
            "Default: the year of the first row's date.",
        )
        parser.add_argument(
            "--columns",
            default="",
            help="The file's column names, where they differ: "
            "upn=UPN,date=Date,session=Session,code=Mark",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            columns = columns_parse(options["columns"])
        except ColumnsOptionError as exc:
            raise CommandError(f"--columns: {exc}") from exc
        school = school_by_urn(options["school"])
        file_options: dict[str, Any] = {"columns": columns}
        if options["year"] is not None:
            file_options["academic_year"] = options["year"]
        _, report = import_file_run(
            kind=ImportBatch.Kind.MARKS_CSV, path=path, school=school, options=file_options
        )
        report_print(self, report)
