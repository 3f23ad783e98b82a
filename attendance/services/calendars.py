"""School days (rule A3): from a school's calendar when it has one for the year,
otherwise from its registers. Stored per school and year in `SchoolYearDays` so
the figures for a whole LA read 420 short rows instead of scanning registers.

See docs/rules.md#a3-school-days-school-weeks-and-the-national-threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from ..figures import SchoolCalendar, days_from_registers
from ..models import RegisterYear, SchoolClosure, SchoolTerm, SchoolYearDays
from ..years import academic_year_of, days_in_year, year_end, year_start


def days_from_calendar(
    academic_year: int, terms: Iterable[SchoolTerm], closures: Iterable[SchoolClosure]
) -> str:
    """Weekdays inside a term, less closures and INSET days."""
    start = year_start(academic_year)
    flags = ["0"] * days_in_year(academic_year)
    for term in terms:
        day = max(term.start, start)
        while day <= min(term.end, year_end(academic_year)):
            if day.weekday() < 5:
                flags[(day - start).days] = "1"
            day += dt.timedelta(days=1)
    for closure in closures:
        if start <= closure.date <= year_end(academic_year):
            flags[(closure.date - start).days] = "0"
    return "".join(flags)


def school_days_compute(school_id: int, academic_year: int) -> tuple[str, str]:
    """(days, source) for one school and year, read from the database."""
    first, last = year_start(academic_year), year_end(academic_year)
    terms = list(SchoolTerm.unscoped.filter(school_id=school_id, start__lte=last, end__gte=first))
    if terms:
        closures = SchoolClosure.unscoped.filter(school_id=school_id, date__range=(first, last))
        return days_from_calendar(academic_year, terms, closures), SchoolYearDays.Source.CALENDAR
    marks = RegisterYear.unscoped.filter(
        school_id=school_id, academic_year=academic_year
    ).values_list("marks", flat=True)
    days = days_from_registers(academic_year, marks.iterator(chunk_size=2000))
    return days or "0" * days_in_year(academic_year), SchoolYearDays.Source.REGISTERS


def school_days_refresh(
    *, pairs: Iterable[tuple[int, int]], after_marks_change: bool = False
) -> None:
    """Recompute and store the school days of each (school id, academic year).

    After an import (`after_marks_change`), a school whose days come from its
    calendar is left alone: new marks cannot change them.
    """
    pairs = set(pairs)
    if after_marks_change:
        from_calendar = set(
            SchoolYearDays.unscoped.filter(
                source=SchoolYearDays.Source.CALENDAR,
                school_id__in={school for school, _ in pairs},
            ).values_list("school_id", "academic_year")
        )
        pairs -= from_calendar
    for school_id, academic_year in sorted(pairs):
        days, source = school_days_compute(school_id, academic_year)
        SchoolYearDays.unscoped.update_or_create(
            school_id=school_id,
            academic_year=academic_year,
            defaults={"days": days, "source": source},
        )


def calendars_for(
    *, school_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], SchoolCalendar]:
    """The stored school days for these schools and years, computing (without
    storing) any that have not been refreshed yet."""
    stored = {
        (row.school_id, row.academic_year): row.days
        for row in SchoolYearDays.unscoped.filter(
            school_id__in=school_ids, academic_year__in=years
        ).only("school_id", "academic_year", "days")
    }
    calendars = {}
    for school_id in school_ids:
        for year in years:
            days = stored.get((school_id, year))
            if days is None:
                days, _ = school_days_compute(school_id, year)
            calendars[(school_id, year)] = SchoolCalendar(school_id, year, days)
    return calendars


def school_days_after(*, school_id: int, day: dt.date, count: int) -> dt.date:
    """The `count`th school day after `day` at this school (rule A3's school
    days: the calendar, or the registers where there is none). Looks up to two
    academic years ahead; beyond the known school days it counts weekdays, so a
    notice issued before next year's calendar is entered still gets a date."""
    remaining = count
    current = day + dt.timedelta(days=1)
    year = academic_year_of(current)
    calendars = calendars_for(school_ids=[school_id], years=[year, year + 1])
    while remaining:
        calendar = calendars.get((school_id, academic_year_of(current)))
        if calendar is not None and "1" in calendar.days:
            is_school_day = calendar.is_school_day(current)
        else:
            is_school_day = current.weekday() < 5
        if is_school_day:
            remaining -= 1
            if not remaining:
                return current
        current += dt.timedelta(days=1)
    return current
