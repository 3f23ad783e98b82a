"""A school's half terms, and each pupil's sessions in one of them, for the
half-term letters (documents) and anything else that reports a half term.

A half term is one of the school's `SchoolTerm` rows (the calendar names them
"Autumn 1", "Spring 2"…). The sessions counted are the school's own, inside the
pupil's enrolment there (rule A2, as `figures.school_figures` counts a school's
figures), one mark per session, from the first day of the half term to its
last day or, for the half term still running, to `as_at`. No new counting:
`figures.counts_between` over registers loaded by `attendance.loading`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pupils.models import Enrolment

from . import figures as fig
from .loading import registers_by_pupil, spans_by_pupil
from .models import SchoolTerm
from .years import academic_year_of


@dataclass(frozen=True)
class HalfTermCounts:
    """One pupil's sessions at one school in one half term."""

    pupil_id: int
    counts: fig.Counts

    @property
    def missed(self) -> int:
        return self.counts.authorised + self.counts.unauthorised

    @property
    def days_missed(self) -> float:
        # A school day is two sessions (rule A2).
        return self.missed / 2

    @property
    def rate(self) -> float | None:
        return fig.rate(self.counts.attended, self.counts.possible)


def half_terms_so_far(school_id: int, today: dt.date) -> QuerySet[SchoolTerm]:
    """The school's half terms that have started by `today`, latest first."""
    return SchoolTerm.unscoped.filter(school_id=school_id, start__lte=today).order_by("-start")


def on_roll(school_id: int, day: dt.date) -> QuerySet[Enrolment]:
    """Enrolments at the school that cover `day`."""
    return Enrolment.unscoped.filter(
        Q(end__isnull=True) | Q(end__gte=day), school_id=school_id, start__lte=day
    )


def half_term_counts(
    *, school_id: int, first: dt.date, last: dt.date, pupil_ids: Collection[int]
) -> dict[int, HalfTermCounts]:
    """Each pupil's sessions at the school from `first` to `last`: two queries
    for any number of pupils."""
    years = {academic_year_of(first), academic_year_of(last)}
    spans = spans_by_pupil(pupil_ids)
    registers = registers_by_pupil(pupil_ids, years=years, up_to=last)
    out = {}
    for pupil_id in pupil_ids:
        marks = fig.one_mark_per_session(registers.get(pupil_id, []), spans.get(pupil_id, []))
        here = [r for r in marks.within_enrolment if r.school_id == school_id]
        out[pupil_id] = HalfTermCounts(pupil_id, fig.counts_between(here, first, last))
    return out
