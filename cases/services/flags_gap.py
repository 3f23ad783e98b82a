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

from ..hooks import Due, Night, SqlJudge
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


def _groups(
    night: Night,
) -> list[tuple[tuple[tuple[dt.date, dt.date], ...], list[int]]]:
    """The night's schools grouped by their last four school weeks (usually one
    group), leaving out a school whose next school day after the last complete
    day is after the night (nothing is due there yet)."""
    last = night.as_at - DAY
    by_weeks: dict[tuple[tuple[dt.date, dt.date], ...], list[int]] = defaultdict(list)
    for school_id in night.school_ids:
        if night.next_school_day(school_id, last) > night.as_at:
            continue
        found = last_school_weeks(night, school_id, last)
        if found is not None:
            by_weeks[tuple(found)].append(school_id)
    return list(by_weeks.items())


def _since(night: Night) -> dt.datetime:
    return dt.datetime.combine(
        night.as_at - dt.timedelta(days=NO_CONTACT_DAYS), dt.time.min, tzinfo=dt.UTC
    )


def _rising_sql(
    night: Night, groups: list[tuple[tuple[tuple[dt.date, dt.date], ...], list[int]]]
) -> tuple[str, dict[str, Any]]:
    """One SELECT (pupil_id, school_id, w1, w2, w3, w4) of the rising pupils in
    every group, each week's absent sessions counted in the register strings."""
    last = night.as_at - DAY
    params: dict[str, Any] = {
        "rising_year": academic_year_of(last),
        "rising_last": last,
        "rising_since": _since(night),
        "rising_absent": codes.ABSENCE_CHARS,
        "rising_at_least": LATEST_WEEK_AT_LEAST,
    }
    selects = []
    for g, (weeks, school_ids) in enumerate(groups):
        counts = []
        for w, (first, end) in enumerate(weeks, start=1):
            start = mark_index(first, "AM") + 1  # SQL strings count from 1
            params[f"g{g}w{w}start"] = start
            params[f"g{g}w{w}length"] = mark_index(end, "PM") + 2 - start
            week = f"substr(r.marks, %(g{g}w{w}start)s, %(g{g}w{w}length)s)"
            counts.append(
                f"length({week}) - length(translate({week}, %(rising_absent)s, '')) AS w{w}"
            )
        params[f"g{g}schools"] = list(school_ids)
        # Table names and fixed expressions only; every value is a parameter.
        selects.append(f"""
            SELECT r.pupil_id, r.school_id, {", ".join(counts)}
            FROM {RegisterYear._meta.db_table} r
            WHERE r.academic_year = %(rising_year)s AND r.school_id = ANY(%(g{g}schools)s)
              AND EXISTS (SELECT 1 FROM {Enrolment._meta.db_table} e
                          WHERE e.pupil_id = r.pupil_id AND e.school_id = r.school_id
                            AND e.start <= %(rising_last)s
                            AND (e."end" IS NULL OR e."end" >= %(rising_last)s))
              AND NOT EXISTS (SELECT 1 FROM {Contact._meta.db_table} c
                              WHERE c.pupil_id = r.pupil_id AND c.school_id = r.school_id
                                AND c.occurred_at >= %(rising_since)s)""")  # noqa: S608
    if not selects:
        return (
            "SELECT NULL::integer AS pupil_id, NULL::integer AS school_id, 0 AS w1, 0 AS w2,"
            " 0 AS w3, 0 AS w4 WHERE false",
            params,
        )
    sql = f"""
        SELECT pupil_id, school_id, w1, w2, w3, w4 FROM ({" UNION ALL ".join(selects)}) AS weeks
        WHERE w4 >= %(rising_at_least)s AND w4 > w1 AND w3 + w4 > w1 + w2
    """  # noqa: S608
    return sql, params


def _rising(
    night: Night, pupil_id: int, school_id: int, w1: int, w2: int, w3: int, w4: int
) -> Due | None:
    due = night.next_school_day(school_id, night.as_at - DAY)
    if due > night.as_at:
        return None
    return Due(
        f"pupil:{pupil_id}@{school_id}",
        school_id,
        due,
        pupil_id=pupil_id,
        detail=f"Absent sessions in the last four school weeks: {w1}, {w2}, {w3}, {w4}; "
        f"no contact in {NO_CONTACT_DAYS} days",
    )


def absence_rising_without_contact(night: Night) -> Iterator[Due]:
    groups = _groups(night)
    if not groups:
        return
    if connection.vendor == "postgresql":
        sql, params = _rising_sql(night, groups)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        # SQLite (make run, the demo) has no translate(): count in Python.
        last = night.as_at - DAY
        rows = []
        for weeks, school_ids in groups:
            rows += _counted_in_python(
                weeks, school_ids, year=academic_year_of(last), last=last, since=_since(night)
            )
    for row in rows:
        found = _rising(night, *row)
        if found is not None:
            yield found


def _absence_rising_due(night: Night) -> tuple[str, dict[str, Any]]:
    sql, params = _rising_sql(night, _groups(night))
    outer = (
        "SELECT 'pupil:' || x.pupil_id || '@' || x.school_id AS subject, x.school_id,"
        " x.pupil_id, NULL::integer AS case_id, x.w1, x.w2, x.w3, x.w4 FROM ({}) x"
    )
    return outer.format(sql), params


# In the database on PostgreSQL (cases.hooks.SqlJudge): the same SELECT.
absence_rising_judge = SqlJudge(
    _absence_rising_due, lambda night, row: _rising(night, row[2], row[1], *row[4:])
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
