import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attendance.reports import as_at_problem
from cases.models import AttendanceCase

from ...rules import Evaluation
from ...services import readiness_unscoped


def _as_at(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD.") from None
    problem = as_at_problem(day)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return day


def _summary(heading: str, evaluation: Evaluation) -> list[str]:
    lines = [f"{heading}: {'allowed' if evaluation.allowed else 'not allowed'}"]
    for check in evaluation.checks:
        mark = "met" if check.met else ("NOT MET" if check.blocking else "WARNING")
        lines.append(f"  [{mark}] {check.title}")
        if check.missing:
            lines.append(f"      {check.missing}")
    return lines


class Command(BaseCommand):
    help = (
        "Check a case against the Support First pathway: whether a Notice to Improve may "
        "be issued and a referral submitted, each prerequisite with its evidence or what "
        "is missing. The same checks as the case page and the API. Reads every school's "
        "cases (an operator tool) and stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_id", type=int, help="The case's id.")
        parser.add_argument(
            "--on", type=_as_at, default=None, help="As at (YYYY-MM-DD); today if not given."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object, as the API returns it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = readiness_unscoped(case_id=options["case_id"], day=options["on"])
        except AttendanceCase.DoesNotExist:
            raise CommandError(f"No case with id {options['case_id']}.") from None
        if options["json"]:
            self.stdout.write(json.dumps(found.as_json(), indent=2))
            return
        lines = [
            f"Case {found.case_id}, as at {found.notice_to_improve.day.isoformat()}",
            *_summary("Notice to Improve", found.notice_to_improve),
            *_summary("Referral", found.referral),
        ]
        self.stdout.write("\n".join(lines))
