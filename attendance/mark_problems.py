"""Data-quality problems in a pupil's registers that the figures work round
(rule A2, `figures.one_mark_per_session`): marks dated outside the pupil's
enrolment at that school, and sessions marked by two schools. Said in words on
the pupil's page and in the import report, so the school can correct them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence

from django.db.models import Count

from accounts.models import School

from . import figures as fig
from .codes import NO_MARK, NO_SESSION
from .loading import registers_by_pupil, spans_by_pupil
from .models import RegisterYear
from .services.marks import IncomingRegister
from .years import year_start

_CHUNK = 2000
# An import report lists this many problems, then says how many more there are.
REPORT_LIMIT = 100


def mark_problem_text(problem: fig.MarkProblem, school_names: dict[int, str]) -> str:
    """A mark problem in words."""
    school = school_names.get(problem.school_id, "another school")
    sessions = f"{problem.sessions} session{'' if problem.sessions == 1 else 's'}"
    when = (
        f"on {problem.first:%-d %B %Y}"
        if problem.first == problem.last
        else f"from {problem.first:%-d %B %Y} to {problem.last:%-d %B %Y}"
    )
    if problem.kind == fig.OUTSIDE_ENROLMENT:
        return (
            f"{sessions} marked by {school} {when} fall outside the pupil's enrolment there "
            "and are not counted: check the enrolment dates or the register."
        )
    counted = school_names.get(problem.counted_school_id or 0, "another school")
    return (
        f"{sessions} {when} were marked by both {school} and {counted}: each counts once, "
        f"with {counted}'s mark (the enrolment that started latest; on the same start, the "
        "attended mark). Check both registers."
    )


def _inside(item: IncomingRegister, spans: Sequence[fig.Span]) -> bool:
    """Do one of the pupil's enrolments at that school cover every mark the
    import brought? (Cheap: most pupils are on roll all year.)"""
    marks = item.marks
    first = len(marks) - len(marks.lstrip(NO_MARK + NO_SESSION))
    last = len(marks.rstrip(NO_MARK + NO_SESSION)) - 1
    if last < first:
        return True
    start = year_start(item.academic_year)
    first_day = start + dt.timedelta(days=first // 2)
    last_day = start + dt.timedelta(days=last // 2)
    return any(
        span.school_id == item.school_id and span.covers(first_day) and span.covers(last_day)
        for span in spans
    )


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i : i + _CHUNK]


def import_mark_problems(written: Sequence[IncomingRegister], upns: dict[int, str]) -> list[str]:
    """After an import's marks are merged: the problems of the pupils it
    touched, one line each, for its report. Only pupils whose imported marks
    reach outside an enrolment, or who have registers at two schools in a year
    the import touched, are loaded again."""
    if not written:
        return []
    years = {item.academic_year for item in written}
    pupil_ids = {item.pupil_id for item in written}
    suspects: set[int] = set()
    spans: dict[int, list[fig.Span]] = {}
    for chunk in _chunks(pupil_ids):
        spans.update(spans_by_pupil(chunk))
        suspects.update(
            RegisterYear.unscoped.filter(pupil_id__in=chunk, academic_year__in=years)
            .values("pupil_id", "academic_year")
            .annotate(schools=Count("id"))
            .filter(schools__gt=1)
            .values_list("pupil_id", flat=True)
        )
    suspects.update(
        item.pupil_id for item in written if not _inside(item, spans.get(item.pupil_id, []))
    )
    found: list[tuple[int, fig.MarkProblem]] = []
    for chunk in _chunks(suspects):
        registers = registers_by_pupil(chunk, years=years)
        for pupil_id in chunk:
            counted = fig.one_mark_per_session(registers.get(pupil_id, []), spans.get(pupil_id, []))
            found.extend((pupil_id, problem) for problem in counted.problems)
    return _lines(found, upns)


def _lines(found: Collection[tuple[int, fig.MarkProblem]], upns: dict[int, str]) -> list[str]:
    if not found:
        return []
    school_ids = {p.school_id for _, p in found} | {
        p.counted_school_id for _, p in found if p.counted_school_id
    }
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    lines = [
        f"UPN {upns.get(pupil_id, '?')}: {mark_problem_text(problem, names)}"
        for pupil_id, problem in sorted(found, key=lambda f: (upns.get(f[0], ""), f[1].first))
    ]
    if len(lines) > REPORT_LIMIT:
        more = len(lines) - REPORT_LIMIT
        lines = [*lines[:REPORT_LIMIT], f"And {more} more problems in the registers."]
    return lines
