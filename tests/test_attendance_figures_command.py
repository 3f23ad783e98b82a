"""`manage.py attendance_figures`: an operator's view of one pupil's figures,
on registers small enough to count by hand. `give_marks` is shared with the API
tests so that both count the same registers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import School
from attendance.reports import percent
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import Session, academic_year_of, empty_marks, mark_index
from pupils.models import Pupil

from .factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

FIGURE_KEYS = {
    "upn",
    "as_at",
    "possible_sessions",
    "attended_sessions",
    "authorised_absence_sessions",
    "unauthorised_absence_sessions",
    "attendance_rate",
    "absence_rate",
    "persistent_absence",
    "severe_absence",
    "unauthorised_last_10_school_weeks",
    "national_threshold_met",
    "missing_marks",
}
MONDAY = dt.date(2025, 1, 6)
FRIDAY = dt.date(2025, 1, 10)


def give_marks(pupil: Pupil, school: School, marks: Mapping[tuple[dt.date, Session], str]) -> None:
    """Store these marks ({(date, "AM"|"PM"): one-character code}) through the
    real write path, then derive the school's school days from its registers."""
    by_year: dict[int, list[str]] = {}
    for (day, session), char in marks.items():
        year = academic_year_of(day)
        chars = by_year.setdefault(year, list(empty_marks(year)))
        chars[mark_index(day, session)] = char
    registers_merge(
        incoming=[
            IncomingRegister(pupil.pk, school.pk, year, "".join(chars))
            for year, chars in by_year.items()
        ]
    )
    school_days_refresh(pairs={(school.pk, year) for year in by_year})


def week_of(monday: dt.date, codes: Iterable[str]) -> dict[tuple[dt.date, Session], str]:
    """Ten sessions Monday to Friday, AM then PM, with these codes in order."""
    sessions: list[tuple[dt.date, Session]] = [
        (monday + dt.timedelta(days=day), session) for day in range(5) for session in ("AM", "PM")
    ]
    return dict(zip(sessions, codes, strict=True))


def eight_present_one_ill_one_unexplained() -> dict[tuple[dt.date, Session], str]:
    return week_of(MONDAY, ["/", "\\"] * 4 + ["I", "N"])


@pytest.fixture
def pupil(school: School) -> Pupil:
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    return pupil


def run(*args: str) -> str:
    out = StringIO()
    call_command("attendance_figures", *args, stdout=out)
    return out.getvalue()


def figures_json(upn: str, on: str) -> dict[str, object]:
    return json.loads(run("--upn", upn, "--on", on, "--json"))


def test_json_has_the_thirteen_figures_counted_by_hand(pupil):
    figures = figures_json(pupil.upn, FRIDAY.isoformat())

    assert set(figures) == FIGURE_KEYS
    assert figures == {
        "upn": pupil.upn,
        "as_at": "2025-01-10",
        "possible_sessions": 10,
        "attended_sessions": 8,
        "authorised_absence_sessions": 1,
        "unauthorised_absence_sessions": 1,
        "attendance_rate": 80.0,
        "absence_rate": 20.0,
        "persistent_absence": True,
        "severe_absence": False,
        "unauthorised_last_10_school_weeks": 1,
        "national_threshold_met": False,
        "missing_marks": 0,
    }


def test_marks_after_the_date_are_not_counted(pupil):
    # Wednesday evening: Monday to Wednesday, six sessions, all present.
    figures = figures_json(pupil.upn, "2025-01-08")
    assert figures["possible_sessions"] == 6
    assert figures["attendance_rate"] == 100.0
    assert figures["persistent_absence"] is False


def test_rates_are_null_with_no_possible_sessions(school):
    pupil = PupilFactory(school=school)

    figures = figures_json(pupil.upn, FRIDAY.isoformat())

    assert figures["possible_sessions"] == 0
    assert figures["attendance_rate"] is None
    assert figures["absence_rate"] is None
    assert figures["persistent_absence"] is False
    assert figures["severe_absence"] is False


def test_threshold_and_missing_marks(school):
    pupil = PupilFactory(school=school)
    classmate = PupilFactory(school=school)
    next_monday = MONDAY + dt.timedelta(days=7)
    give_marks(pupil, school, week_of(MONDAY, ["N"] * 10))
    # Monday and Tuesday of the next week are school days (the classmate has
    # marks) and the pupil has none: four missing marks, not possible sessions.
    give_marks(classmate, school, week_of(next_monday, ["/", "\\"] * 5))

    figures = figures_json(pupil.upn, (next_monday + dt.timedelta(days=1)).isoformat())

    assert figures["possible_sessions"] == 10
    assert figures["unauthorised_last_10_school_weeks"] == 10
    assert figures["national_threshold_met"] is True
    assert figures["severe_absence"] is True
    assert figures["missing_marks"] == 4


def test_summary_is_readable_with_rates_to_one_decimal_place(pupil):
    summary = run("--upn", pupil.upn, "--on", FRIDAY.isoformat())

    assert f"UPN {pupil.upn}, as at 10 January 2025 (2024/25 so far)" in summary
    assert "Attendance 80.0% (8 of 10 sessions)" in summary
    assert "Absence 20.0% (2 of 10 sessions: 1 authorised, 1 unauthorised)" in summary
    assert "Persistent absence (10% or more): yes" in summary
    assert "Severe absence (50% or more): no" in summary
    assert "national threshold of 10: not met" in summary
    assert "Missing marks: 0" in summary


def test_summary_says_there_is_no_figure_without_possible_sessions(school):
    pupil = PupilFactory(school=school)
    summary = run("--upn", pupil.upn, "--on", FRIDAY.isoformat())
    assert "Attendance: no figure (no possible sessions)" in summary


@pytest.mark.parametrize(
    ("rate", "shown"), [(80.0, "80.0"), (1.25, "1.3"), (92.45, "92.5"), (200 / 3, "66.7")]
)
def test_rates_are_shown_rounded_half_up(rate, shown):
    assert percent(rate) == shown


def test_on_defaults_to_today_in_england(pupil):
    # 23:30 UTC on Friday 13 June is already Saturday in London (BST).
    with time_machine.travel(dt.datetime(2025, 6, 13, 23, 30, tzinfo=dt.UTC), tick=False):
        figures = json.loads(run("--upn", pupil.upn, "--json"))
    assert figures["as_at"] == "2025-06-14"
    assert figures["possible_sessions"] == 10


def test_upn_is_matched_whatever_its_case(pupil):
    assert figures_json(f" {pupil.upn.lower()} ", FRIDAY.isoformat())["upn"] == pupil.upn


def test_reads_every_school_because_it_is_an_operator_tool(pupil):
    # No user, no scope: a pupil at any school is found.
    other = PupilFactory(school=SchoolFactory())
    assert figures_json(other.upn, FRIDAY.isoformat())["upn"] == other.upn


def test_unknown_upn_is_a_command_error(db):
    with pytest.raises(CommandError, match="No pupil with UPN A123456789012"):
        run("--upn", "A123456789012", "--json")


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("10/01/2025", "is not a date: use YYYY-MM-DD"),
        ("2025-02-30", "is not a date: use YYYY-MM-DD"),
        ("9999-12-31", "Enter a date from 1 September 2000 to 31 August 2100"),
    ],
)
def test_a_bad_date_is_a_command_error(pupil, on, message):
    with pytest.raises(CommandError, match=message):
        run("--upn", pupil.upn, "--on", on)
