"""Refreshing `PupilFigures`, the per-school figures that dashboards list.

Run nightly for the whole LA (attendance.tasks / `manage.py refresh_figures`)
and after each import for the schools it touched. Idempotent: a school's rows
are replaced in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import School
from core.queue import enqueue_on_commit
from pupils.models import Enrolment, Pupil

from .. import signals
from ..figures import Register, school_figures, weekly_counts
from ..loading import context_for, registers_by_pupil, spans_by_pupil, year_overlap
from ..models import PupilFigures, SchoolFigures, SchoolWeekFigures, SchoolYearDays
from ..years import academic_year_of, year_start
from .calendars import school_days_refresh

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshResult:
    as_at: dt.date
    schools: int
    rows: int


def figures_refresh(*, as_at: dt.date, school_ids: Collection[int] | None = None) -> RefreshResult:
    """Recompute every pupil's figures at these schools (all schools if None)."""
    year = academic_year_of(as_at)
    schools = (
        School.objects.all() if school_ids is None else School.objects.filter(pk__in=school_ids)
    )
    target_school_ids = set(schools.values_list("pk", flat=True))
    in_year = Enrolment.unscoped.filter(
        Q(end__isnull=True) | Q(end__gte=year_start(year)),
        school_id__in=target_school_ids,
        start__lte=as_at,
    )
    pupil_ids = in_year.values("pupil_id")
    spans = spans_by_pupil(pupil_ids)
    _store_missing_school_days(
        {span.school_id for pupil_spans in spans.values() for span in pupil_spans}, year
    )
    context = context_for(as_at, (span for pupil_spans in spans.values() for span in pupil_spans))
    registers = registers_by_pupil(pupil_ids, years={year, year - 1}, up_to=as_at)
    upns = dict(Pupil.unscoped.filter(pk__in=pupil_ids).values_list("pk", "upn"))
    now = timezone.now()
    rows: list[PupilFigures] = []
    for pupil_id, pupil_spans in spans.items():
        schools_this_year = {
            s.school_id
            for s in pupil_spans
            if s.school_id in target_school_ids and year_overlap(s.start, s.end, as_at)
        }
        for school_id in schools_this_year:
            figures = school_figures(
                upn=upns[pupil_id],
                school_id=school_id,
                registers=registers.get(pupil_id, []),
                spans=pupil_spans,
                context=context,
            )
            rows.append(
                PupilFigures(
                    pupil_id=pupil_id,
                    school_id=school_id,
                    as_at=as_at,
                    on_roll=any(s.school_id == school_id and s.covers(as_at) for s in pupil_spans),
                    possible_sessions=figures.possible_sessions,
                    attended_sessions=figures.attended_sessions,
                    authorised_absence_sessions=figures.authorised_absence_sessions,
                    unauthorised_absence_sessions=figures.unauthorised_absence_sessions,
                    missing_marks=figures.missing_marks,
                    unauthorised_last_10_school_weeks=figures.unauthorised_last_10_school_weeks,
                    national_threshold_met=figures.national_threshold_met,
                    persistent_absence=figures.persistent_absence,
                    severe_absence=figures.severe_absence,
                    refreshed_at=now,
                )
            )
    weeks = _school_weeks(registers.values(), target_school_ids, year=year, as_at=as_at)
    with transaction.atomic():
        PupilFigures.unscoped.filter(school_id__in=target_school_ids).delete()
        _write(rows)
        SchoolWeekFigures.unscoped.filter(school_id__in=target_school_ids).delete()
        SchoolWeekFigures.unscoped.bulk_create(weeks, batch_size=2000)
        SchoolFigures.unscoped.filter(school_id__in=target_school_ids).delete()
        SchoolFigures.unscoped.bulk_create(school_summaries(rows, as_at=as_at, now=now))
    logger.info(
        "figures refreshed as at %s: %d schools, %d rows", as_at, len(target_school_ids), len(rows)
    )
    return RefreshResult(as_at=as_at, schools=len(target_school_ids), rows=len(rows))


def _school_weeks(
    registers: Iterable[list[Register]], school_ids: Collection[int], *, year: int, as_at: dt.date
) -> list[SchoolWeekFigures]:
    """Each school's weekly trend: every register it holds for the year."""
    marks_by_school: dict[int, list[str]] = defaultdict(list)
    for pupil_registers in registers:
        for register in pupil_registers:
            if register.academic_year == year and register.school_id in school_ids:
                marks_by_school[register.school_id].append(register.marks)
    return [
        SchoolWeekFigures(
            school_id=school_id,
            week_start=monday,
            as_at=as_at,
            possible_sessions=counts.possible,
            attended_sessions=counts.attended,
        )
        for school_id, marks in marks_by_school.items()
        for monday, counts in weekly_counts(marks, year=year, as_at=as_at)
    ]


def school_summaries(
    rows: Iterable[PupilFigures], *, as_at: dt.date, now: dt.datetime
) -> list[SchoolFigures]:
    """Each school's totals of its pupils' rows, as its dashboard adds them up
    (`attendance.selectors._summaries`): sessions over every row, including
    pupils who left this year; the counts of pupils over those on roll."""
    by_school: dict[int, SchoolFigures] = {}
    for row in rows:
        summary = by_school.get(row.school_id)
        if summary is None:
            summary = by_school[row.school_id] = SchoolFigures(
                school_id=row.school_id,
                as_at=as_at,
                pupils=0,
                possible_sessions=0,
                attended_sessions=0,
                persistent_absence=0,
                severe_absence=0,
                national_threshold_met=0,
                missing_marks=0,
                refreshed_at=now,
            )
        summary.possible_sessions += row.possible_sessions
        summary.attended_sessions += row.attended_sessions
        summary.missing_marks += row.missing_marks
        if row.on_roll:
            summary.pupils += 1
            summary.persistent_absence += row.persistent_absence
            summary.severe_absence += row.severe_absence
            summary.national_threshold_met += row.national_threshold_met
    return list(by_school.values())


def figures_refresh_after_commit(*, school_ids: Collection[int]) -> None:
    """Queue a refresh of these schools' figures once the current transaction
    (an import) has committed, so the dashboards show its marks."""
    from ..tasks import refresh_figures

    enqueue_on_commit(refresh_figures, sorted(school_ids))


def _store_missing_school_days(school_ids: set[int], year: int) -> None:
    """Pages read stored school days; store any year the 10-week window reaches
    that nothing has stored yet (last year's, for a school new to the service)."""
    wanted = {(school_id, y) for school_id in school_ids for y in (year - 1, year)}
    stored = set(
        SchoolYearDays.unscoped.filter(
            school_id__in=school_ids, academic_year__in=(year - 1, year)
        ).values_list("school_id", "academic_year")
    )
    school_days_refresh(pairs=wanted - stored, reason=signals.REGISTERS)


_COLUMNS = (
    "pupil_id",
    "school_id",
    "as_at",
    "on_roll",
    "possible_sessions",
    "attended_sessions",
    "authorised_absence_sessions",
    "unauthorised_absence_sessions",
    "missing_marks",
    "unauthorised_last_10_school_weeks",
    "national_threshold_met",
    "persistent_absence",
    "severe_absence",
    "refreshed_at",
)


def _write(rows: list[PupilFigures]) -> None:
    if connection.vendor != "postgresql":
        PupilFigures.unscoped.bulk_create(rows, batch_size=2000)
        return
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {PupilFigures._meta.db_table} ({', '.join(_COLUMNS)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(tuple(getattr(row, column) for column in _COLUMNS))
