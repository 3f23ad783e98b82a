import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.dates import today

from ...reports import PupilNotFound, as_at_problem, figures_summary, pupil_figures_unscoped


def _as_at(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD.") from None
    problem = as_at_problem(day)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return day


class Command(BaseCommand):
    help = (
        "Print one pupil's attendance figures as at a date: the same numbers as the API "
        "and the pupil page. Reads every school's records (an operator tool)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--upn", required=True, help="The pupil's UPN.")
        parser.add_argument(
            "--on", type=_as_at, default=None, help="As at (YYYY-MM-DD); today if not given."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object, with the rates unrounded (null with no possible "
            "sessions), as the API returns it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Operators paste UPNs from letters and spreadsheets; stored UPNs are upper case.
        upn = options["upn"].strip().upper()
        as_at = options["on"] or today()
        try:
            figures = pupil_figures_unscoped(upn=upn, as_at=as_at)
        except PupilNotFound as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_json(), indent=2))
        else:
            self.stdout.write(figures_summary(figures))
