"""The marks CSV's quick reader (issue 15, item 1): a plain file is read a
block of rows at a time with no Python code per row, and gives exactly what
the careful, row-by-row reader gives. Anything it cannot vouch for (a quote, a
ragged row, a wrong value, a session marked twice, bytes not in UTF-8) goes to
the careful reader, so the errors still name the line, pupil, date and session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from attendance.imports import marks_csv as marks_csv_module
from attendance.imports.marks_csv import CsvParse, parse_marks_csv
from attendance.models import RegisterYear
from attendance.years import mark_index

from .factories import EnrolmentFactory, PupilFactory
from .factories_attendance import UPN_A, UPN_B, UPN_C, marks_csv, riverside

MON = dt.date(2025, 9, 1)


def outcome(parsed: CsvParse) -> tuple[object, ...]:
    """Everything a reader's answer says, in a form two answers can be compared in."""
    return (
        parsed.academic_year,
        [str(error) for error in parsed.errors.items],
        parsed.errors.not_shown,
        [(upn, r.marks, r.originals) for upn, r in parsed.registers.items()],
    )


def read_both(data: bytes, **options) -> tuple[CsvParse, CsvParse]:
    return parse_marks_csv(data, **options), parse_marks_csv(data, keep_lines=True, **options)


def assert_quick(data: bytes, **options) -> CsvParse:
    """The quick reader took the file, and read it as the careful reader does."""
    quick, careful = read_both(data, **options)
    assert not quick.lines_kept, "the quick reader gave the file to the careful reader"
    assert careful.lines_kept
    assert outcome(quick) == outcome(careful)
    return quick


def assert_careful(data: bytes, **options) -> CsvParse:
    """The quick reader handed the file on, and the answer is the careful reader's."""
    quick, careful = read_both(data, **options)
    assert quick.lines_kept or not quick.registers
    assert outcome(quick) == outcome(careful)
    return quick


def test_a_plain_file_is_read_the_quick_way_with_each_mark_in_place():
    parsed = assert_quick(
        marks_csv(
            f"{UPN_A},2025-09-01,AM,/",
            f"{UPN_A},2025-09-01,PM,\\",
            f"{UPN_B},2025-09-02,AM,C1",
            f"{UPN_A},2025-09-02,PM,N",
        )
    )
    a = parsed.registers[UPN_A].marks
    assert (a[mark_index(MON, "AM")], a[mark_index(MON, "PM")]) == ("/", "\\")
    assert a[mark_index(dt.date(2025, 9, 2), "PM")] == "N"
    assert parsed.registers[UPN_B].marks[mark_index(dt.date(2025, 9, 2), "AM")] == "<"
    assert list(parsed.registers) == [UPN_A, UPN_B]  # in the order of the file
    assert parsed.academic_year == 2025


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b"upn,date,session,code\r\n" + f"{UPN_A},2025-09-01,AM,/\r\n".encode(),
            id="windows-line-endings",
        ),
        pytest.param(
            b"\xef\xbb\xbfupn,date,session,code\n" + f"{UPN_A},2025-09-01,AM,/\n".encode(),
            id="byte-order-mark",
        ),
        pytest.param(
            b"upn,date,session,code\n" + f"{UPN_A},2025-09-01,AM,/".encode(),
            id="no-newline-at-the-end",
        ),
        pytest.param(
            marks_csv(f" {UPN_A.lower()} , 01/09/2025 , am , n "),
            id="spaces-case-and-english-dates",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,H", f"{UPN_A},2025-09-01,PM,X01"),
            id="legacy-codes-keep-their-original",
        ),
        pytest.param(
            f"Code,Name,Session,Date,UPN\n/,Zoé Brown,AM,2025-09-01,{UPN_A}\n".encode(),
            id="other-columns-and-utf-8",
        ),
    ],
)
def test_the_usual_variations_are_read_the_quick_way(data):
    parsed = assert_quick(data)
    assert parsed.registers[UPN_A].marks[mark_index(MON, "AM")] in {"/", "N", "C"}


def test_a_file_of_many_blocks_is_read_the_quick_way(monkeypatch):
    """Pupils and dates met for the first time in a later block, a row cut
    in two by a block's end: the same registers as the careful reader."""
    monkeypatch.setattr(marks_csv_module, "_BLOCK", 64)
    days = [MON + dt.timedelta(days=n) for n in range(14)]
    rows = [
        f"{upn},{day.isoformat()},{session},{code}"
        for day in days
        for upn, code in ((UPN_A, "/"), (UPN_B, "H"), (UPN_C, "L"))
        for session in ("AM", "PM")
    ]
    parsed = assert_quick(marks_csv(*rows))
    assert len(parsed.registers[UPN_B].originals) == 28


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            marks_csv(f'"{UPN_A}",2025-09-01,AM,/', f"{UPN_B},2025-09-01,AM,/"), None, id="quotes"
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,/", "", f"{UPN_B},2025-09-01,AM,/"),
            None,
            id="a-blank-row",
        ),
        pytest.param(
            # One row too wide and the next too short: the cells would still
            # line up in fours, but the second row has no code.
            marks_csv(f"{UPN_A},2025-09-01,AM,/,{UPN_B}", "2025-09-01,AM,/"),
            "Line 3: 2025-09-01: invalid UPN",
            id="ragged-rows-that-add-up",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_A},2025-09-01,AM,N"),
            "Line 3: H926215520100 on 2025-09-01 AM: duplicate session: line 2 has a mark "
            "for the same pupil, date and session",
            id="duplicate-session",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_A.lower()},2025-09-01,AM,N"),
            "Line 3: H926215520100 on 2025-09-01 AM: duplicate session",
            id="duplicate-session-written-differently",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,/", f"{UPN_A},2026-09-01,AM,/"),
            "Line 3: H926215520100 on 2026-09-01 AM: date outside the year",
            id="date-outside-the-year",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,/", "H926215520101,2025-09-01,AM,/"),
            "Line 3: H926215520101: invalid UPN",
            id="invalid-upn",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,AM,Q9"),
            "Line 2: H926215520100 on 2025-09-01 AM: unknown register code 'Q9'",
            id="unknown-code",
        ),
        pytest.param(
            marks_csv(f"{UPN_A},2025-09-01,EVE,/"),
            "Line 2: H926215520100 on 2025-09-01: session 'EVE' is not AM or PM",
            id="bad-session",
        ),
        pytest.param(
            f"upn,date,session,code,note\n{UPN_A},2025-09-01,AM,/,Zoé\n".encode("cp1252"),
            None,
            id="windows-1252",
        ),
        pytest.param(b"upn,date,session,code\n", "Line 2: the file has a header row", id="no-rows"),
        pytest.param(b"upn,date,code\n", "Line 1: there is no 'session' column", id="no-column"),
    ],
)
def test_what_the_quick_reader_cannot_vouch_for_goes_to_the_careful_reader(data, message):
    parsed = assert_careful(data)
    if message is None:
        assert not parsed.errors
        assert parsed.registers
    else:
        assert str(parsed.errors.items[0]).startswith(message)


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
GOOD = (
    st.sampled_from([UPN_A, UPN_B, f" {UPN_C.lower()}"]),
    st.sampled_from(["2025-09-01", "02/09/2025", "2025-12-25", "2026-08-31"]),
    st.sampled_from(["AM", "PM", "pm"]),
    st.sampled_from(["/", "\\", "N", "C1", "H", "X01", "n", "#"]),
)
WRONG = (
    st.sampled_from(["H926215520101", "", UPN_A.lower()]),
    st.sampled_from(["2026-09-01", "2025-09-31", " ", "2024-09-02"]),
    st.sampled_from(["EVE", ""]),
    st.sampled_from(["Q9", ""]),
)


@st.composite
def marks_files(draw: st.DrawFn) -> bytes:
    """Small files, most of them right, with now and then one of the things
    that go wrong in real ones: a wrong cell, an odd row, a session twice."""
    rows = draw(
        st.lists(
            st.tuples(*GOOD),
            max_size=12,
            unique_by=lambda row: (row[0].strip().upper(), row[1], row[2].upper()),
        )
    )
    rows = [list(row) for row in rows]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        how = draw(st.sampled_from(["cell", "odd row", "twice"]))
        if how == "cell" and rows:
            column = draw(st.integers(0, 3))
            draw(st.sampled_from(rows))[column] = draw(WRONG[column])
        elif how == "twice" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
    if draw(st.booleans()):
        # A column the import does not read, with whatever text an MIS puts there.
        notes = st.text(st.characters(exclude_characters=',"\r\n'), max_size=6)
        rows = [[*row, draw(notes)] if len(row) == 4 else row for row in rows]
    lines = [",".join(row) for row in rows]
    if draw(st.integers(0, 4)) == 0:
        odd = draw(st.sampled_from(["", "a,b", f"{UPN_A},2025-09-03,AM,/,extra", '"x",y,z,w']))
        lines.insert(draw(st.integers(0, len(lines))), odd)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = "upn,date,session,code" + (",note" if any(len(row) == 5 for row in rows) else "")
    text = newline.join([header, *lines])
    return (text + draw(st.sampled_from(["", newline]))).encode()


@SETTINGS
@given(data=marks_files(), year=st.sampled_from([None, 2025, 2024]))
def test_the_quick_reader_always_agrees_with_the_careful_reader(data, year):
    quick, careful = read_both(data, academic_year=year)
    assert outcome(quick) == outcome(careful)


@SETTINGS
@given(data=marks_files())
def test_in_blocks_of_a_few_bytes_the_quick_reader_still_agrees(data):
    original = marks_csv_module._BLOCK
    marks_csv_module._BLOCK = 40
    try:
        quick, careful = read_both(data)
    finally:
        marks_csv_module._BLOCK = original
    assert outcome(quick) == outcome(careful)


@pytest.mark.django_db
def test_a_pupil_not_on_roll_is_named_by_line_after_a_quick_read_of_a_file_on_disk(tmp_path):
    """The quick reader keeps no lines: an error found against the roll reads
    the file again, from the place the import started, to name the lines."""
    school = riverside(urn="121212")
    pupil = PupilFactory(upn=UPN_A, school=None)
    EnrolmentFactory(pupil=pupil, school=school, start=dt.date(2025, 9, 2))
    path = tmp_path / "marks.csv"
    path.write_bytes(
        marks_csv(
            f"{UPN_A},2025-09-02,AM,/",
            f"{UPN_A},2025-09-01,PM,/",
            f"{UPN_B},2025-09-02,AM,/",
        )
    )

    with pytest.raises(CommandError) as refused:
        call_command("import_marks", str(path), "--school", school.urn)

    message = str(refused.value)
    assert (
        f"Line 3: {UPN_A} on 2025-09-01 PM: pupil {UPN_A} is not on roll at {school.name} "
        "on 2025-09-01" in message
    )
    assert f"Line 4: {UPN_B} on 2025-09-02 AM: no pupil with this UPN is known" in message
    assert not RegisterYear.unscoped.exists()


def test_the_quick_reader_checks_each_distinct_value_once(monkeypatch):
    """Thousands of rows, a handful of distinct cells: each checked once."""
    checked: list[str] = []
    real = marks_csv_module._upn_problem
    monkeypatch.setattr(
        marks_csv_module, "_upn_problem", lambda upn: checked.append(upn) or real(upn)
    )
    days = [MON + dt.timedelta(days=n) for n in range(200)]
    rows = [f"{upn},{day},{s},/" for day in days for upn in (UPN_A, UPN_B) for s in ("AM", "PM")]
    assert_quick(marks_csv(*rows))
    # Once by the quick reader, once by the careful one that it is compared with.
    assert sorted(checked) == sorted([UPN_A, UPN_B] * 2)
