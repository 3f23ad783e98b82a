"""The "gap" list: a pupil whose absence is rising over the last four school
weeks and with whom no contact has been logged in the last 14 days. Before a
case or a threshold, the pupils a school risks noticing too late ("a lack of
urgency about when to intervene", seed 004). See docs/rules.md#flags.

One SQL query per batch of schools that share the same four school weeks
(usually one): each week's absent sessions are counted in the register
strings themselves, as the bare figures are (attendance.codes.ABSENCE_CHARS)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import connection

from attendance import codes
from attendance.models import RegisterYear
from attendance.years import academic_year_of, mark_index
from pupils.models import Enrolment

from ..hooks import Due, Night
from ..models import Contact

DAY = dt.timedelta(days=1)
WEEKS = 4
NO_CONTACT_DAYS = 14
# Rising: the latest week has at least this many absent sessions, more than the
# first week, and the last two weeks more than the two before them.
LATEST_WEEK_AT_LEAST = 2


def last_school_weeks(
    night: Night, school_id: int, last: dt.date
) -> list[tuple[dt.date, dt.date]] | None:
    """The school's last `WEEKS` Monday-to-Friday weeks up to `last` that hold a
    school day (a holiday week is skipped), oldest first; None if they reach
    back into another academic year."""
    weeks: list[tuple[dt.date, dt.date]] = []
    monday = last - dt.timedelta(days=last.weekday())
    for _ in range(WEEKS * 4):
        end = min(monday + dt.timedelta(days=4), last)
        days = [monday + dt.timedelta(days=i) for i in range((end - monday).days + 1)]
        if any(night.school_days.is_school_day(school_id, d) for d in days):
            weeks.append((monday, end))
            if len(weeks) == WEEKS:
                break
        monday -= dt.timedelta(days=7)
    if len(weeks) < WEEKS or academic_year_of(weeks[-1][0]) != academic_year_of(last):
        return None
    return list(reversed(weeks))


def absence_rising_without_contact(night: Night) -> Iterator[Due]:
    last = night.as_at - DAY
    year = academic_year_of(last)
    by_weeks: dict[tuple[tuple[dt.date, dt.date], ...], list[int]] = defaultdict(list)
    for school_id in night.school_ids:
        found = last_school_weeks(night, school_id, last)
        if found is not None:
            by_weeks[tuple(found)].append(school_id)
    since = dt.datetime.combine(
        night.as_at - dt.timedelta(days=NO_CONTACT_DAYS), dt.time.min, tzinfo=dt.UTC
    )
    for weeks, school_ids in by_weeks.items():
        counts = []
        params: list[Any] = []
        for first, end in weeks:
            start = mark_index(first, "AM") + 1  # SQL strings count from 1
            length = mark_index(end, "PM") + 2 - start
            counts.append(
                "length(substr(r.marks, %s, %s)) - "
                "length(translate(substr(r.marks, %s, %s), %s, ''))"
            )
            params += [start, length, start, length, codes.ABSENCE_CHARS]
        # Table names and fixed expressions only; every value is a parameter.
        sql = f"""
            SELECT pupil_id, school_id, w1, w2, w3, w4 FROM (
              SELECT r.pupil_id, r.school_id, {counts[0]} AS w1, {counts[1]} AS w2,
                     {counts[2]} AS w3, {counts[3]} AS w4
              FROM {RegisterYear._meta.db_table} r
              WHERE r.academic_year = %s AND r.school_id = ANY(%s)
                AND EXISTS (SELECT 1 FROM {Enrolment._meta.db_table} e
                            WHERE e.pupil_id = r.pupil_id AND e.school_id = r.school_id
                              AND e.start <= %s AND (e."end" IS NULL OR e."end" >= %s))
                AND NOT EXISTS (SELECT 1 FROM {Contact._meta.db_table} c
                                WHERE c.pupil_id = r.pupil_id AND c.school_id = r.school_id
                                  AND c.occurred_at >= %s)
            ) AS weeks
            WHERE w4 >= %s AND w4 > w1 AND w3 + w4 > w1 + w2
        """  # noqa: S608
        params += [year, list(school_ids), last, last, since, LATEST_WEEK_AT_LEAST]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        else:
            # SQLite (make run, the demo) has no translate(): count in Python.
            rows = _counted_in_python(weeks, school_ids, year=year, last=last, since=since)
        for pupil_id, school_id, w1, w2, w3, w4 in rows:
            due = night.next_school_day(school_id, last)
            if due > night.as_at:
                continue
            yield Due(
                f"pupil:{pupil_id}@{school_id}",
                school_id,
                due,
                pupil_id=pupil_id,
                detail=f"Absent sessions in the last four school weeks: {w1}, {w2}, {w3}, {w4}; "
                f"no contact in {NO_CONTACT_DAYS} days",
            )


def _counted_in_python(
    weeks: tuple[tuple[dt.date, dt.date], ...],
    school_ids: list[int],
    *,
    year: int,
    last: dt.date,
    since: dt.datetime,
) -> list[tuple[int, int, int, int, int, int]]:
    from django.db.models import Exists, OuterRef, Q

    on_roll = Enrolment.unscoped.filter(
        Q(end__isnull=True) | Q(end__gte=last),
        pupil_id=OuterRef("pupil_id"),
        school_id=OuterRef("school_id"),
        start__lte=last,
    )
    contacted = Contact.unscoped.filter(
        pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id"), occurred_at__gte=since
    )
    registers = (
        RegisterYear.unscoped.filter(academic_year=year, school_id__in=school_ids)
        .filter(Exists(on_roll))
        .exclude(Exists(contacted))
        .values_list("pupil_id", "school_id", "marks")
    )
    absent = set(codes.ABSENCE_CHARS)
    rows = []
    for pupil_id, school_id, marks in registers:
        w1, w2, w3, w4 = (
            sum(c in absent for c in marks[mark_index(a, "AM") : mark_index(b, "PM") + 1])
            for a, b in weeks
        )
        if w4 >= LATEST_WEEK_AT_LEAST and w4 > w1 and w3 + w4 > w1 + w2:
            rows.append((pupil_id, school_id, w1, w2, w3, w4))
    return rows
