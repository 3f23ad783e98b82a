"""Reading a register marks CSV: one row per pupil, date and session.

No database here: `attendance.services.imports.marks_csv_import` checks the
pupils against the school's roll and writes the marks.

No MIS publishes a standard layout (docs/rules.md#import-formats), so the column names are a
mapping, `{"upn": "UPN", "date": "Date", "session": "Session", "code": "Mark"}`,
matched without regard to case or surrounding spaces. Line numbers in errors are
the file's own, counting the header as line 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import add
from typing import IO, TypeVar

from pupils.upn import upn_problem

from ..codes import UnknownCode, resolve_code
from ..years import (
    Session,
    academic_year_of,
    mark_index,
    marks_length,
    year_end,
    year_label,
    year_start,
)
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


class CsvRegister:
    """One pupil's marks from the file, as the year's mark string will hold
    them, with the line each came from (0 where the file has no mark).

    The quick reader keeps no lines (`lines` is empty): a file it reads has no
    error in itself, and for an error found later, against the roll, the
    file is read again with `keep_lines`."""

    __slots__ = ("chars", "lines", "originals")

    def __init__(self, year: int) -> None:
        self.chars = bytearray(b"-" * marks_length(year))
        self.lines = array("I", bytes(4 * marks_length(year)))
        self.originals: dict[str, str] = {}

    @classmethod
    def without_lines(cls, chars: bytearray, originals: dict[str, str]) -> CsvRegister:
        register = cls.__new__(cls)
        register.chars, register.lines, register.originals = chars, array("I"), originals
        return register

    @property
    def marks(self) -> str:
        return self.chars.decode("ascii")

    def marked_positions(self) -> Iterator[int]:
        if not self.lines:
            return (position for position, char in enumerate(self.chars) if char != _NO_MARK)
        return (position for position, line in enumerate(self.lines) if line)

    def line_of(self, position: int) -> int:
        assert self.lines, "read with keep_lines to know the lines"
        return self.lines[position]


@dataclass
class CsvParse:
    # By UPN, in the order the pupils first appear in the file.
    registers: dict[str, CsvRegister]
    academic_year: int | None
    errors: ErrorList

    @property
    def lines_kept(self) -> bool:
        return all(register.lines for register in self.registers.values())


ProgressCallback = Callable[[int, int], None]


def parse_marks_csv(
    source: bytes | IO[bytes],
    *,
    columns: Mapping[str, str] | None = None,
    academic_year: int | None = None,
    on_row: ProgressCallback | None = None,
    keep_lines: bool = False,
) -> CsvParse:
    """Read every row. The academic year is `academic_year`, or else the year of
    the first row's date; every date must fall in it. `on_row(done, total)` is
    called now and then with bytes read so far, for a progress bar.

    The file is read as a stream, and each distinct UPN, date, session and code
    is checked once (a school's year has a few thousand UPNs and a few hundred
    dates, but millions of rows), so the time grows with the file and the
    memory with the number of pupils only.

    A plain file (UTF-8, no quotes, every row as wide as the header, nothing
    wrong) is read the quick way, a block of rows at a time (`_QuickReader`).
    Anything else, or `keep_lines` (to name the line of an error found later),
    is read the careful way, a row at a time with the `csv` module, which says
    what is wrong where.
    """
    errors = ErrorList()
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    size = _size(handle)
    wanted = {**DEFAULT_COLUMNS, **(columns or {})}
    if not keep_lines:
        start = handle.tell()
        quick = _QuickReader(wanted, academic_year, on_row, size).read(handle)
        if quick is not None:
            return quick
        handle.seek(start)
    encoding = _encoding(handle)
    if encoding is None:
        errors.add("Line 1", "the file is not text in UTF-8 or Windows encoding; save it as CSV")
        return CsvParse({}, academic_year, errors)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        return _Reader(errors, academic_year, on_row, size).read(
            csv.reader(text), handle.tell, wanted
        )
    finally:
        # The caller owns the handle: let go of it without closing it.
        text.detach()


class _Reader:
    def __init__(
        self,
        errors: ErrorList,
        academic_year: int | None,
        on_row: ProgressCallback | None,
        size: int,
    ) -> None:
        self.errors = errors
        self.year = academic_year
        self.on_row = on_row
        self.size = size
        self.registers: dict[str, CsvRegister] = {}
        # Each distinct value checked once: the answer, or the error's words.
        self.upns: dict[str, str | None] = {}
        self.days: dict[str, tuple[dt.date, int] | None] = {}
        self.codes: dict[str, tuple[int, str | None] | None] = {}
        # The good values only, by the cells exactly as written.
        self.fast_registers: dict[str, CsvRegister] = {}
        self.fast_positions: dict[tuple[str, str], int] = {}
        self.fast_codes: dict[str, tuple[int, str | None]] = {}

    def read(
        self, reader: Iterator[list[str]], bytes_read: Callable[[], int], columns: Mapping[str, str]
    ) -> CsvParse:
        errors = self.errors
        try:
            header = next(reader, None)
        except csv.Error as exc:
            errors.add("Line 1", _unreadable(exc))
            return CsvParse({}, self.year, errors)
        if header is None or not any(cell.strip() for cell in header):
            errors.add(
                "Line 1", "the file is empty: it needs a header row, then one row per session"
            )
            return CsvParse({}, self.year, errors)
        index = _column_index(header, columns, errors)
        if index is None:
            return CsvParse({}, self.year, errors)
        widest = max(index.values())
        try:
            rows = self._rows(reader, bytes_read, index, widest)
        except csv.Error as exc:
            errors.add(f"Line {reader.line_num + 1}", _unreadable(exc))  # type: ignore[attr-defined]
            return CsvParse({}, self.year, errors)
        if rows == 0 and not errors:
            errors.add("Line 2", "the file has a header row but no marks")
        return CsvParse(self.registers if not errors else {}, self.year, errors)

    def _rows(
        self,
        reader: Iterator[list[str]],
        bytes_read: Callable[[], int],
        index: Mapping[str, int],
        widest: int,
    ) -> int:
        """Every row after the header into its pupil's register; returns how many.

        The common row (a known-good UPN, date and session, and code, seen
        before) takes three dictionary lookups; anything else goes through
        `_row`, which checks every cell and teaches these the good values."""
        errors = self.errors
        at_upn, at_date, at_session, at_code = (index[name] for name in FIELDS)
        registers, positions, codes = self.fast_registers, self.fast_positions, self.fast_codes
        on_row, size = self.on_row, self.size
        rows = 0
        clean = True
        for row in reader:
            line = reader.line_num  # type: ignore[attr-defined]
            try:
                register = registers[row[at_upn]]
                position = positions[row[at_date], row[at_session]]
                code = codes[row[at_code]]
            except (KeyError, IndexError):
                if len(row) <= widest or not row[at_upn].strip():
                    if not any(cell.strip() for cell in row):
                        continue
                    row = row + [""] * max(0, widest + 1 - len(row))
                self._row(line, row[at_upn], row[at_date], row[at_session], row[at_code])
                clean = not errors
            else:
                if register.lines[position]:
                    self._row(line, row[at_upn], row[at_date], row[at_session], row[at_code])
                    clean = not errors
                else:
                    register.lines[position] = line
                    if clean:
                        register.chars[position] = code[0]
                        if code[1]:
                            register.originals[str(position)] = code[1]
            rows += 1
            if on_row is not None and rows % 20_000 == 0:
                on_row(bytes_read(), size)
        return rows

    def _row(self, line: int, raw_upn: str, raw_date: str, raw_session: str, raw_code: str) -> None:
        """One row into its pupil's register, adding an error for each cell that
        is wrong. A row whose pupil, date and session are readable is placed even
        when its code is not, so that the year and duplicate checks still see it."""
        errors = self.errors
        upn = raw_upn.strip().upper()
        if upn in self.upns:
            problem = self.upns[upn]
        else:
            problem = self.upns[upn] = _upn_problem(upn)
        if problem is not None:
            errors.add(f"Line {line}", problem, upn=upn)
        if raw_date in self.days:
            found = self.days[raw_date]
        else:
            found = self.days[raw_date] = _day(raw_date)
        day = found[0] if found else None
        session = _session(raw_session)
        if found is None:
            value = raw_date.strip()
            errors.add(
                f"Line {line}",
                f"{value!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY"
                if value
                else "there is no date",
                upn=upn,
            )
        if session is None:
            value = raw_session.strip()
            errors.add(
                f"Line {line}",
                f"session {value!r} is not AM or PM" if value else "there is no session (AM or PM)",
                upn=upn,
                date=day,
            )
        if raw_code in self.codes:
            code = self.codes[raw_code]
        else:
            code = self.codes[raw_code] = _code(raw_code)
        if code is None:
            value = raw_code.strip()
            errors.add(
                f"Line {line}",
                f"unknown register code {value!r}" if value else "there is no code",
                upn=upn,
                date=day,
                session=session or "",
            )
        if found is None or session is None:
            return
        day, am_position = found
        if self.year is None:
            self.year = academic_year_of(day)
        year = self.year
        if not (year_start(year) <= day <= year_end(year)):
            errors.add(
                f"Line {line}",
                f"date outside the year: the file is for {year_label(year)} "
                f"({_long(year_start(year))} to {_long(year_end(year))})",
                upn=upn,
                date=day,
                session=session,
            )
            return
        register = self.registers.get(upn)
        if register is None:
            register = self.registers[upn] = CsvRegister(year)
        position = am_position + (session == "PM")
        first = register.lines[position]
        if first:
            errors.add(
                f"Line {line}",
                f"duplicate session: line {first} has a mark for the same pupil, date and session",
                upn=upn,
                date=day,
                session=session,
            )
            return
        register.lines[position] = line
        if code is not None and not errors:
            # Once the file has an error nothing will be written: keep checking, not storing.
            register.chars[position] = code[0]
            if code[1]:
                register.originals[str(position)] = code[1]
        if problem is None:
            self.fast_registers[raw_upn] = register
        self.fast_positions[raw_date, raw_session] = am_position + (session == "PM")
        if code is not None:
            self.fast_codes[raw_code] = code


_NO_MARK = ord("-")
# Rows are read a block at a time: big enough that the per-block work is
# nothing, small enough that a block's cells (about 35,000 rows) are a few MB.
_BLOCK = 1 << 20


class _NeedsCarefulReader(Exception):
    """The quick reader met something only the careful reader can explain."""


_Cell = TypeVar("_Cell", bytes, tuple[bytes, bytes])


class _Learned(dict[_Cell, int]):
    """Each distinct cell, as written, to what it means: `learn` is asked once
    per cell, the first time it is seen, and raises _NeedsCarefulReader for a
    wrong one. Looking up a known cell stays a dictionary lookup in C."""

    def __init__(self, learn: Callable[[_Cell], int]) -> None:
        super().__init__()
        self.learn: Callable[[_Cell], int] = learn

    def __missing__(self, cell: _Cell) -> int:
        value = self[cell] = self.learn(cell)
        return value


class _QuickReader:
    """Reads a plain marks file a block of rows at a time, with no Python code
    run per row: each block is split into its columns, the marks are placed
    with `map` (a loop in C), and each distinct cell is checked the first time
    it is seen (`_Learned`).

    Gives up (returns None) as soon as the file needs the careful reader: a
    quote, a row not as wide as the header (a blank row too), a value that is
    wrong, a session marked twice, or bytes that are not UTF-8. It does not say
    what is wrong: the careful reader reads the file again and says it, by line.

    Rows are handled as bytes: a comma or a newline is never part of another
    character in UTF-8 or Windows-1252, and the cells that matter are checked
    as text."""

    def __init__(
        self,
        columns: Mapping[str, str],
        academic_year: int | None,
        on_row: ProgressCallback | None,
        size: int,
    ) -> None:
        self.columns = columns
        self.year = academic_year
        self.length = 0
        self.on_row = on_row
        self.size = size
        # Every pupil's marks, one year's length each, by UPN in file order.
        self.marks = bytearray()
        self.starts: dict[str, int] = {}
        self.originals: dict[int, str] = {}  # by place in `marks`
        self.legacy: dict[bytes, str] = {}  # a legacy code's cell to the code as written
        self.pupil_at = _Learned(self._pupil)
        self.place_at = _Learned(self._place)  # keyed by (date, session) cells
        self.char_of = _Learned(self._char)

    def read(self, handle: IO[bytes]) -> CsvParse | None:
        first = handle.read(_BLOCK)
        end = first.find(b"\n")
        if end < 0:
            return None
        try:
            header = first[:end].decode("utf-8-sig").removesuffix("\r")
        except UnicodeDecodeError:
            return None
        if '"' in header:
            return None
        cells = header.split(",")
        index = _column_index(cells, self.columns, ErrorList())
        if index is None:
            return None
        width, rows, rest = len(cells), 0, first[end + 1 :]
        try:
            while True:
                block = handle.read(_BLOCK)
                data = rest + block
                if block:
                    cut = data.rfind(b"\n") + 1
                    data, rest = data[:cut], data[cut:]
                    if len(rest) > _BLOCK:
                        raise _NeedsCarefulReader  # a "line" of megabytes is no marks row
                elif data and not data.endswith(b"\n"):
                    data += b"\n"
                if data:
                    rows += self._block(data, index, width)
                    if self.on_row is not None:
                        self.on_row(handle.tell(), self.size)
                if not block:
                    break
        except _NeedsCarefulReader:
            return None
        # A session marked twice leaves fewer marks than rows (no code is "-").
        if not rows or len(self.marks) - self.marks.count(b"-") != rows:
            return None
        assert self.year is not None
        return CsvParse(self._registers(), self.year, ErrorList())

    def _block(self, data: bytes, index: Mapping[str, int], width: int) -> int:
        """Place one block of whole rows; returns how many."""
        if b'"' in data:
            raise _NeedsCarefulReader
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise _NeedsCarefulReader from None
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
            if b"\r" in data:
                raise _NeedsCarefulReader
        lines = data.split(b"\n")
        lines.pop()  # after the last newline
        if set(map(bytes.count, lines, repeat(b","))) != {width - 1}:
            raise _NeedsCarefulReader
        cells = b",".join(lines).split(b",")
        upns, dates, sessions, codes = (cells[index[name] :: width] for name in FIELDS)
        if self.year is None:
            self._year_from(dates[0])
        at = list(
            map(
                add,
                map(self.pupil_at.__getitem__, upns),
                map(self.place_at.__getitem__, zip(dates, sessions, strict=True)),
            )
        )
        deque(map(self.marks.__setitem__, at, map(self.char_of.__getitem__, codes)), maxlen=0)
        if self.legacy and not self.legacy.keys().isdisjoint(codes):
            legacy = self.legacy
            self.originals.update(
                (place, legacy[code])
                for place, code in zip(at, codes, strict=True)
                if code in legacy
            )
        return len(lines)

    def _year_from(self, date_cell: bytes) -> None:
        """The year of the first row's date, as the careful reader takes it."""
        found = _day(date_cell.decode())
        if found is None:
            raise _NeedsCarefulReader
        self.year = academic_year_of(found[0])

    def _pupil(self, cell: bytes) -> int:
        upn = cell.decode().strip().upper()
        if _upn_problem(upn) is not None:
            raise _NeedsCarefulReader
        if upn not in self.starts:
            assert self.year is not None
            self.length = marks_length(self.year)
            self.starts[upn] = len(self.marks)
            self.marks.extend(b"-" * self.length)
        return self.starts[upn]

    def _place(self, cells: tuple[bytes, bytes]) -> int:
        found, session = _day(cells[0].decode()), _session(cells[1].decode())
        assert self.year is not None
        if (
            found is None
            or session is None
            or not (year_start(self.year) <= found[0] <= year_end(self.year))
        ):
            raise _NeedsCarefulReader
        return found[1] + (session == "PM")

    def _char(self, cell: bytes) -> int:
        code = _code(cell.decode())
        if code is None:
            raise _NeedsCarefulReader
        if code[1]:
            self.legacy[cell] = code[1]
        return code[0]

    def _registers(self) -> dict[str, CsvRegister]:
        length = self.length
        originals: dict[int, dict[str, str]] = {}
        for place, original in self.originals.items():
            start = place - place % length
            originals.setdefault(start, {})[str(place - start)] = original
        return {
            upn: CsvRegister.without_lines(
                self.marks[start : start + length], originals.get(start, {})
            )
            for upn, start in self.starts.items()
        }


def _unreadable(exc: csv.Error) -> str:
    """What a reader error means to the person who saved the file."""
    if "field larger than field limit" in str(exc):
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters, so this is not a "
            "marks file saved as CSV: check it is the right file"
        )
    return f"the file cannot be read as CSV from here ({exc}): save it again as CSV"


def _upn_problem(upn: str) -> str | None:
    if not upn:
        return "there is no UPN"
    problem = upn_problem(upn)
    return None if problem is None else f"invalid UPN: {problem}"


def _day(raw: str) -> tuple[dt.date, int] | None:
    """The date, and the index of its AM session in its academic year's marks."""
    day = _date(raw.strip())
    return None if day is None else (day, mark_index(day, "AM"))


def _code(raw: str) -> tuple[int, str | None] | None:
    """The stored character (as a byte) and the legacy code it was mapped from."""
    try:
        mapped = resolve_code(raw.strip())
    except UnknownCode:
        return None
    return ord(mapped.code.char), mapped.original


def _encoding(handle: IO[bytes]) -> str | None:
    """UTF-8 (with or without a byte-order mark) if every byte decodes so, else
    Windows-1252 (Excel on Windows saves "CSV" so unless told otherwise); None
    when neither reads it. One pass in chunks, so the file is never held whole."""
    start = handle.tell()
    decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding: str | None = "utf-8-sig"
    except UnicodeDecodeError:
        handle.seek(start)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            encoding = "cp1252"
        except UnicodeDecodeError:
            encoding = None
    handle.seek(start)
    return encoding


def _size(handle: IO[bytes]) -> int:
    start = handle.tell()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    return max(size - start, 1)


def _session(raw: str) -> Session | None:
    value = raw.strip().upper()
    if value == "AM":
        return "AM"
    if value == "PM":
        return "PM"
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
