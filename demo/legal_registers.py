"""The registers of the demo's legal-stage pupils (demo.legal_cases).

A Notice to Improve runs for 30 school days, and what follows it (the outcome,
the referral, the LA's decision, penalty notices and their 28 days) takes weeks
more; the Support First work before it, and the 10 school weeks of absence the
national threshold counts, come before that. So these pupils' histories start
in the term before the demo's own registers: they get registers for the
previous academic year's summer term (the demo's calendars hold it) as well.

Four good attenders, dealt after every other part so the rest of the demo is
the same with or without them, at the two schools whose calendars are in the
product (the school days of the term before come from its calendar), on roll
there since before the summer term, with no brother or sister in the demo and
old enough to have been of compulsory school age then. The first has two
parents who get the school's letters (two penalty notices follow).

Their marks are a fixed weekly pattern on top of what the registers gave them,
with no random draws: every Friday afternoon missed without a reason (O), and
every other Monday morning too (late after the register closed, U, in the
weeks between), so every 10 school weeks hold about 15 unauthorised sessions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import School
from attendance import codes
from attendance.services.marks import IncomingRegister
from attendance.years import academic_year_of, day_index, empty_marks
from pupils.models import PupilCarer

if TYPE_CHECKING:
    from .registers import DemoSchool, RegisterTerm

# How many pupils play the legal stage (demo.legal_cases.PARTS).
LEGAL_PUPILS = 4
_AM, _PM = 0, 1
_PRESENT = ("/", "\\")
_OLD_ENOUGH: dict[str, tuple[str, ...]] = {
    # The year groups that were of compulsory school age in the summer term before.
    School.Phase.PRIMARY: ("2", "3", "4", "5", "6"),
    School.Phase.SECONDARY: ("8", "9", "10", "11"),
}


@dataclass(frozen=True)
class LegalCandidate:
    """A good attender at one school all term, with no brother or sister."""

    pk: int
    upn: str
    year_group: str
    school_id: int
    on_roll_since: dt.date


def legal_registers_add(
    *,
    term: RegisterTerm,
    schools: Sequence[DemoSchool],
    candidates: Sequence[LegalCandidate],
    incoming: list[IncomingRegister],
) -> tuple[str, ...]:
    """Choose the legal-stage pupils, give them the term before and their pattern
    in `incoming` (changed in place); returns their UPNs, the one with two
    parents first."""
    starts = {
        demo.school.pk: _history(term, demo.school.pk)[0]
        for demo in schools
        if _history(term, demo.school.pk)
    }
    phases = {demo.school.pk: demo.school.phase for demo in schools}
    eligible = [
        c
        for c in candidates
        if c.school_id in starts
        and c.year_group in _OLD_ENOUGH[phases[c.school_id]]
        and c.on_roll_since <= starts[c.school_id]
    ]
    parents: dict[int, int] = defaultdict(int)
    for link in PupilCarer.unscoped.filter(pupil_id__in=[c.pk for c in eligible]):
        if link.receives_correspondence and link.parental_responsibility:
            parents[link.pupil_id] += 1
    eligible = [c for c in eligible if parents[c.pk]]
    two = next((c for c in eligible if parents[c.pk] >= 2), None)
    if two is None:
        return ()
    chosen = [two]
    # The rest alternate between the schools, so each lead sees a legal case.
    by_school: dict[int, list[LegalCandidate]] = defaultdict(list)
    for c in eligible:
        if c is not two:
            by_school[c.school_id].append(c)
    order = sorted(by_school, key=lambda pk: pk == two.school_id)
    while len(chosen) < LEGAL_PUPILS and any(by_school.values()):
        for school_id in order:
            if by_school[school_id] and len(chosen) < LEGAL_PUPILS:
                chosen.append(by_school[school_id].pop(0))
    for candidate in chosen:
        _pattern_write(term, candidate, incoming)
    return tuple(c.upn for c in chosen)


def _history(term: RegisterTerm, school_id: int) -> list[dt.date]:
    """The school's days from the term before the registers to their last day."""
    return sorted(
        day
        for year, plan in term.plans[school_id].items()
        if year <= term.academic_year
        for day in plan.school_days()
        if day <= term.last
    )


def _pattern_write(
    term: RegisterTerm, candidate: LegalCandidate, incoming: list[IncomingRegister]
) -> None:
    current = {
        r.academic_year: r
        for r in incoming
        if r.pupil_id == candidate.pk and r.school_id == candidate.school_id
    }
    marks: dict[int, list[str]] = {year: list(r.marks) for year, r in current.items()}
    for year, plan in term.plans[candidate.school_id].items():
        if year < term.academic_year and year not in marks:
            marks[year] = list(empty_marks(year))
            for day in plan.school_days():
                index = 2 * day_index(day)
                marks[year][index : index + 2] = _PRESENT
            for day in plan.closure_days():
                index = 2 * day_index(day)
                marks[year][index : index + 2] = [codes.NO_SESSION] * 2
    for week, day in _weeks(_history(term, candidate.school_id)):
        year_marks = marks.get(academic_year_of(day))
        if year_marks is None:
            continue
        index = 2 * day_index(day)
        if day.weekday() == 4:
            _set(year_marks, index + _PM, "O")
        elif day.weekday() == 0:
            _set(year_marks, index + _AM, "O" if week % 2 == 0 else "U")
    incoming[:] = [
        r
        for r in incoming
        if not (r.pupil_id == candidate.pk and r.school_id == candidate.school_id)
    ]
    incoming.extend(
        IncomingRegister(candidate.pk, candidate.school_id, year, "".join(chars))
        for year, chars in sorted(marks.items())
    )


def _weeks(days: Sequence[dt.date]) -> list[tuple[int, dt.date]]:
    """Each day with the number of its school week, counting from the first."""
    weeks: list[tuple[int, dt.date]] = []
    week, monday = -1, None
    for day in days:
        this_monday = day - dt.timedelta(days=day.weekday())
        if this_monday != monday:
            week, monday = week + 1, this_monday
        weeks.append((week, day))
    return weeks


def _set(marks: list[str], index: int, char: str) -> None:
    """Replace a present mark; an absence already there stays."""
    if marks[index] in _PRESENT:
        marks[index] = char
