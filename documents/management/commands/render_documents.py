"""Write every document that applies to a case, one PDF per document and
recipient, without storing them (to check a case's letters, or a template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.models import AttendanceCase

from ...services.generate import refusal, render, subjects_of


class Command(BaseCommand):
    help = "Write every document that applies to a case: one file per document and recipient."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_id", type=int)
        parser.add_argument("--out", required=True, help="the directory to write the files to")

    def handle(self, *args: Any, **options: Any) -> None:
        case = (
            AttendanceCase.unscoped.select_related("pupil", "school__local_authority")
            .filter(pk=options["case_id"])
            .first()
        )
        if case is None:
            raise CommandError(f"There is no case {options['case_id']}.")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for subject in subjects_of(case):
            refused = refusal(subject)
            if refused is not None:
                self.stderr.write(f"{subject.kind.title}: not made. {refused}")
                continue
            _, rendered = render(subject, version=1)
            name = subject.key.replace(":", "-") + ".pdf"
            (out / name).write_bytes(rendered.pdf)
            written += 1
            self.stdout.write(f"{out / name}")
        self.stdout.write(f"{written} document{'' if written == 1 else 's'} written to {out}")
