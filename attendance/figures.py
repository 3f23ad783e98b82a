"""The attendance figures (rules A2 and A3), as plain functions over plain data.

Everything that shows or uses a figure (pages, the API, the commands, the
pathway engine, the nightly jobs) gets it from here, so one number means the
same thing everywhere. Inputs are mark strings (see attendance.years), the
pupil's enrolments, and each school's school days; no database access happens
here (attendance.selectors loads the data).

Counting is done on bytes with `translate` and `count`, and school-day masks as
big integers, so that a whole LA (about 130,000 pupils) takes seconds.

See docs/rules.md#a2-attendance-and-absence-figures and
docs/rules.md#a3-school-days-school-weeks-and-the-national-threshold.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from . import codes
from .years import academic_year_of, date_at, day_index, year_start

PERSISTENT_ABSENCE_RATE = 10.0
SEVERE_ABSENCE_RATE = 50.0
NATIONAL_THRESHOLD_SESSIONS = 10
NATIONAL_THRESHOLD_WEEKS = 10
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _table(groups: Mapping[bytes, str]) -> bytes:
    table = bytearray(b"." * 256)
    for out, chars in groups.items():
        for char in chars.encode("ascii"):
            table[char] = out[0]
    return bytes(table)


# Each mark becomes one byte: a(ttended), b (authorised), c (unauthorised),
# "." for anything that is not a possible session.
_CATEGORY = _table(
    {b"a": codes.ATTENDED_CHARS, b"b": codes.AUTHORISED_CHARS, b"c": codes.UNAUTHORISED_CHARS}
)
_IS_NO_MARK = bytes(1 if i == ord(codes.NO_MARK) else 0 for i in range(256))
_IS_UNAUTHORISED = bytes(1 if chr(i) in codes.UNAUTHORISED_CHARS else 0 for i in range(256))
_IS_REAL_MARK = bytes(
    0 if i in (ord(codes.NO_MARK), ord(codes.NO_SESSION)) else 1 for i in range(256)
)


@dataclass(frozen=True)
class Register:
    """A pupil's mark string at one school for one academic year."""

    school_id: int
    academic_year: int
    marks: str


@dataclass(frozen=True)
class Span:
    """An enrolment: on roll at `school_id` from `start` to `end` (None: still on roll)."""

    school_id: int
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Figures:
    upn: str
    as_at: dt.date
    possible_sessions: int
    attended_sessions: int
    authorised_absence_sessions: int
    unauthorised_absence_sessions: int
    attendance_rate: float | None
    absence_rate: float | None
    persistent_absence: bool
    severe_absence: bool
    unauthorised_last_10_school_weeks: int
    national_threshold_met: bool
    missing_marks: int

    @property
    def absence_sessions(self) -> int:
        return self.authorised_absence_sessions + self.unauthorised_absence_sessions

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_at"] = self.as_at.isoformat()
        return data


@dataclass(frozen=True)
class Counts:
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0

    @property
    def possible(self) -> int:
        return self.attended + self.authorised + self.unauthorised

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.attended + other.attended,
            self.authorised + other.authorised,
            self.unauthorised + other.unauthorised,
        )


def count_marks(marks: str) -> Counts:
    """Sessions attended, authorised and unauthorised in a stretch of marks."""
    sorted_bytes = marks.encode("ascii").translate(_CATEGORY)
    return Counts(sorted_bytes.count(b"a"), sorted_bytes.count(b"b"), sorted_bytes.count(b"c"))


def weekly_counts(
    marks: Iterable[str], *, year: int, as_at: dt.date
) -> list[tuple[dt.date, Counts]]:
    """Sessions possible and attended week by week (weeks start on Monday) from
    the start of `year` to `as_at`, over many pupils' mark strings for that year:
    a whole school's attendance trend. Weeks with no possible session (a half
    term) are left out.

    Each week's stretch of every register is joined into one string and counted
    once, so a school of 5,000 pupils costs about 40 counts, not 200,000."""
    start = year_start(year)
    cut = 2 * ((as_at - start).days + 1)
    texts = [text[:cut] for text in marks]
    weeks = []
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= as_at:
        lo = max(0, 2 * (monday - start).days)
        hi = min(cut, 2 * ((monday - start).days + 7))
        counts = count_marks("".join(text[lo:hi] for text in texts))
        if counts.possible:
            weeks.append((monday, counts))
        monday += dt.timedelta(days=7)
    return weeks


def rate(part: int, possible: int) -> float | None:
    """A percentage, unrounded; None when there were no possible sessions."""
    return part / possible * 100 if possible else None


class SchoolCalendar:
    """The school days of one school in one academic year (a `SchoolYearDays.days`
    string: "1" per school day, one character per calendar date from 1 September)."""

    def __init__(self, school_id: int, academic_year: int, days: str) -> None:
        self.school_id = school_id
        self.academic_year = academic_year
        self.days = days
        start = year_start(academic_year).toordinal()
        self.day_ordinals = [start + i for i, flag in enumerate(days) if flag == "1"]

    @cached_property
    def session_mask(self) -> bytes:
        """One byte per session of the year: 1 on a school day, else 0."""
        return self.days.replace("0", "\0\0").replace("1", "\1\1").encode("ascii")

    def is_school_day(self, day: dt.date) -> bool:
        index = day_index(day)
        return (
            academic_year_of(day) == self.academic_year
            and 0 <= index < len(self.days)
            and self.days[index] == "1"
        )


def days_from_registers(academic_year: int, mark_strings: Iterable[str]) -> str:
    """Rule A3 for a school without a calendar: a date is a school day when at
    least one pupil has a mark on it other than "#" and "-"."""
    length = 0
    seen = 0
    for marks in mark_strings:
        # Every register of one school year has the same length (two per date).
        length = len(marks)
        seen |= int.from_bytes(marks.encode("ascii").translate(_IS_REAL_MARK), "big")
    flags = seen.to_bytes(length, "big")
    return "".join("1" if flags[i] or flags[i + 1] else "0" for i in range(0, length, 2))


@dataclass
class Context:
    """What the figures for many pupils share: the date and the school calendars.

    Caches the school-week computation, which is the same for every pupil with
    the same enrolment at the same school.
    """

    as_at: dt.date
    calendars: Mapping[tuple[int, int], SchoolCalendar]
    _weeks_cache: dict[tuple[int, dt.date, dt.date | None], list[int]] = field(default_factory=dict)

    @property
    def academic_year(self) -> int:
        return academic_year_of(self.as_at)

    def calendar(self, school_id: int, year: int) -> SchoolCalendar | None:
        return self.calendars.get((school_id, year))

    def recent_school_weeks(self, span: Span) -> list[int]:
        """Mondays (as ordinals) of the last NATIONAL_THRESHOLD_WEEKS school weeks,
        Monday on or before `as_at`, in which `span` covers a school day."""
        key = (span.school_id, span.start, span.end)
        if key not in self._weeks_cache:
            self._weeks_cache[key] = self._school_weeks(span)
        return self._weeks_cache[key]

    def _school_weeks(self, span: Span) -> list[int]:
        weeks: list[int] = []
        as_at = self.as_at.toordinal()
        last_monday = as_at - (as_at - 1) % 7
        # The week containing as_at counts if it has a school day, even a later one.
        latest_day = last_monday + 6
        if span.end is not None:
            latest_day = min(latest_day, span.end.toordinal())
        # Walk back through the academic years until enough weeks are found.
        year = academic_year_of(dt.date.fromordinal(latest_day))
        while len(weeks) < NATIONAL_THRESHOLD_WEEKS and year >= academic_year_of(span.start):
            calendar = self.calendar(span.school_id, year)
            if calendar is not None:
                days = calendar.day_ordinals
                stop = bisect_right(days, latest_day)
                first = span.start.toordinal()
                for ordinal in reversed(days[:stop]):
                    if ordinal < first:
                        break
                    monday = ordinal - (ordinal - 1) % 7
                    if not weeks or weeks[-1] != monday:
                        weeks.append(monday)
                        if len(weeks) == NATIONAL_THRESHOLD_WEEKS:
                            break
            year -= 1
        return weeks


def window_start(context: Context, spans: Sequence[Span]) -> dt.date | None:
    """Monday of the earliest of the pupil's last 10 school weeks (rule A3)."""
    mondays: set[int] = set()
    for span in spans:
        mondays.update(context.recent_school_weeks(span))
    if not mondays:
        return None
    return dt.date.fromordinal(sorted(mondays)[-NATIONAL_THRESHOLD_WEEKS:][0])


def unauthorised_between(registers: Sequence[Register], first: dt.date, last: dt.date) -> int:
    total = 0
    for register in registers:
        start = year_start(register.academic_year)
        lo = max(0, 2 * (first - start).days)
        hi = min(len(register.marks), 2 * ((last - start).days + 1))
        if lo < hi:
            total += register.marks.encode("ascii")[lo:hi].translate(_IS_UNAUTHORISED).count(1)
    return total


def missing_marks(context: Context, registers: Sequence[Register], spans: Sequence[Span]) -> int:
    """Sessions on a school day, while on roll, up to `as_at`, with no mark."""
    year = context.academic_year
    hi_day = day_index(context.as_at) + 1
    total = 0
    by_school = {r.school_id: r for r in registers if r.academic_year == year}
    for span in spans:
        calendar = context.calendar(span.school_id, year)
        if calendar is None:
            continue
        first = max(0, (span.start - year_start(year)).days)
        last = hi_day if span.end is None else min(hi_day, (span.end - year_start(year)).days + 1)
        if first >= last:
            continue
        mask = calendar.session_mask[2 * first : 2 * last]
        register = by_school.get(span.school_id)
        if register is None:
            total += mask.count(1)
            continue
        no_mark = register.marks.encode("ascii")[2 * first : 2 * last].translate(_IS_NO_MARK)
        total += (int.from_bytes(no_mark, "big") & int.from_bytes(mask, "big")).bit_count()
    return total


def counts_between(registers: Sequence[Register], first: dt.date, last: dt.date) -> Counts:
    """Attended, authorised and unauthorised sessions from `first` to `last`
    inclusive, across every register (and academic year) given."""
    total = Counts()
    for register in registers:
        start = year_start(register.academic_year)
        lo = max(0, 2 * (first - start).days)
        hi = min(len(register.marks), 2 * ((last - start).days + 1))
        if lo < hi:
            total += count_marks(register.marks[lo:hi])
    return total


def year_to_date(registers: Sequence[Register], as_at: dt.date) -> Counts:
    """Attended, authorised and unauthorised sessions from 1 September to `as_at`."""
    year = academic_year_of(as_at)
    end = 2 * (day_index(as_at) + 1)
    total = Counts()
    for register in registers:
        if register.academic_year == year:
            total += count_marks(register.marks[:end])
    return total


# One mark per session (rule A2) ---------------------------------------------------

# Stands in, in a pupil's loaded register, for a session that another school's
# mark counts for. Never stored: it is neither a mark nor "no mark", so the
# session is neither counted twice nor reported missing.
COUNTED_ELSEWHERE = "="

_IS_POSSIBLE = bytes(1 if chr(i) in codes.POSSIBLE_CHARS else 0 for i in range(256))
_IS_ATTENDED = bytes(1 if chr(i) in codes.ATTENDED_CHARS else 0 for i in range(256))

# Outside an enrolment these are no marks at all: nothing to take out or report.
_NOT_COUNTED_OUTSIDE = codes.NO_MARK + codes.NO_SESSION

OUTSIDE_ENROLMENT = "outside_enrolment"
MARKED_TWICE = "marked_twice"


@dataclass(frozen=True)
class MarkProblem:
    """A data-quality problem in a pupil's registers that the figures work round:
    marks dated outside the pupil's enrolment at that school (not counted), or
    a session marked by two schools (counted once, at `counted_school_id`)."""

    kind: str
    school_id: int
    first: dt.date
    last: dt.date
    sessions: int
    counted_school_id: int | None = None


def _ranges(spans: Sequence[Span], academic_year: int, length: int) -> list[tuple[int, int]]:
    """The stretches of positions (two per date) of a year's register that the
    spans cover, in order and merged."""
    start = year_start(academic_year)
    found = []
    for span in spans:
        lo = max(0, 2 * (span.start - start).days)
        hi = length if span.end is None else min(length, 2 * ((span.end - start).days + 1))
        if lo < hi:
            found.append((lo, hi))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(found):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _within_enrolment(
    register: Register, spans: Sequence[Span], problems: list[MarkProblem]
) -> Register:
    """The register with marks outside the pupil's enrolments at its school
    taken out. Quick when an enrolment covers the whole register, or when
    nothing but "no mark" lies outside (the nightly refresh runs it for every
    pupil)."""
    marks = register.marks
    first_day = year_start(register.academic_year)
    last_day = first_day + dt.timedelta(days=len(marks) // 2 - 1)
    here = [span for span in spans if span.school_id == register.school_id]
    for span in here:
        if span.start <= first_day and (span.end is None or span.end >= last_day):
            return register
    gaps: list[tuple[int, int]] = []
    position = 0
    for lo, hi in [*_ranges(here, register.academic_year, len(marks)), (len(marks), len(marks))]:
        if position < lo and marks[position:lo].strip(_NOT_COUNTED_OUTSIDE):
            gaps.append((position, lo))
        position = hi
    if not gaps:
        return register
    raw = marks.encode("ascii")
    chars = list(marks)
    for lo, hi in gaps:
        outside = raw[lo:hi].translate(_IS_REAL_MARK)
        count = outside.count(1)
        if count:
            problems.append(
                MarkProblem(
                    OUTSIDE_ENROLMENT,
                    register.school_id,
                    date_at(register.academic_year, lo + outside.index(1)),
                    date_at(register.academic_year, lo + outside.rindex(1)),
                    count,
                )
            )
        chars[lo:hi] = codes.NO_MARK * (hi - lo)
    return Register(register.school_id, register.academic_year, "".join(chars))


def _start_on(spans: Sequence[Span], day: dt.date) -> dt.date:
    return max((span.start for span in spans if span.covers(day)), default=dt.date.min)


def _once_per_session(
    registers: list[Register], spans_at: Mapping[int, Sequence[Span]], problems: list[MarkProblem]
) -> list[Register]:
    """One academic year's registers at several schools, with each session that
    two of them mark as a possible session counted at one school only: the
    school of the enrolment that started latest (the school the pupil moved
    to), then an attended mark over an absence, then the lower school id."""
    length = max(len(r.marks) for r in registers)
    possible = [
        r.marks.ljust(length, codes.NO_MARK).encode("ascii").translate(_IS_POSSIBLE)
        for r in registers
    ]
    as_ints = [int.from_bytes(flags, "big") for flags in possible]
    clashes = 0
    for i in range(len(as_ints)):
        for j in range(i + 1, len(as_ints)):
            clashes |= as_ints[i] & as_ints[j]
    if not clashes:
        return registers
    chars = [list(r.marks) for r in registers]
    year = registers[0].academic_year
    lost: dict[tuple[int, int], list[int]] = defaultdict(list)
    raw = clashes.to_bytes(length, "big")
    position = raw.find(1)
    while position >= 0:
        day = date_at(year, position)
        marking = [k for k in range(len(registers)) if possible[k][position]]
        winner = max(
            marking,
            key=lambda k: (
                _start_on(spans_at.get(registers[k].school_id, ()), day),
                _IS_ATTENDED[ord(registers[k].marks[position])],
                -registers[k].school_id,
            ),
        )
        for k in marking:
            if k != winner:
                chars[k][position] = COUNTED_ELSEWHERE
                lost[(registers[k].school_id, registers[winner].school_id)].append(position)
        position = raw.find(1, position + 1)
    for (school_id, counted_at), positions in sorted(lost.items()):
        problems.append(
            MarkProblem(
                MARKED_TWICE,
                school_id,
                date_at(year, positions[0]),
                date_at(year, positions[-1]),
                len(positions),
                counted_at,
            )
        )
    return [
        Register(r.school_id, r.academic_year, "".join(chars[k])) for k, r in enumerate(registers)
    ]


@dataclass(frozen=True)
class PupilMarks:
    """A pupil's registers as the figures count them (rule A2), and what had
    to be left out to get there."""

    registers: list[Register]
    problems: list[MarkProblem]
    # Each school's own marks inside its enrolment, before a session marked
    # twice is given to one school: what a school's own figures count.
    within_enrolment: list[Register]


def one_mark_per_session(registers: Sequence[Register], spans: Sequence[Span]) -> PupilMarks:
    """Rule A2: one session of one child is one session. Marks dated outside the
    pupil's enrolment at that school are left out; a session that two schools
    both mark as a possible session counts at one of them (`_once_per_session`).
    Both are reported. Applying it again changes nothing."""
    problems: list[MarkProblem] = []
    within = [_within_enrolment(r, spans, problems) for r in registers]
    years = [r.academic_year for r in within]
    if len(set(years)) == len(years):
        # One school per year (nearly every pupil): no session can be marked twice.
        return PupilMarks(within, problems, within)
    spans_at: dict[int, list[Span]] = defaultdict(list)
    for span in spans:
        spans_at[span.school_id].append(span)
    counted = list(within)
    by_year: dict[int, list[int]] = defaultdict(list)
    for index, year in enumerate(years):
        by_year[year].append(index)
    for indexes in by_year.values():
        if len(indexes) > 1:
            once = _once_per_session([counted[i] for i in indexes], spans_at, problems)
            for i, register in zip(indexes, once, strict=True):
                counted[i] = register
    return PupilMarks(counted, problems, within)


def pupil_figures(
    *,
    upn: str,
    registers: Sequence[Register],
    spans: Sequence[Span],
    context: Context,
) -> Figures:
    """Every figure for one pupil as at `context.as_at`, across all their
    enrolments, one mark per session (`one_mark_per_session`)."""
    registers = one_mark_per_session(registers, spans).registers
    return _figures(
        upn=upn,
        as_at=context.as_at,
        counts=year_to_date(registers, context.as_at),
        missing=missing_marks(context, registers, spans),
        recent_unauthorised=recent_unauthorised(context, registers, spans),
    )


def school_figures(
    *,
    upn: str,
    school_id: int,
    registers: Sequence[Register],
    spans: Sequence[Span],
    context: Context,
) -> Figures:
    """A pupil's figures for one school: sessions and rates from that school's
    enrolment only (rule A2), the national threshold from every enrolment (A3),
    one mark per session. The school keeps its own marks inside its enrolment
    even where another school's mark counts for the pupil (the DfE counts per
    enrolment)."""
    marks = one_mark_per_session(registers, spans)
    counted = marks.registers
    spans_here = [s for s in spans if s.school_id == school_id]
    here = [r for r in marks.within_enrolment if r.school_id == school_id]
    return _figures(
        upn=upn,
        as_at=context.as_at,
        counts=year_to_date(here, context.as_at),
        missing=missing_marks(context, here, spans_here),
        recent_unauthorised=recent_unauthorised(context, counted, spans),
    )


def recent_unauthorised(
    context: Context, registers: Sequence[Register], spans: Sequence[Span]
) -> int:
    """Unauthorised sessions in the pupil's last 10 school weeks, up to as_at."""
    first_monday = window_start(context, spans)
    if first_monday is None:
        return 0
    return unauthorised_between(registers, first_monday, context.as_at)


def _figures(
    *, upn: str, as_at: dt.date, counts: Counts, missing: int, recent_unauthorised: int
) -> Figures:
    absence_rate = rate(counts.authorised + counts.unauthorised, counts.possible)
    return Figures(
        upn=upn,
        as_at=as_at,
        possible_sessions=counts.possible,
        attended_sessions=counts.attended,
        authorised_absence_sessions=counts.authorised,
        unauthorised_absence_sessions=counts.unauthorised,
        attendance_rate=rate(counts.attended, counts.possible),
        absence_rate=absence_rate,
        persistent_absence=absence_rate is not None and absence_rate >= PERSISTENT_ABSENCE_RATE,
        severe_absence=absence_rate is not None and absence_rate >= SEVERE_ABSENCE_RATE,
        unauthorised_last_10_school_weeks=recent_unauthorised,
        national_threshold_met=recent_unauthorised >= NATIONAL_THRESHOLD_SESSIONS,
        missing_marks=missing,
    )


@dataclass(frozen=True)
class PatternCell:
    possible: int
    absent: int
    unauthorised: int

    @property
    def absence_rate(self) -> float | None:
        return rate(self.absent, self.possible)


def weekday_pattern(
    registers: Sequence[Register], as_at: dt.date
) -> dict[tuple[int, str], PatternCell]:
    """Absence by weekday (0 = Monday) and session, year to date: the herringbone."""
    year = academic_year_of(as_at)
    start = year_start(year)
    end = 2 * (day_index(as_at) + 1)
    tallies: dict[tuple[int, str], list[int]] = {
        (weekday, session): [0, 0, 0] for weekday in range(5) for session in ("AM", "PM")
    }
    for register in registers:
        if register.academic_year != year:
            continue
        marks = register.marks[:end].encode("ascii").translate(_CATEGORY)
        for index, category in enumerate(marks):
            if category == 46:  # "." : not a possible session
                continue
            weekday = (start + dt.timedelta(days=index // 2)).weekday()
            tally = tallies.setdefault((weekday, "AM" if index % 2 == 0 else "PM"), [0, 0, 0])
            tally[0] += 1
            if category != 97:  # "a": attended
                tally[1] += 1
            if category == 99:  # "c": unauthorised
                tally[2] += 1
    return {key: PatternCell(*tally) for key, tally in tallies.items()}


def code_breakdown(registers: Sequence[Register], as_at: dt.date) -> dict[str, int]:
    """How many sessions year to date carry each code, by 2024 code."""
    year = academic_year_of(as_at)
    end = 2 * (day_index(as_at) + 1)
    totals: dict[str, int] = {}
    for register in registers:
        if register.academic_year != year:
            continue
        marks = register.marks[:end]
        for char in set(marks) - {codes.NO_MARK, COUNTED_ELSEWHERE}:
            code = codes.BY_CHAR[char].code
            totals[code] = totals.get(code, 0) + marks.count(char)
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
