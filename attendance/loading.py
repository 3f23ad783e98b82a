"""Loading registers, enrolments and calendars for the figures module.

No scoping here: callers pass pupil ids they have already scoped (selectors) or
that a job may see in full (the nightly refresh).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Substr

from pupils.models import Enrolment

from .figures import Context, MarkProblem, Register, Span, one_mark_per_session
from .models import RegisterYear
from .services.calendars import calendars_for
from .years import academic_year_of, day_index, year_start


def spans_by_pupil(pupil_ids: Collection[int] | QuerySet[Any, Any]) -> dict[int, list[Span]]:
    spans: dict[int, list[Span]] = defaultdict(list)
    rows = Enrolment.unscoped.filter(pupil_id__in=pupil_ids).values_list(
        "pupil_id", "school_id", "start", "end"
    )
    for pupil_id, school_id, start, end in rows.iterator(chunk_size=10_000):
        spans[pupil_id].append(Span(school_id, start, end))
    return spans


def registers_by_pupil(
    pupil_ids: Collection[int] | QuerySet[Any, Any],
    *,
    years: Collection[int],
    up_to: dt.date | None = None,
) -> dict[int, list[Register]]:
    """Each pupil's registers for these academic years. With `up_to`, the current
    year's marks are cut at that date: nothing later is ever counted."""
    registers: dict[int, list[Register]] = defaultdict(list)
    rows = RegisterYear.unscoped.filter(pupil_id__in=pupil_ids, academic_year__in=years)
    if up_to is not None:
        current = academic_year_of(up_to)
        cut = 2 * (day_index(up_to) + 1)
        rows = rows.filter(Q(academic_year__lte=current))
        values = rows.annotate(cut_marks=Substr("marks", 1, cut)).values_list(
            "pupil_id", "school_id", "academic_year", "cut_marks", "marks"
        )
        for pupil_id, school_id, year, cut_marks, marks in values.iterator(chunk_size=5000):
            text = cut_marks if year == current else marks
            registers[pupil_id].append(Register(school_id, year, text))
        return registers
    for pupil_id, school_id, year, marks in rows.values_list(
        "pupil_id", "school_id", "academic_year", "marks"
    ).iterator(chunk_size=5000):
        registers[pupil_id].append(Register(school_id, year, marks))
    return registers


def context_for(as_at: dt.date, spans: Iterable[Span]) -> Context:
    """School calendars for every school in `spans`, for the years the 10-week
    window can reach (this academic year and the one before)."""
    year = academic_year_of(as_at)
    school_ids = {span.school_id for span in spans}
    years = {year, year - 1}
    return Context(as_at=as_at, calendars=calendars_for(school_ids=school_ids, years=years))


@dataclass(frozen=True)
class PupilData:
    """Everything the figures need for one pupil as at a date.

    `registers` are as the figures count them, one mark per session (rule A2,
    `figures.one_mark_per_session`): whatever reads a pupil's sessions from
    here counts each session once. `stored` are the registers as the schools
    sent them, and `problems` what was left out and why."""

    registers: list[Register]
    spans: list[Span]
    context: Context
    stored: list[Register] = field(default_factory=list)
    problems: list[MarkProblem] = field(default_factory=list)


def pupil_data(pupil_id: int, as_at: dt.date) -> PupilData:
    """One pupil's registers (every year to date, so the 10-week window can reach
    back across years), enrolments and school calendars."""
    spans = spans_by_pupil([pupil_id]).get(pupil_id, [])
    year = academic_year_of(as_at)
    stored = registers_by_pupil([pupil_id], years=range(year - 5, year + 1), up_to=as_at).get(
        pupil_id, []
    )
    counted = one_mark_per_session(stored, spans)
    return PupilData(counted.registers, spans, context_for(as_at, spans), stored, counted.problems)


def year_overlap(span_start: dt.date, span_end: dt.date | None, as_at: dt.date) -> bool:
    """Was this enrolment on roll at some point between 1 September and as_at?"""
    first = year_start(academic_year_of(as_at))
    return span_start <= as_at and (span_end is None or span_end >= first)
