"""Importing register marks from a CSV: one row per pupil, date and session."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attendance.imports.marks_csv import ColumnsOptionError, columns_parse
from attendance.models import ImportBatch, MarkChange, RegisterYear, SchoolYearDays
from attendance.services.imports import marks_csv_import
from attendance.years import mark_index
from core.models import AuditEvent
from pupils.models import Enrolment, Pupil

from .factories import EnrolmentFactory, PupilFactory
from .factories_attendance import UPN_A, UPN_B, ImportBatchFactory, marks_csv, riverside

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 9, 1)


@pytest.fixture
def school():
    return riverside(urn="121212")


@pytest.fixture
def pupils(school):
    """Two pupils on roll at Riverside from 1 September 2025."""
    return [
        PupilFactory(upn=upn, school=None, legal_forename=name)
        for upn, name in ((UPN_A, "Willow"), (UPN_B, "Freya"))
    ]


@pytest.fixture
def on_roll(pupils, school):
    for pupil in pupils:
        EnrolmentFactory(pupil=pupil, school=school, start=MON)
    return pupils


def run(data: bytes, school, **kwargs):
    kwargs.setdefault("batch", None)
    return marks_csv_import(source=data, school=school, acting_user=None, **kwargs)


def marks_of(upn: str) -> str:
    return RegisterYear.unscoped.get(pupil__upn=upn).marks


def at(day: dt.date, session: str) -> int:
    return mark_index(day, session)  # type: ignore[arg-type]


def state() -> dict[str, object]:
    return {
        "registers": sorted(
            RegisterYear.unscoped.values_list("pupil__upn", "academic_year", "marks", "originals")
        ),
        "pupils": Pupil.unscoped.count(),
        "enrolments": Enrolment.unscoped.count(),
        "changes": MarkChange.unscoped.count(),
        "days": SchoolYearDays.unscoped.count(),
    }


def test_marks_are_loaded_for_pupils_on_roll(on_roll, school):
    data = marks_csv(
        f"{UPN_A},2025-09-01,AM,/",
        f"{UPN_A},2025-09-01,PM,\\",
        f"{UPN_A},2025-09-02,AM,C1",
        f"{UPN_B},02/09/2025,pm,n",
    )
    report = run(data, school)

    assert report.succeeded, report.errors
    assert (report.counts.registers_created, report.counts.marks_loaded) == (2, 4)
    a = marks_of(UPN_A)
    assert a[at(MON, "AM")] == "/"
    assert a[at(MON, "PM")] == "\\"
    assert a[at(dt.date(2025, 9, 2), "AM")] == "<"  # C1's one-character form
    assert marks_of(UPN_B)[at(dt.date(2025, 9, 2), "PM")] == "N"
    assert SchoolYearDays.unscoped.filter(school=school, academic_year=2025).exists()
    assert AuditEvent.objects.get(action=AuditEvent.Action.IMPORT).changes["marks_loaded"] == 4


def test_legacy_codes_are_mapped_with_the_original_kept(on_roll, school):
    data = marks_csv(
        f"{UPN_A},2025-09-01,AM,H", f"{UPN_A},2025-09-01,PM,X01", f"{UPN_A},2025-09-02,AM,I01"
    )
    assert run(data, school).succeeded
    register = RegisterYear.unscoped.get(pupil__upn=UPN_A)
    positions = (at(MON, "AM"), at(MON, "PM"), at(dt.date(2025, 9, 2), "AM"))
    assert [register.marks[p] for p in positions] == ["C", "X", "I"]
    assert register.originals == dict(zip(map(str, positions), ["H", "X01", "I01"], strict=True))


def test_the_columns_can_be_mapped(on_roll, school):
    data = marks_csv(f"{UPN_A},2025-09-01,AM,/", header=" UPN ,Date,Session,Mark")
    columns = columns_parse("upn=UPN, date=Date,session=Session,code=Mark")
    report = run(data, school, columns=columns)
    assert report.succeeded, report.errors
    assert marks_of(UPN_A)[at(MON, "AM")] == "/"


def test_a_columns_option_that_cannot_be_read_says_why():
    with pytest.raises(ColumnsOptionError, match="'mark' is not a field"):
        columns_parse("mark=Mark")
    with pytest.raises(ColumnsOptionError, match="is not field=column"):
        columns_parse("upn")


def test_the_same_file_twice_leaves_the_same_state(on_roll, school):
    data = marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_B},2025-09-01,AM,L")
    run(data, school)
    before = state()
    again = run(data, school)
    assert again.succeeded
    assert state() == before
    assert (again.counts.registers_updated, again.counts.marks_changed) == (0, 0)


def test_a_newer_file_replaces_the_mark_and_keeps_the_history(on_roll, school):
    run(marks_csv(f"{UPN_A},2025-09-01,AM,N", f"{UPN_A},2025-09-01,PM,N"), school)
    batch = ImportBatchFactory(school=school, kind=ImportBatch.Kind.MARKS_CSV)

    report = run(marks_csv(f"{UPN_A},2025-09-01,AM,M"), school, batch=batch)

    assert report.counts.marks_changed == 1
    change = MarkChange.unscoped.get()
    assert (change.date, change.session, change.old_code, change.new_code) == (
        MON,
        "AM",
        "N",
        "M",
    )
    assert change.batch == batch
    # The session the newer file does not mention keeps its mark.
    assert marks_of(UPN_A)[at(MON, "PM")] == "N"


# Errors -------------------------------------------------------------------------


@pytest.fixture
def existing(on_roll, school):
    assert run(marks_csv(f"{UPN_B},2025-09-01,AM,/"), school).succeeded
    return state()


@pytest.mark.parametrize(
    ("row", "upn", "date", "session", "message"),
    [
        pytest.param(
            f"{UPN_A},2025-09-05,AM,Q9",
            UPN_A,
            dt.date(2025, 9, 5),
            "AM",
            "unknown register code 'Q9'",
            id="unknown-code",
        ),
        pytest.param(
            "H926215520101,2025-09-05,AM,/",
            "H926215520101",
            None,
            "",
            "invalid UPN",
            id="invalid-upn",
        ),
        pytest.param(
            f"{UPN_A},2026-09-01,AM,/",
            UPN_A,
            dt.date(2026, 9, 1),
            "AM",
            "date outside the year: the file is for 2025/26",
            id="date-outside-the-year",
        ),
        pytest.param(
            f"{UPN_A},2025-09-31,AM,/",
            UPN_A,
            None,
            "",
            "'2025-09-31' is not a date",
            id="not-a-date",
        ),
        pytest.param(
            f"{UPN_A},2025-09-05,EVE,/",
            UPN_A,
            dt.date(2025, 9, 5),
            "",
            "session 'EVE' is not AM or PM",
            id="bad-session",
        ),
        pytest.param(
            f"{UPN_A},2025-08-29,AM,/",
            UPN_A,
            dt.date(2025, 8, 29),
            "AM",
            "date outside the year",
            id="before-the-year",
        ),
        pytest.param(
            "D926215520105,2025-09-05,AM,/",
            "D926215520105",
            dt.date(2025, 9, 5),
            "AM",
            "no pupil with this UPN is known",
            id="unknown-pupil",
        ),
    ],
)
def test_a_file_with_an_error_changes_nothing_and_names_the_line(
    existing, school, row, upn, date, session, message
):
    data = marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_B},2025-09-01,PM,\\", row)
    report = run(data, school)

    assert not report.succeeded
    assert state() == existing
    [error] = report.errors
    assert error.place == "Line 4"
    assert (error.upn, error.date, error.session) == (upn, date, session)
    assert error.message.startswith(message), error.message


def test_a_pupil_not_on_roll_that_day_is_an_error(existing, school, pupils):
    Enrolment.unscoped.filter(pupil__upn=UPN_A).update(end=dt.date(2025, 9, 3))
    report = run(marks_csv(f"{UPN_A},2025-09-03,AM,/", f"{UPN_A},2025-09-05,AM,/"), school)
    assert state() == existing
    [error] = report.errors
    assert str(error) == (
        f"Line 3: {UPN_A} on 2025-09-05 AM: pupil {UPN_A} is not on roll at Riverside Academy "
        "on 2025-09-05"
    )


def test_a_duplicate_session_names_both_lines(existing, school):
    report = run(marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_A},01/09/2025,am,L"), school)
    assert state() == existing
    [error] = report.errors
    assert error.place == "Line 3"
    assert error.message.startswith("duplicate session: line 2 has a mark")


def test_the_year_can_be_given_and_dates_outside_it_are_errors(existing, school):
    report = run(marks_csv(f"{UPN_A},2025-09-01,AM,/"), school, academic_year=2024)
    assert state() == existing
    assert report.errors[0].message.startswith("date outside the year: the file is for 2024/25")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(
            b"upn,date,session,code\n", "the file has a header row but no marks", id="no-rows"
        ),
        pytest.param(
            b"upn,day,session,code\nx,y,z,w\n",
            "there is no 'date' column for the date (the columns are 'upn', 'day', 'session', "
            "'code')",
            id="missing-column",
        ),
        pytest.param(b"\xff\xfe\x00\x81", "the file is not text", id="not-text"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(existing, school, data, message):
    report = run(data, school)
    assert state() == existing
    assert report.errors[0].message.startswith(message), report.errors[0].message


def test_many_errors_are_capped_with_a_count_of_the_rest(existing, school):
    rows = [f"{UPN_A},{MON + dt.timedelta(days=n)},AM,??" for n in range(300)]
    report = run(marks_csv(*rows), school)
    assert len(report.errors) == 200
    assert report.error_count == 300
    assert state() == existing


# The command --------------------------------------------------------------------


def test_the_command_imports_with_mapped_columns(on_roll, school, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_bytes(marks_csv(f"{UPN_A},01/09/2025,AM,/", header="UPN,Date,Session,Mark"))
    out = io.StringIO()
    call_command(
        "import_marks",
        str(path),
        "--school",
        school.urn,
        "--columns",
        "upn=UPN,date=Date,session=Session,code=Mark",
        stdout=out,
    )
    assert "Marks loaded: 1" in out.getvalue()
    batch = ImportBatch.unscoped.get()
    assert (batch.school, batch.status) == (school, ImportBatch.Status.SUCCEEDED)


def test_the_command_fails_listing_every_error(existing, school, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_bytes(marks_csv(f"{UPN_A},2025-09-05,AM,Q9", f"{UPN_A},2026-09-01,AM,/"))
    with pytest.raises(CommandError) as failure:
        call_command("import_marks", str(path), "--school", school.urn, "--year", "2025")
    message = str(failure.value)
    assert "the file has 2 errors" in message
    assert f"Line 2: {UPN_A} on 2025-09-05 AM: unknown register code 'Q9'" in message
    assert f"Line 3: {UPN_A} on 2026-09-01 AM: date outside the year" in message
    assert state() == existing


def test_the_command_refuses_a_bad_columns_option(school, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_bytes(marks_csv())
    with pytest.raises(CommandError, match="--columns: 'upn' is not field=column"):
        call_command("import_marks", str(path), "--school", school.urn, "--columns", "upn")
