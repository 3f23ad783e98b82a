"""School days (rule A3): from a school's calendar when it has one for the year,
otherwise from its registers. Stored per school and year in `SchoolYearDays` so
the figures for a whole LA read 420 short rows instead of scanning registers.

See docs/rules.md#a3-school-days-school-weeks-and-the-national-threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from core.working_days import is_working_day

from .. import signals
from ..figures import SchoolCalendar, days_from_registers
from ..models import RegisterYear, SchoolClosure, SchoolTerm, SchoolYearDays
from ..signals import school_days_changed
from ..years import academic_year_of, day_index, days_in_year, year_end, year_start

if TYPE_CHECKING:
    from accounts.models import User


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
    *,
    pairs: Iterable[tuple[int, int]],
    after_marks_change: bool = False,
    acting_user: User | None = None,
    reason: str | None = None,
) -> None:
    """Recompute and store the school days of each (school id, academic year).

    After an import (`after_marks_change`), a school whose days come from its
    calendar is left alone: new marks cannot change them.

    Schools whose stored days changed are announced (`attendance.signals.
    school_days_changed`), so dates counted in their school days are recounted.
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
    if not pairs:
        return
    before = {
        (school_id, year): days
        for school_id, year, days in SchoolYearDays.unscoped.filter(
            school_id__in={school for school, _ in pairs},
            academic_year__in={year for _, year in pairs},
        ).values_list("school_id", "academic_year", "days")
    }
    changed: set[int] = set()
    for school_id, academic_year in sorted(pairs):
        days, source = school_days_compute(school_id, academic_year)
        SchoolYearDays.unscoped.update_or_create(
            school_id=school_id,
            academic_year=academic_year,
            defaults={"days": days, "source": source},
        )
        if before.get((school_id, academic_year)) != days:
            changed.add(school_id)
    if changed:
        school_days_changed.send(
            sender=SchoolYearDays,
            school_ids=frozenset(changed),
            reason=reason or (signals.REGISTERS if after_marks_change else signals.CALENDAR),
            acting_user=acting_user,
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


# Counting school days forward (deadlines) --------------------------------------


class SchoolDays:
    """Which dates are school days at a school, for counting forward from a date
    (the Notice to Improve period, the referral deadline, rule A3):

    - the school's calendar, for an academic year it has terms in;
    - otherwise the dates with register marks, up to the school's latest known
      school day;
    - beyond that, an estimate: working days (weekdays less England and Wales
      bank holidays, core.working_days), until the school adds its term dates.

    The stored school days (`SchoolYearDays`) are facts and feed the figures; the
    estimate is only ever used to count forward, and `is_estimated` says when
    a date relied on it so the pages can ask for the term dates.
    """

    def __init__(
        self,
        years: Mapping[tuple[int, int], tuple[str, str]],
        latest_known: Mapping[int, dt.date | None],
    ) -> None:
        self._years = years
        self._latest_known = latest_known

    def _known(self, school_id: int, day: dt.date) -> str | None:
        """The stored flags for the day's year, or None when the day is estimated."""
        found = self._years.get((school_id, academic_year_of(day)))
        if found is None or "1" not in found[0]:
            return None
        days, source = found
        if source == SchoolYearDays.Source.CALENDAR:
            return days
        latest = self._latest_known.get(school_id)
        return days if latest is not None and day <= latest else None

    def is_estimated(self, school_id: int, day: dt.date) -> bool:
        return self._known(school_id, day) is None

    def is_school_day(self, school_id: int, day: dt.date) -> bool:
        days = self._known(school_id, day)
        if days is None:
            return is_working_day(day)
        index = day_index(day)
        return 0 <= index < len(days) and days[index] == "1"

    def latest_on_or_before(self, school_id: int, day: dt.date, *, lookback: int = 70) -> dt.date:
        """The latest school day on or before `day`, looking back at most
        `lookback` days (a summer holiday is about six weeks); `day` if none."""
        for back in range(lookback):
            candidate = day - dt.timedelta(days=back)
            if self.is_school_day(school_id, candidate):
                return candidate
        return day

    def count_between(self, school_id: int, after: dt.date, last: dt.date) -> int:
        """School days after `after`, up to and including `last`."""
        total, current = 0, after + dt.timedelta(days=1)
        while current <= last:
            total += self.is_school_day(school_id, current)
            current += dt.timedelta(days=1)
        return total

    def nth_after(self, school_id: int, day: dt.date, count: int) -> dt.date:
        """The `count`th school day after `day` (not counting `day` itself)."""
        current, remaining = day, max(count, 1)
        while remaining:
            current += dt.timedelta(days=1)
            remaining -= self.is_school_day(school_id, current)
        return current

    def any_estimated(self, school_id: int, after: dt.date, last: dt.date) -> bool:
        """Whether a school day counted after `after` up to `last` was estimated."""
        current = after + dt.timedelta(days=1)
        while current <= last:
            if self.is_estimated(school_id, current) and is_working_day(current):
                return True
            current += dt.timedelta(days=1)
        return False


def school_days_load(*, school_ids: Collection[int], years: Collection[int]) -> SchoolDays:
    """The school days of these schools for counting forward through these
    academic years (two queries; a year not refreshed yet is computed)."""
    first = min(years)
    rows = {
        (school_id, year): (days, source)
        for school_id, year, days, source in SchoolYearDays.unscoped.filter(
            school_id__in=school_ids, academic_year__gte=first
        ).values_list("school_id", "academic_year", "days", "source")
    }
    missing = {(s, y) for s in school_ids for y in years if (s, y) not in rows}
    if missing:
        # Mostly next year's, before any term dates or marks: those are found
        # in two queries instead of two per school, and have no school days.
        schools = {s for s, _ in missing}
        first_day, last_day = year_start(min(years)), year_end(max(years))
        some = {
            (school_id, year)
            for school_id, start, end in SchoolTerm.unscoped.filter(
                school_id__in=schools, start__lte=last_day, end__gte=first_day
            ).values_list("school_id", "start", "end")
            for year in years
            if start <= year_end(year) and end >= year_start(year)
        }
        some |= set(
            RegisterYear.unscoped.filter(school_id__in=schools, academic_year__in=years)
            .values_list("school_id", "academic_year")
            .distinct()
        )
        for school_id, year in missing:
            if (school_id, year) in some:
                rows[(school_id, year)] = school_days_compute(school_id, year)
            else:
                rows[(school_id, year)] = (
                    "0" * days_in_year(year),
                    SchoolYearDays.Source.REGISTERS,
                )
    # A school's latest known school day: the last one of its latest year with
    # any, from its calendar or its marks. Registers say nothing beyond it.
    latest: dict[int, dt.date | None] = dict.fromkeys(school_ids)
    for (school_id, year), (days, _) in rows.items():
        last = days.rfind("1")
        if last >= 0:
            known = year_start(year) + dt.timedelta(days=last)
            current = latest.get(school_id)
            if current is None or known > current:
                latest[school_id] = known
    return SchoolDays(rows, latest)


def school_days_after(*, school_id: int, day: dt.date, count: int) -> dt.date:
    """The `count`th school day after `day` at this school (rule A3): from its
    calendar where it has one, otherwise its registers up to the latest mark,
    then working days (weekdays less bank holidays). See `SchoolDays`."""
    year = academic_year_of(day + dt.timedelta(days=1))
    found = school_days_load(school_ids=[school_id], years=[year, year + 1])
    return found.nth_after(school_id, day, count)


def school_days_estimated(
    *,
    school_id: int,
    day: dt.date,
    until: dt.date | None = None,
    count: int | None = None,
) -> bool:
    """Whether counting school days after `day` (up to `until`, or to the
    `count`th school day) relied on the working-day estimate: the school has no
    calendar for those dates and they come after its latest register mark. A
    page that shows such a date says so and asks for the school's term dates.
    With neither `until` nor `count`, whether the day after `day` is estimated."""
    year = academic_year_of(day + dt.timedelta(days=1))
    years = (
        [year, year + 1] if until is None else range(year, max(year, academic_year_of(until)) + 1)
    )
    found = school_days_load(school_ids=[school_id], years=years)
    if until is None:
        if count is None:
            return found.is_estimated(school_id, day + dt.timedelta(days=1))
        until = found.nth_after(school_id, day, count)
    return found.any_estimated(school_id, day, until)
