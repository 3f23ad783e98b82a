"""Reading a register marks CSV: one row per pupil, date and session.

No database here: `attendance.services.imports.marks_csv_import` checks the
pupils against the school's roll and writes the marks.

No MIS publishes a standard layout (docs/rules.md#import-formats), so the column names are a
mapping, `{"upn": "UPN", "date": "Date", "session": "Session", "code": "Mark"}`,
matched without regard to case or surrounding spaces. Line numbers in errors are
the file's own, counting the header as line 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pupils.upn import upn_problem

from ..codes import UnknownCode, resolve_code
from ..years import Session, academic_year_of, year_end, year_label, year_start
from .report import ErrorList

FIELDS = ("upn", "date", "session", "code")
DEFAULT_COLUMNS: dict[str, str] = {name: name for name in FIELDS}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


class ColumnsOptionError(ValueError):
    """A `--columns` value that cannot be read, e.g. "upn=UPN,date"."""


def columns_parse(text: str) -> dict[str, str]:
    """`upn=UPN,date=Date` as {"upn": "UPN", "date": "Date"}, other fields as named."""
    columns = dict(DEFAULT_COLUMNS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, column = part.partition("=")
        field = field.strip().lower()
        if not sep or not column.strip():
            raise ColumnsOptionError(f"{part!r} is not field=column, for example upn=UPN")
        if field not in FIELDS:
            raise ColumnsOptionError(
                f"{field!r} is not a field: use {', '.join(FIELDS)}, for example upn=UPN"
            )
        columns[field] = column.strip()
    return columns


@dataclass(frozen=True)
class CsvMark:
    line: int
    upn: str
    date: dt.date
    session: Session
    char: str  # "" when the code is unknown (and the file has an error)
    original: str | None  # the legacy code the mark was mapped from


@dataclass
class CsvParse:
    marks: list[CsvMark]
    academic_year: int | None
    errors: ErrorList


ProgressCallback = Callable[[int, int], None]


def parse_marks_csv(
    data: bytes,
    *,
    columns: Mapping[str, str] | None = None,
    academic_year: int | None = None,
    on_row: ProgressCallback | None = None,
) -> CsvParse:
    """Read every row. The academic year is `academic_year`, or else the year of
    the first row's date; every date must fall in it. `on_row(line, lines)` is
    called now and then, for a progress bar."""
    errors = ErrorList()
    text = _decode(data)
    if text is None:
        errors.add("Line 1", "the file is not text in UTF-8 or Windows encoding; save it as CSV")
        return CsvParse([], academic_year, errors)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        errors.add("Line 1", "the file is empty: it needs a header row, then one row per session")
        return CsvParse([], academic_year, errors)
    index = _column_index(header, {**DEFAULT_COLUMNS, **(columns or {})}, errors)
    if index is None:
        return CsvParse([], academic_year, errors)

    total_lines = text.count("\n") + 1
    marks: list[CsvMark] = []
    first_line: dict[tuple[str, dt.date, str], int] = {}
    year = academic_year
    rows = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if on_row is not None and rows % 5000 == 0:
            on_row(line, total_lines)
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        mark = _row(line, cells, errors)
        if mark is None:
            continue
        if year is None:
            year = academic_year_of(mark.date)
        if not (year_start(year) <= mark.date <= year_end(year)):
            errors.add(
                f"Line {line}",
                f"date outside the year: the file is for {year_label(year)} "
                f"({_long(year_start(year))} to {_long(year_end(year))})",
                upn=mark.upn,
                date=mark.date,
                session=mark.session,
            )
            continue
        key = (mark.upn, mark.date, mark.session)
        if key in first_line:
            errors.add(
                f"Line {line}",
                f"duplicate session: line {first_line[key]} has a mark for the same pupil, "
                "date and session",
                upn=mark.upn,
                date=mark.date,
                session=mark.session,
            )
            continue
        first_line[key] = line
        if mark.char and not errors:
            # Once the file has an error nothing will be written: keep checking, not storing.
            marks.append(mark)
    if rows == 0 and not errors:
        errors.add("Line 2", "the file has a header row but no marks")
    return CsvParse(marks if not errors else [], year, errors)


def _row(line: int, cells: Mapping[str, str], errors: ErrorList) -> CsvMark | None:
    """One row as a mark, adding an error for each cell that is wrong. A row
    whose pupil, date and session are readable is returned even when its code is
    not (with no `char`), so that the year and duplicate checks still see it."""
    place = f"Line {line}"
    upn = cells["upn"].upper()
    day = _date(cells["date"])
    session = _session(cells["session"])
    if not upn:
        errors.add(place, "there is no UPN")
    else:
        problem = upn_problem(upn)
        if problem is not None:
            errors.add(place, f"invalid UPN: {problem}", upn=upn)
    if day is None:
        errors.add(
            place,
            f"{cells['date']!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY"
            if cells["date"]
            else "there is no date",
            upn=upn,
        )
    if session is None:
        errors.add(
            place,
            f"session {cells['session']!r} is not AM or PM"
            if cells["session"]
            else "there is no session (AM or PM)",
            upn=upn,
            date=day,
        )
    char, original = "", None
    try:
        mapped = resolve_code(cells["code"])
        char, original = mapped.code.char, mapped.original
    except UnknownCode:
        errors.add(
            place,
            f"unknown register code {cells['code']!r}" if cells["code"] else "there is no code",
            upn=upn,
            date=day,
            session=session or "",
        )
    if day is None or session is None:
        return None
    return CsvMark(line, upn, day, session, char, original)


def _session(raw: str) -> Session | None:
    value = raw.strip().upper()
    if value == "AM":
        return "AM"
    if value == "PM":
        return "PM"
    return None


def _decode(data: bytes) -> str | None:
    # Excel on Windows saves "CSV" as cp1252 unless told otherwise.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _column_index(
    header: list[str], columns: Mapping[str, str], errors: ErrorList
) -> dict[str, int] | None:
    found = {cell.strip().lower(): i for i, cell in enumerate(header)}
    index: dict[str, int] = {}
    for name in FIELDS:
        wanted = columns[name]
        if wanted.strip().lower() in found:
            index[name] = found[wanted.strip().lower()]
        else:
            errors.add(
                "Line 1",
                f"there is no {wanted!r} column for the {name} (the columns are "
                f"{', '.join(repr(cell.strip()) for cell in header)}). Map the columns, "
                f"for example {name}={header[0].strip() or 'Column'}",
            )
    return index if len(index) == len(FIELDS) else None


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date(raw: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None
