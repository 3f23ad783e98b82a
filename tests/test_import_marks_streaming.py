"""The marks CSV is read as a stream (issue "Fast at LA scale", item 1): a file
on disk is never held whole, each distinct value is checked once, and the
errors still name the line, pupil, date and session, earliest lines first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from attendance.imports.marks_csv import parse_marks_csv
from attendance.imports.report import MAX_ERRORS
from attendance.models import RegisterYear
from attendance.years import mark_index

from .factories import EnrolmentFactory, PupilFactory
from .factories_attendance import UPN_A, UPN_B, marks_csv
from .test_import_marks_csv import run
from .test_import_marks_csv import school as school  # the fixture

pytestmark = pytest.mark.django_db

SEPTEMBER = [dt.date(2025, 9, 1) + dt.timedelta(days=n) for n in range(30)]
WEEKDAYS = [day for day in SEPTEMBER if day.weekday() < 5]


def rows(upn: str, days=WEEKDAYS, code="/") -> list[str]:
    return [f"{upn},{day.isoformat()},{session},{code}" for day in days for session in ("AM", "PM")]


def test_a_late_windows_character_reads_the_whole_file_as_windows_1252(school, tmp_path):
    """The encoding is judged on the whole file, not its first block: a name
    with "é" saved by Excel (byte 0xE9) two megabytes in still reads."""
    pupil = PupilFactory(upn=UPN_A, school=None)
    EnrolmentFactory(pupil=pupil, school=school, start=dt.date(2025, 9, 1))
    # Blank rows (spaces only) are skipped, so they pad the file harmlessly.
    padding = (" " * 90 + "\n") * 22_000
    text = f"upn,date,session,code,note\n{padding}{UPN_A},2025-09-01,AM,/,Zoé\n"
    path = tmp_path / "marks.csv"
    path.write_bytes(text.encode("cp1252"))
    assert path.stat().st_size > 2_000_000

    call_command("import_marks", str(path), "--school", school.urn, "--year", "2025")

    assert (
        RegisterYear.unscoped.get(pupil=pupil).marks[mark_index(dt.date(2025, 9, 1), "AM")] == "/"
    )


def test_errors_are_listed_earliest_line_first_and_the_rest_counted(school):
    """UPN_B is unknown and UPN_A not yet on roll in September's first week:
    every one of their lines is an error, listed by line whatever the order the
    pupils are checked in, up to the report's limit, with the rest counted."""
    pupil = PupilFactory(upn=UPN_A, school=None)
    EnrolmentFactory(pupil=pupil, school=school, start=dt.date(2025, 9, 8))
    interleaved = [row for pair in zip(rows(UPN_B), rows(UPN_A), strict=True) for row in pair]
    data = marks_csv(*interleaved)

    report = run(data, school)

    assert not report.succeeded
    errors = report.errors
    lines = [int(e.place.removeprefix("Line ")) for e in errors]
    assert lines == sorted(lines)
    assert lines[:3] == [2, 3, 4]
    assert errors[0].message.startswith("no pupil with this UPN is known")
    assert errors[1].message == (f"pupil {UPN_A} is not on roll at {school.name} on 2025-09-01")
    assert (errors[1].upn, errors[1].date, errors[1].session) == (
        UPN_A,
        dt.date(2025, 9, 1),
        "AM",
    )
    # UPN_B: every weekday session (22 days x 2); UPN_A: the first week (5 x 2).
    assert report.error_count == 44 + 10
    assert len(errors) == min(54, MAX_ERRORS)


def test_each_distinct_value_is_checked_once_and_each_wrong_cell_reported_per_line():
    data = marks_csv(
        f"{UPN_A},2025-09-01,AM,/",
        f"{UPN_A},2025-09-31,AM,/",
        f"{UPN_A},2025-09-31,PM,/",
        f"{UPN_A},2025-09-02,AM,Q9",
        f"{UPN_A},2025-09-03,AM,Q9",
    )
    parsed = parse_marks_csv(data)
    messages = [f"{e.place}: {e.message}" for e in parsed.errors.items]
    assert messages == [
        "Line 3: '2025-09-31' is not a date: use YYYY-MM-DD or DD/MM/YYYY",
        "Line 4: '2025-09-31' is not a date: use YYYY-MM-DD or DD/MM/YYYY",
        "Line 5: unknown register code 'Q9'",
        "Line 6: unknown register code 'Q9'",
    ]


def test_beyond_the_limit_the_earliest_lines_are_shown_and_every_error_counted(school):
    autumn = [dt.date(2025, 9, 1) + dt.timedelta(days=n) for n in range(200)]
    data = marks_csv(*rows(UPN_B, days=[d for d in autumn if d.weekday() < 5]))
    report = run(data, school)
    weekdays = sum(1 for d in autumn if d.weekday() < 5)
    assert 2 * weekdays > MAX_ERRORS
    assert report.error_count == 2 * weekdays
    assert [e.place for e in report.errors] == [f"Line {n}" for n in range(2, 2 + MAX_ERRORS)]
