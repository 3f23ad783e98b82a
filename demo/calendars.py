"""School calendars for the demo: English term dates, worked out for any academic year.

The dates follow the pattern most English local authorities publish: pupils back in the
first days of September after one or two INSET days, half term in the last week of
October, home for Christmas on the last Friday before the 23rd, February half term in the
week of the third Monday, two weeks at Easter, the late-May bank holiday week off, and
the year ending around 20 July. Working them out (rather than listing them) keeps the
demo right whenever it is run. The demo schools share the local authority's term dates
but each chooses its own five INSET days, as real schools do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from accounts.models import School
from attendance.models import SchoolClosure, SchoolTerm, SchoolYearDays
from attendance.services.calendars import days_from_calendar
from attendance.years import year_end, year_start

_DAY = dt.timedelta(days=1)
AUTUMN_1, AUTUMN_2, SPRING_1, SPRING_2, SUMMER_1, SUMMER_2 = range(6)
HALF_TERM_NAMES = ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2")
INSET_REASON = "INSET day (staff training)"


@dataclass(frozen=True)
class InsetDay:
    """An INSET day, as the school plans it: the nth weekday of a half term, counted
    from its first day (0, 1, ...) or back from its last (-1 is the last day)."""

    half_term: int
    weekday: int


@dataclass(frozen=True)
class CalendarStyle:
    """How one school's calendar differs from the local authority's term dates."""

    insets: tuple[InsetDay, ...]
    # Secondary schools often start the autumn term a day after the primaries.
    autumn_starts_on_weekday: int = 0


@dataclass(frozen=True)
class HalfTerm:
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Closure:
    date: dt.date
    kind: SchoolClosure.Kind
    reason: str


@dataclass(frozen=True)
class YearPlan:
    """One school's calendar for one academic year, before it is saved."""

    academic_year: int
    terms: tuple[HalfTerm, ...]
    closures: tuple[Closure, ...]

    def days(self) -> str:
        """School days as `SchoolYearDays.days` would hold them (rule A3)."""
        terms = [SchoolTerm(start=t.start, end=t.end) for t in self.terms]
        closures = [SchoolClosure(date=c.date) for c in self.closures]
        return days_from_calendar(self.academic_year, terms, closures)

    def school_days(self) -> list[dt.date]:
        start = year_start(self.academic_year)
        return [start + i * _DAY for i, flag in enumerate(self.days()) if flag == "1"]

    def closure_days(self) -> list[dt.date]:
        """Planned whole-school closures on weekdays inside a term: "#" in the register."""
        return sorted(
            c.date
            for c in self.closures
            if c.date.weekday() < 5 and any(t.start <= c.date <= t.end for t in self.terms)
        )


def year_plan(style: CalendarStyle, academic_year: int, *, summer_only: bool = False) -> YearPlan:
    """The school's terms and closures for the year; with `summer_only`, just the
    summer term (the demo keeps only that much of a year before the current one)."""
    terms = half_terms(academic_year, style)
    closures: dict[dt.date, Closure] = {}
    for day, name in bank_holidays(academic_year).items():
        if any(t.start <= day <= t.end for t in terms) and day.weekday() < 5:
            closures[day] = Closure(day, SchoolClosure.Kind.BANK_HOLIDAY, name)
    holidays = set(closures)
    for inset in style.insets:
        inset_day = _inset_date(terms[inset.half_term], inset.weekday, holidays=holidays)
        if inset_day is not None and inset_day not in closures:
            closures[inset_day] = Closure(inset_day, SchoolClosure.Kind.INSET, INSET_REASON)
    if summer_only:
        terms = terms[SUMMER_1:]
        closures = {d: c for d, c in closures.items() if d >= terms[0].start}
    return YearPlan(academic_year, tuple(terms), tuple(sorted(closures.values(), key=_by_date)))


def _by_date(closure: Closure) -> dt.date:
    return closure.date


def half_terms(academic_year: int, style: CalendarStyle | None = None) -> list[HalfTerm]:
    year = academic_year
    autumn_start = _weekdays_from(dt.date(year, 9, 1))[
        style.autumn_starts_on_weekday if style else 0
    ]
    october_break = _last_monday(year, 10)
    christmas = _weekday_on_or_before(dt.date(year, 12, 22), 4)
    spring_start = _weekday_on_or_after(dt.date(year + 1, 1, 4))
    if spring_start.weekday() == 4:
        # Nobody goes back to school for one day before a weekend.
        spring_start += 3 * _DAY
    february_break = _nth_monday(year + 1, 2, 3)
    easter = easter_sunday(year + 1)
    may_break = _last_monday(year + 1, 5)
    summer_end = _weekday_on_or_before(dt.date(year + 1, 7, 22), 4)
    if summer_end.day < 19:
        # A midweek finish rather than a week short of the usual length.
        summer_end = dt.date(year + 1, 7, 22)
    dates = (
        (autumn_start, october_break - 3 * _DAY),
        (october_break + 7 * _DAY, christmas),
        (spring_start, february_break - 3 * _DAY),
        # Two weeks at Easter: Holy Week and the week after Easter Monday.
        (february_break + 7 * _DAY, easter - 9 * _DAY),
        (easter + 8 * _DAY, may_break - 3 * _DAY),
        (may_break + 7 * _DAY, summer_end),
    )
    return [
        HalfTerm(name, start, end)
        for name, (start, end) in zip(HALF_TERM_NAMES, dates, strict=True)
    ]


def bank_holidays(academic_year: int) -> dict[dt.date, str]:
    """England's bank holidays from 1 September to 31 August."""
    year = academic_year + 1
    easter = easter_sunday(year)
    days = {
        easter - 2 * _DAY: "Good Friday",
        easter + _DAY: "Easter Monday",
        _nth_monday(year, 5, 1): "Early May bank holiday",
        _last_monday(year, 5): "Spring bank holiday",
        _last_monday(year, 8): "Summer bank holiday",
        _weekday_on_or_after(dt.date(year, 1, 1)): "New Year's Day",
    }
    christmas, boxing_day = dt.date(academic_year, 12, 25), dt.date(academic_year, 12, 26)
    # When Christmas or Boxing Day falls at a weekend, the holiday moves to a weekday.
    days[_weekday_on_or_after(christmas)] = "Christmas Day"
    substitute = _weekday_on_or_after(boxing_day)
    while substitute in days:
        substitute += _DAY
    days[substitute] = "Boxing Day"
    return {
        d: name
        for d, name in days.items()
        if year_start(academic_year) <= d <= year_end(academic_year)
    }


def easter_sunday(year: int) -> dt.date:
    """The Western Easter (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _inset_date(term: HalfTerm, nth: int, *, holidays: Collection[dt.date]) -> dt.date | None:
    """The nth working weekday of the half term, counting from either end: a term that
    starts on a bank holiday has its INSET day on the day after."""
    days = [d for d in _weekdays_from(term.start, term.end) if d not in holidays]
    if not -len(days) <= nth < len(days):
        return None
    return days[nth]


def _weekdays_from(first: dt.date, last: dt.date | None = None) -> list[dt.date]:
    last = last or first + 14 * _DAY
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += _DAY
    return days


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += _DAY
    return day


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - ((day.weekday() - weekday) % 7) * _DAY


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + ((7 - first.weekday()) % 7 + 7 * (n - 1)) * _DAY


def _last_monday(year: int, month: int) -> dt.date:
    after = dt.date(year + month // 12, month % 12 + 1, 1)
    return _weekday_on_or_before(after - _DAY, 0)


# --- Saving ------------------------------------------------------------------------------


def calendars_save(plans: Sequence[tuple[School, YearPlan]]) -> None:
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(school=school, name=term.name, start=term.start, end=term.end)
        for school, plan in plans
        for term in plan.terms
    )
    SchoolClosure.unscoped.bulk_create(
        SchoolClosure(school=school, date=c.date, kind=c.kind, reason=c.reason)
        for school, plan in plans
        for c in plan.closures
    )


def calendars_delete(schools: Iterable[School]) -> None:
    """Terms, closures and the school days derived from them (and from registers)."""
    ids = [school.pk for school in schools]
    SchoolTerm.unscoped.filter(school_id__in=ids).delete()
    SchoolClosure.unscoped.filter(school_id__in=ids).delete()
    SchoolYearDays.unscoped.filter(school_id__in=ids).delete()
