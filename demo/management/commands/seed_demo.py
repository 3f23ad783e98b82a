import datetime as dt
import textwrap
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator
from django.urls import reverse

from attendance.years import year_label
from cases.nightly import run_nightly
from core.dates import today
from demo.builder import (
    DEFAULT_PUPILS_PER_SCHOOL,
    DEFAULT_SEED,
    DemoDataError,
    DemoSummary,
    demo_build,
)
from demo.cases import DemoCases
from demo.registers import DemoAttendance

# Where `make run` serves unless told otherwise (its HOST and PORT).
DEFAULT_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Build the Northmoor Council demo: three schools with their calendars, a few hundred "
        "pupils with their families, a term of registers, attendance cases at every stage and "
        "one account per role, then print the pupils and cases worth a look and how to sign "
        "in. Does nothing if the demo is already there, unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"The same seed always builds the same pupils (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--pupils-per-school",
            type=int,
            default=DEFAULT_PUPILS_PER_SCHOOL,
            help=f"Pupils on roll at each school (default {DEFAULT_PUPILS_PER_SCHOOL}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo pupils, families, registers, school calendars and cases and "
            "build them again; put the demo schools and accounts, passwords included, back as they "
            "were built.",
        )
        parser.add_argument(
            "--url",
            default=DEFAULT_URL,
            help="The address the site is served at, for the sign-in address printed at the "
            f"end (default {DEFAULT_URL}; make run passes its own HOST and PORT).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sign_in_url = _sign_in_url(options["url"])
        try:
            summary = demo_build(
                seed=options["seed"],
                pupils_per_school=options["pupils_per_school"],
                reset=options["reset"],
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        run_nightly(as_at=today())  # the today pages open with the demo's flags
        self.stdout.write(_report(summary, sign_in_url=sign_in_url, style=self.style.SUCCESS))


def _sign_in_url(url: str) -> str:
    base = url.strip().rstrip("/")
    try:
        URLValidator(schemes=["http", "https"])(base)
    except ValidationError as exc:
        raise CommandError(
            f"--url must be the address the site is served at, like {DEFAULT_URL}, not {url!r}."
        ) from exc
    return base + reverse("login")


def _report(summary: DemoSummary, *, sign_in_url: str, style: Callable[[str], str]) -> str:
    where = f"{summary.local_authority} (LA {summary.la_code})"
    counts = (
        f"{summary.schools} schools, {summary.pupils} pupils, {summary.carers} parents and "
        f"carers, {summary.pupils_who_moved_school} "
        f"{'pupil' if summary.pupils_who_moved_school == 1 else 'pupils'} who moved school"
    )
    if summary.created:
        lines = [style(f"Built the demo local authority {where}: {counts}.")]
    else:
        lines = [
            f"Demo data is already present: {where}, {counts}.",
            "Run with --reset to build it again.",
        ]
    if summary.missing_accounts:
        lines.append(
            "These demo accounts have been deleted; --reset brings them back: "
            + ", ".join(summary.missing_accounts)
        )
    if summary.attendance is None:
        lines.append(
            "The demo has no registers yet (an older seed_demo built it): run with --reset."
        )
    else:
        lines += _attendance_report(summary.attendance)
        if summary.cases is None:
            lines += [
                "",
                "The demo has no cases: an older seed_demo built it, or it has too few pupils "
                "for them. Run with --reset.",
            ]
    if summary.cases is not None:
        lines += _cases_report(summary.cases)
    header = ("Role", "Email", "School or LA", "Password")
    rows = [
        (account.role, account.email, account.organisation, summary.password)
        for account in summary.accounts
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines.append("")
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    lines += ["", f"Every account's password is {summary.password}"]
    lines.append(f"Sign in at {sign_in_url}")
    return "\n".join(line.rstrip() for line in lines)


def _attendance_report(attendance: DemoAttendance) -> list[str]:
    lines = [
        f"Registers: {_day(attendance.first_day)} to {_day(attendance.as_at)}, "
        f"{attendance.registers} registers for {attendance.pupils} pupils."
    ]
    if attendance.before_this_year:
        lines.append(
            f"These are {year_label(attendance.academic_year)} registers: until this year's "
            "first school day the demo shows last year's autumn term; --reset after that "
            "day builds this year's."
        )
    with_calendar, without = attendance.schools_with_calendar, attendance.schools_without_calendar
    if with_calendar:
        has = "has" if len(with_calendar) == 1 else "have"
        lines.append(f"{_and(with_calendar)} {has} calendars: terms, INSET days, bank holidays.")
    if without:
        its = "its" if len(without) == 1 else "their"
        has = "has" if len(without) == 1 else "have"
        lines.append(f"{_and(without)} {has} none, so {its} school days come from {its} registers.")
    lines.append(
        f"Attendance {attendance.attendance_rate or 0:.1f}%: {attendance.good_attenders} of "
        f"{attendance.pupils} pupils at 96% or more, {attendance.persistent_absence} "
        f"persistently absent, {attendance.severe_absence} severely absent, "
        f"{attendance.national_threshold} at or over the national threshold, "
        f"{attendance.with_missing_marks} with missing marks."
    )
    lines = [wrapped for line in lines for wrapped in textwrap.wrap(line, _WIDTH)]
    if attendance.notable:
        lines += ["", f"Pupils to look at (figures as at {_day(attendance.as_at)}):"]
    for pupil in attendance.notable:
        year = "Reception" if pupil.year_group == "R" else f"Year {pupil.year_group}"
        lines.append(
            f"  {pupil.name}, {year}, {pupil.school}, UPN {pupil.upn}: "
            f"attendance {pupil.attendance_rate or 0:.1f}%"
        )
        lines += textwrap.wrap(
            "; ".join(pupil.notes), _WIDTH, initial_indent="    ", subsequent_indent="    "
        )
    return ["", *lines]


def _cases_report(cases: DemoCases) -> list[str]:
    lines = ["", f"Cases to look at (as at {_day(cases.as_at)}):"]
    for case in cases.cases:
        lines.append(f"  {case.pupil}, {case.school}: {case.stage}")
        lines += textwrap.wrap(
            ", ".join(case.notes), _WIDTH, initial_indent="    ", subsequent_indent="    "
        )
    return lines


_WIDTH = 96


def _day(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
