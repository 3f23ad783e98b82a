"""Attendance cases for the demo: a living case file at every stage.

The pupils are the registers' cast (demo.registers), found again from what is
stored, exactly as "Pupils to look at" finds them: the brother and sister who miss the
same Monday mornings and Friday afternoons at two schools, the pupils with a weekly
pattern at or over the national threshold, the severely absent, the pupil on a
part-time timetable, the families who took a holiday in term time, and a pupil whose
attendance is good now. Each gets the case its part calls for:

    Support First   the sibling pair and the patterned pupils: meetings (3, 2, 2, 1 held),
                    the pupil's voice, barriers, adjustments, support and what came of it,
                    engagement, a SMART plan and its reviews (one stalled, one overdue)
    Targeted        the severely absent (first-day response, a home visit) and the pupil
                    on a part-time timetable
    Universal       the holiday families: an early concern and a couple of contacts
    Closed          the pupil whose attendance improved

Notice to Improve  the Support First case whose rules are met: issued through the
                   notice service by demo.legal, after these files are written (see
                   there for the stages still to come)

Dates: each history is laid out at fixed offsets back from the demo day (the day after
the last register day: today, while a term is running), on the school's own school days,
so nothing happens at a weekend, in a holiday or on an INSET day; first-day calls fall on
days the register shows the pupil absent. What the records say about attendance (rates,
how many Friday afternoons were missed, the progress of an action) is read from the
registers, so it is true whatever the seed. The only random draws are the minutes past
the hour of calls, from the builder's `random.Random`, after the registers.

Records are written directly, like an import: no request user, `created_by` the lead
professional, and `created_at`/`updated_at` set to the day each record describes.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import LocalAuthority, Role, School, User
from attendance import codes
from attendance import figures as fig
from attendance.loading import PupilData, pupil_data
from attendance.models import PupilFigures
from attendance.reports import attendance_between
from attendance.years import academic_year_of, year_start
from cases.models import (
    ActionPlan,
    ActionProgress,
    AttendanceCase,
    Barrier,
    CaseShare,
    Contact,
    EngagementAssessment,
    PartTimeTimetable,
    PlanAction,
    PlanReview,
    ReasonableAdjustment,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from cases.selectors_cases import CaseFile, case_file
from notices.models import (
    HolidayRequest,
    LADecision,
    LegalReferral,
    NoticeToImprove,
    PenaltyNotice,
)
from notices.penalties import withdrawal_due
from pupils.models import Enrolment, Pupil, PupilCarer

from .registers import RegisterTerm, demo_attendance

_M = TypeVar("_M", bound=models.Model)
_DAY = dt.timedelta(days=1)
_AM, _PM = 0, 1
_MONDAY_AM, _FRIDAY_PM = (0, _AM), (4, _PM)
_MORNINGS = [(weekday, _AM) for weekday in range(5)]
_PART_TIME = codes.BY_CODE["C2"].char
_TARGET = Decimal("95.0")
_AIM = f"{_TARGET:.0f}%"
_Stage = AttendanceCase.Stage
_Kind = Barrier.Kind
_Factor = Barrier.Factor
_Outcome = SupportOffer.Outcome
_Provider = SupportOffer.Provider
_Level = EngagementAssessment.Level
_Progress = ActionProgress.Progress
_Method = Contact.Method
_Rel = PupilCarer.Relationship
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class CaseStaff:
    """Who may lead a demo case at a school: its attendance lead, and its DSL if any."""

    attendance_lead: User
    dsl: User | None = None

    def lead(self, *, dsl_first: bool = False) -> User:
        return self.dsl if dsl_first and self.dsl is not None else self.attendance_lead


@dataclass(frozen=True)
class DemoCase:
    """One line of "Cases to look at"."""

    pupil: str
    school: str
    stage: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class DemoCases:
    as_at: dt.date
    cases: tuple[DemoCase, ...]


# --- Building ----------------------------------------------------------------------------


def demo_cases_build(
    *,
    rng: random.Random,
    la: LocalAuthority,
    term: RegisterTerm,
    staff: Mapping[int, CaseStaff],
    today: dt.date,
) -> int:
    """Open the demo's cases and write their records; returns how many cases."""
    attendance = demo_attendance(la, today)
    if attendance is None:
        return 0
    # The legal stage's pupils have cases of their own (demo.legal_cases).
    upns = [n.upn for n in attendance.notable if n.upn not in term.legal_upns]
    cast = _cast(la, attendance.as_at, upns)
    # The day the case files are "as at": today while a term is running; the day after
    # the registers end when the demo shows last year's autumn term instead.
    day = min(today, term.last + _DAY)
    book = _Book()

    def story(persona: _Persona, *, dsl_first: bool = False) -> _Story:
        school_days = sorted(
            d for plan in term.plans[persona.school.pk].values() for d in plan.school_days()
        )
        ends = sorted(
            t.end
            for plan in term.plans[persona.school.pk].values()
            for t in plan.terms
            if t.name.endswith("2")
        )
        return _Story(
            book=book,
            rng=rng,
            persona=persona,
            lead=staff[persona.school.pk].lead(dsl_first=dsl_first),
            clock=_Clock(school_days, day, term.last),
            term_start=term.first,
            term_ends=ends,
        )

    if len(cast.siblings) == 2:
        older, younger = cast.siblings
        _family_weekends(story(older), story(younger, dsl_first=True))
    for persona in cast.patterned:
        if persona.main_cell == _FRIDAY_PM:
            _friday_afternoons(story(persona))
        else:
            _late_mornings(story(persona))
    for persona in cast.severe:
        if persona.commonest_absence == "I":
            _long_illness(story(persona))
        else:
            _unexplained(story(persona, dsl_first=True))
    if cast.part_time is not None:
        _part_time(story(cast.part_time))
    for persona in cast.holidays:
        _holiday(story(persona))
    if cast.improved is not None:
        _improved(story(cast.improved))
    book.stamp()
    return book.count(AttendanceCase)


def demo_cases_delete(pupils: QuerySet[Pupil]) -> None:
    """The pupils' cases with every record in them, and their contacts and part-time
    timetables. Children first: a plan's actions protect their barriers."""
    cases = AttendanceCase.unscoped.filter(pupil__in=pupils)
    ActionProgress.unscoped.filter(review__plan__case__in=cases).delete()
    PlanAction.unscoped.filter(plan__case__in=cases).delete()
    Contact.unscoped.filter(pupil__in=pupils).delete()
    PartTimeTimetable.unscoped.filter(pupil__in=pupils).delete()
    cases.delete()


# --- Who plays which part ----------------------------------------------------------------


@dataclass(eq=False)
class _Persona:
    pupil: Pupil
    school: School
    # The parents and carers in the order to call them: those who get the school's
    # letters first (cases.selectors_first_day.carers_to_call), then contact priority.
    links: list[PupilCarer]
    data: PupilData
    figures: fig.Figures
    enrolled_from: dt.date

    @property
    def main(self) -> PupilCarer:
        return self.links[0]

    @property
    def invitees(self) -> list[PupilCarer]:
        """Who is invited to meetings: everyone who gets the school's letters (as the
        meeting form proposes), else whoever the pupil lives with."""
        return (
            [link for link in self.links if link.receives_correspondence]
            or [link for link in self.links if link.lives_with_pupil][:1]
            or self.links[:1]
        )

    @property
    def this_year(self) -> list[fig.Register]:
        year = academic_year_of(self.figures.as_at)
        return [r for r in self.data.registers if r.academic_year == year]

    @property
    def breakdown(self) -> dict[str, int]:
        return fig.code_breakdown(self.this_year, self.figures.as_at)

    @property
    def main_cell(self) -> tuple[int, int] | None:
        """The weekday session missed most often without authorisation."""
        cells = fig.weekday_pattern(self.this_year, self.figures.as_at)
        best = max(cells.items(), key=lambda item: (item[1].unauthorised, -item[0][0]))
        weekday, session = best[0]
        return (weekday, _AM if session == "AM" else _PM) if best[1].unauthorised else None

    @property
    def commonest_absence(self) -> str:
        absences = {
            code: n
            for code, n in self.breakdown.items()
            if codes.BY_CODE[code].category
            in (codes.Category.AUTHORISED, codes.Category.UNAUTHORISED)
        }
        return max(absences, key=lambda code: (absences[code], code)) if absences else ""

    def figures_on(self, day: dt.date) -> fig.Figures:
        context = fig.Context(as_at=day, calendars=self.data.context.calendars)
        return fig.pupil_figures(
            upn=self.pupil.upn,
            registers=self.data.registers,
            spans=self.data.spans,
            context=context,
        )

    def sessions(
        self, first: dt.date, last: dt.date, cells: Collection[tuple[int, int]] | None = None
    ) -> fig.Counts:
        """Sessions attended, authorised and unauthorised from `first` to `last`,
        only on these weekday sessions when given."""
        total = fig.Counts()
        for day, session, char in self._marks(first, last):
            if cells is None or (day.weekday(), session) in cells:
                total += fig.count_marks(char)
        return total

    def days_marked(
        self,
        chars: str,
        first: dt.date,
        last: dt.date,
        cells: Collection[tuple[int, int]] | None = None,
    ) -> list[dt.date]:
        return sorted(
            {
                day
                for day, session, char in self._marks(first, last)
                if char in chars and (cells is None or (day.weekday(), session) in cells)
            }
        )

    def _marks(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, int, str]]:
        found = []
        for register in self.data.registers:
            start = year_start(register.academic_year)
            day = max(first, start)
            while day <= last:
                index = 2 * (day - start).days
                if index + 1 >= len(register.marks):
                    break
                for session in (_AM, _PM):
                    found.append((day, session, register.marks[index + session]))
                day += _DAY
        return found


@dataclass
class _Cast:
    siblings: list[_Persona]
    patterned: list[_Persona]
    severe: list[_Persona]
    part_time: _Persona | None
    holidays: list[_Persona]
    improved: _Persona | None


def _cast(la: LocalAuthority, as_at: dt.date, upns: Sequence[str]) -> _Cast:
    found = [_persona(pupil, as_at) for pupil in Pupil.unscoped.filter(upn__in=upns)]
    personas = sorted((p for p in found if p is not None), key=lambda p: p.pupil.upn)
    taken: set[int] = set()

    def free(persona: _Persona) -> bool:
        return persona.pupil.pk not in taken

    def take(chosen: Sequence[_Persona]) -> list[_Persona]:
        taken.update(p.pupil.pk for p in chosen)
        return list(chosen)

    patterned = [
        p
        for p in personas
        if p.figures.national_threshold_met
        and not p.figures.severe_absence
        and not {"G", "C2"} & set(p.breakdown)
        and p.main_cell is not None
    ]
    carers = {p.pupil.pk: {link.carer_id for link in p.links} for p in patterned}
    siblings: list[_Persona] = []
    for first in patterned:
        partner = next(
            (
                o
                for o in patterned
                if o is not first and carers[o.pupil.pk] & carers[first.pupil.pk]
            ),
            None,
        )
        if partner is not None:
            # The one at the secondary school (or the elder) leads the story.
            siblings = sorted(
                [first, partner],
                key=lambda p: (p.school.phase != School.Phase.SECONDARY, -_year(p.pupil)),
            )
            break
    take(siblings)
    singles = take([p for p in patterned if free(p)][:2])
    severe = [p for p in personas if free(p) and p.figures.severe_absence]
    illness = [p for p in severe if p.commonest_absence == "I"][:1]
    # Unexplained absence (O) for the home visit, if anyone's is mostly that.
    other = sorted(
        (p for p in severe if p.commonest_absence != "I"),
        key=lambda p: (p.commonest_absence != "O", p.pupil.upn),
    )[:1]
    severe = take(illness + other)
    part_time = next((p for p in personas if free(p) and "C2" in p.breakdown), None)
    take([part_time] if part_time else [])
    on_holiday = [p for p in personas if free(p) and "G" in p.breakdown]
    # A child on holiday alone first: a family's children would share one story.
    holidays = take(sorted(on_holiday, key=lambda p: (_has_sibling(p, personas), p.pupil.upn))[:2])
    improved = next(
        (
            p
            for p in personas
            if free(p)
            and p.pupil.year_group != "R"
            and p.figures.missing_marks
            and (p.figures.attendance_rate or 0) >= 95
            and len({r.school_id for r in p.this_year}) == 1
            and p.enrolled_from < year_start(academic_year_of(as_at))
        ),
        None,
    ) or _good_attender(la, as_at, taken)
    return _Cast(siblings, singles, severe, part_time, holidays, improved)


def _has_sibling(persona: _Persona, personas: Sequence[_Persona]) -> bool:
    mine = {link.carer_id for link in persona.links}
    return any(
        other is not persona and mine & {link.carer_id for link in other.links}
        for other in personas
    )


def _good_attender(la: LocalAuthority, as_at: dt.date, taken: set[int]) -> _Persona | None:
    """A pupil attending well, when the cast's own (those with a gap in the register)
    are all too young to have had a case last year."""
    rows = (
        PupilFigures.unscoped.filter(
            school__local_authority=la,
            as_at=as_at,
            on_roll=True,
            national_threshold_met=False,
            persistent_absence=False,
            missing_marks=0,
        )
        .exclude(pupil__year_group="R")
        .exclude(pupil_id__in=taken)
        .alias(score=models.F("attended_sessions") * 100)
        .filter(score__gte=models.F("possible_sessions") * 97)
        .select_related("pupil")
        .order_by("pupil__upn")
    )
    for row in rows[:20]:
        persona = _persona(row.pupil, as_at)
        if persona is not None and persona.enrolled_from < year_start(academic_year_of(as_at)):
            return persona
    return None


def _persona(pupil: Pupil, as_at: dt.date) -> _Persona | None:
    enrolment = (
        Enrolment.unscoped.filter(pupil=pupil, end__isnull=True).select_related("school").first()
    )
    links = sorted(
        PupilCarer.unscoped.filter(pupil=pupil).select_related("carer"),
        key=lambda link: (not link.receives_correspondence, link.contact_priority, link.pk),
    )
    if enrolment is None or not links:
        return None
    data = pupil_data(pupil.pk, as_at)
    figures = fig.pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )
    return _Persona(pupil, enrolment.school, links, data, figures, enrolment.start)


def _year(pupil: Pupil) -> int:
    return 0 if pupil.year_group in ("R", "") else int(pupil.year_group)


# --- Writing records ---------------------------------------------------------------------


class _Book:
    """Saves records, then gives each the created and changed times of its own story:
    `auto_now_add` and `auto_now` would otherwise date every one of them today."""

    def __init__(self) -> None:
        self._times: dict[tuple[type[models.Model], int], list[Any]] = {}

    def save(self, record: _M, created: dt.datetime, changed: dt.datetime | None = None) -> _M:
        record.save()
        self._times[(type(record), record.pk)] = [record, created, changed or created]
        return record

    def touch(self, record: models.Model, changed: dt.datetime) -> None:
        """The record was changed again later in its story."""
        record.save()
        self._times[(type(record), record.pk)][2] = changed

    def count(self, model: type[models.Model]) -> int:
        return sum(1 for kind, _ in self._times if kind is model)

    def created_of(self, record: models.Model) -> dt.datetime:
        created: dt.datetime = self._times[(type(record), record.pk)][1]
        return created

    def stamp(self) -> None:
        by_model: dict[type[models.Model], list[list[Any]]] = defaultdict(list)
        for (model, _), entry in self._times.items():
            by_model[model].append(entry)
        for model, entries in by_model.items():
            names = {f.name for f in model._meta.concrete_fields}
            fields = [name for name in ("created_at", "updated_at") if name in names]
            for record, created, changed in entries:
                if "created_at" in fields:
                    setattr(record, "created_at", created)  # noqa: B010
                if "updated_at" in fields:
                    setattr(record, "updated_at", changed)  # noqa: B010
            model._default_manager.bulk_update([e[0] for e in entries], fields, batch_size=500)


class _Clock:
    """A school's days around the demo day. Past events fall on school days no later
    than the registers' last day; arranged ones on school days from the demo day on."""

    def __init__(self, school_days: Sequence[dt.date], day: dt.date, last: dt.date) -> None:
        self.day = day
        self._last = last
        self._days = sorted(school_days)

    def back(self, days: int) -> dt.date:
        """The latest school day at least `days` days before the demo day."""
        return self.before(self.day, days)

    def before(self, day: dt.date, days: int) -> dt.date:
        """The latest school day at least `days` days before `day`."""
        target = min(day - dt.timedelta(days=days), self._last)
        i = bisect_right(self._days, target)
        return self._days[i - 1] if i else _weekday(target, -1)

    def ahead(self, days: int) -> dt.date:
        """The first school day at least `days` days after the demo day."""
        target = self.day + dt.timedelta(days=days)
        i = bisect_left(self._days, target)
        return self._days[i] if i < len(self._days) else _weekday(target, 1)

    def after(self, day: dt.date, school_days: int) -> dt.date:
        """The school day `school_days` after `day`."""
        i = bisect_right(self._days, day) + school_days - 1
        return self._days[i] if i < len(self._days) else _weekday(day + school_days * _DAY, 1)


def _weekday(day: dt.date, step: int) -> dt.date:
    while day.weekday() >= 5:
        day += step * _DAY
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class _Words:
    """How the records name the pupil and the family."""

    name: str
    he: str
    him: str
    his: str
    primary: bool
    young: bool
    # How staff write of the main carer ("Mum", "Mr Wilson") and how the pupil says it.
    carer: str
    carer_full: str
    says: str

    @property
    def His(self) -> str:
        return self.his.capitalize()


def _words(persona: _Persona) -> _Words:
    pupil, link = persona.pupil, persona.main
    he, him, his = {"F": ("she", "her", "her"), "M": ("he", "him", "his")}.get(
        pupil.sex, ("they", "them", "their")
    )
    carer = link.carer
    female = carer.title in ("Mrs", "Ms", "Miss")
    words: dict[str, str] = {
        _Rel.MOTHER: "Mum",
        _Rel.FATHER: "Dad",
        _Rel.GRANDPARENT: ("Nan" if female else "Grandad") if carer.title in _TITLES else "",
    }
    family = words.get(link.relationship, "")
    formal = f"{carer.title} {carer.surname}".strip()
    return _Words(
        name=pupil.forename,
        he=he,
        him=him,
        his=his,
        primary=persona.school.phase == School.Phase.PRIMARY,
        young=pupil.year_group in ("R", "1", "2"),
        carer=family or formal,
        carer_full=" ".join(part for part in (carer.title, carer.forename, carer.surname) if part),
        says=family or carer.forename,
    )


_TITLES = ("Mr", "Mrs", "Ms", "Miss")


class _Story:
    """One case being written: the pupil, the lead professional and the school's days."""

    def __init__(
        self,
        *,
        book: _Book,
        rng: random.Random,
        persona: _Persona,
        lead: User,
        clock: _Clock,
        term_start: dt.date,
        term_ends: Sequence[dt.date],
    ) -> None:
        self.book = book
        self.rng = rng
        self.p = persona
        self.lead = lead
        self.clock = clock
        self.term_start = term_start
        self.term_ends = term_ends
        self.w = _words(persona)
        self.case: AttendanceCase | None = None

    # Dates -------------------------------------------------------------------------------

    def back(self, days: int) -> dt.date:
        return self.clock.back(days)

    def ahead(self, days: int) -> dt.date:
        return self.clock.ahead(days)

    def before(self, day: dt.date, days: int) -> dt.date:
        return self.clock.before(day, days)

    def after(self, day: dt.date, school_days: int) -> dt.date:
        return self.clock.after(day, school_days)

    def time(self, day: dt.date, hour: int, spread: int = 20) -> dt.datetime:
        return _at(day, hour, self.rng.randrange(spread) if spread else 0)

    def absent_on(
        self,
        chars: str,
        first: dt.date,
        last: dt.date,
        cells: Collection[tuple[int, int]] | None = None,
        *,
        latest: bool = False,
    ) -> dt.date:
        """The first (or `latest`) day from `first` to `last` the register shows one of
        these marks (in these sessions); the first school day from `first` if none."""
        days = self.p.days_marked(chars, first, last, cells)
        if not days:
            return self.after(first - _DAY, 1)
        return days[-1] if latest else days[0]

    def missed(self, day: dt.date, chars: str) -> int:
        """The session the pupil missed that day: the morning if missed, else the
        afternoon. A first-day call is made once that session's register is taken."""
        marks = self.p.days_marked(chars, day, day, [(day.weekday(), _AM)])
        return _AM if marks else _PM

    def term_end(self, day: dt.date) -> dt.date:
        """The end of the term a plan written on `day` aims for: at least four weeks away."""
        return next((end for end in self.term_ends if end >= day + 28 * _DAY), day + 56 * _DAY)

    def missed_words(self, day: dt.date) -> str:
        """How much the pupil had missed this year, as at the day before `day`."""
        figures = self.p.figures_on(day - _DAY)
        if not figures.possible_sessions:
            return "no sessions yet"
        return (
            f"{figures.absence_sessions} of {figures.possible_sessions} sessions missed "
            f"({figures.absence_rate or 0:.1f}%)"
        )

    def counts_words(self, counts: fig.Counts) -> str:
        if not counts.possible:
            return "no sessions yet"
        rate = fig.rate(counts.attended, counts.possible) or 0.0
        return f"{counts.attended} of {counts.possible} sessions attended ({rate:.1f}%)"

    # The case ----------------------------------------------------------------------------

    def open(self, day: dt.date, stage: str, reason: str, *, hour: int = 15) -> AttendanceCase:
        figures = self.p.figures_on(day - _DAY)
        when = _at(day, hour, 30)
        case = AttendanceCase(
            pupil=self.p.pupil,
            school=self.p.school,
            stage=stage,
            lead_professional=self.lead,
            opened_at=when,
            opened_by=self.lead,
            opening_reason=reason,
            opening_figures=figures.as_json() if figures.possible_sessions else {},
        )
        self.case = self.book.save(case, when)
        return case

    def close(self, day: dt.date, reason: str, note: str) -> None:
        case = self._case()
        when = _at(day, 16, 10)
        case.status = AttendanceCase.Status.CLOSED
        case.stage = _Stage.CLOSED
        case.closing_reason = reason
        case.closing_note = note
        case.closed_at = when
        case.closed_by = self.lead
        case.version += 1
        self.book.touch(case, when)

    def _case(self) -> AttendanceCase:
        if self.case is None:
            raise RuntimeError("Open the case first.")
        return self.case

    def _record(self, record: _M, created: dt.datetime, changed: dt.datetime | None = None) -> _M:
        for name, value in (
            ("case", self._case()),
            ("created_by", self.lead),
            ("updated_by", self.lead),
        ):
            setattr(record, name, value)
        return self.book.save(record, created, changed)

    # Records -----------------------------------------------------------------------------

    def contact(
        self,
        when: dt.datetime,
        method: str,
        *,
        reached: bool,
        link: PupilCarer | None = None,
        other_person: str = "",
        absence: dt.date | None = None,
        reason: str = "",
        notes: str = "",
        follow_up: str = "",
        on_case: bool = True,
        made_by: User | None = None,
        home_visit: tuple[bool, bool, str] | None = None,
    ) -> Contact:
        if link is None and not other_person:
            link = self.p.main
        if link is not None and link.carer.interpreter_needed and method == _Method.PHONE:
            language = link.carer.preferred_language
            notes = f"Through the telephone interpreting service ({language}). {notes}"
        dsl, concern, wishes = home_visit or (None, None, "")
        contact = Contact(
            pupil=self.p.pupil,
            school=self.p.school,
            case=self.case if on_case else None,
            occurred_at=when,
            method=method,
            carer=link,
            other_person="" if link is not None else other_person,
            made_by=made_by or self.lead,
            reached=reached,
            absence_date=absence,
            reason_established=reason,
            notes=notes.strip(),
            follow_up_needed=bool(follow_up),
            follow_up=follow_up,
            dsl_consulted=dsl,
            concern_raised=concern,
            pupil_wishes_discussed=wishes,
        )
        return self.book.save(contact, when + dt.timedelta(minutes=6))

    def meeting(
        self,
        sequence: int,
        day: dt.date,
        *,
        method: str = SupportMeeting.Method.IN_PERSON,
        hour: int = 15,
        minute: int = 30,
        attended: Sequence[PupilCarer] = (),
        scheduled_on: dt.date | None = None,
        other_professionals: str = "",
        adjustments: str = "",
        barriers: str = "",
        parent_voice: str = "",
        going_well: str = "",
        agreed: str = "",
        outcome: str = "",
        next_review: dt.date | None = None,
        pupil_views: str = "",
        summary_for_family: str = "",
    ) -> SupportMeeting:
        """A meeting held on `day` when it has an outcome; otherwise one arranged for it."""
        invited = self.p.invitees
        languages = sorted(
            {link.carer.preferred_language for link in invited if link.carer.interpreter_needed}
        )
        if languages:
            booked = f"{' and '.join(languages)} interpreter booked."
            adjustments = f"{adjustments} {booked}".strip()
        held = bool(outcome)
        meeting = SupportMeeting(
            sequence=sequence,
            scheduled_for=_at(day, hour, minute),
            method=method,
            other_professionals=other_professionals,
            interpreter=bool(languages),
            adjustments=adjustments,
            held_on=day if held else None,
            outcome=outcome,
            barriers_discussed=barriers,
            parent_voice=parent_voice,
            going_well=going_well,
            agreed_actions=agreed,
            next_review_date=next_review,
            # The invitation tells the family where to come.
            place=(
                f"{self.p.school.name}, the family room"
                if method == SupportMeeting.Method.IN_PERSON
                else ""
            ),
            pupil_views=pupil_views,
            summary_for_family=summary_for_family,
        )
        arranged = _at(scheduled_on or self.before(day, 7), 16, 45)
        self._record(meeting, arranged, _at(day, 17, 15) if held else arranged)
        meeting.invited.set(invited)
        meeting.attended.set(list(attended))
        return meeting

    def voice(
        self,
        day: dt.date,
        *,
        relationship: str,
        setting: str,
        why_hard: str,
        what_would_help: str,
        worries_at_school: str = "",
        worries_at_home: str = "",
        going_well: str = "",
        patterns: str = "",
        scale: tuple[str, str] = ("", ""),
    ) -> WishesAndFeelings:
        record = WishesAndFeelings(
            gathered_on=day,
            gathered_by=self.lead,
            relationship=relationship,
            setting=setting,
            why_hard=why_hard,
            what_would_help=what_would_help,
            worries_at_school=worries_at_school,
            worries_at_home=worries_at_home,
            going_well=going_well,
            patterns_discussed=patterns,
            scale_name=scale[0],
            scale_score=scale[1],
        )
        return self._record(record, _at(day, 14, 10))

    def barrier(
        self,
        day: dt.date,
        kind: str,
        factor: str,
        description: str,
        *,
        risk: str = "",
        resilience: str = "",
        resolved: dt.date | None = None,
    ) -> Barrier:
        record = Barrier(
            kind=kind,
            factor=factor,
            description=description,
            risk_factors=risk,
            resilience_factors=resilience,
            identified_on=day,
            resolved_on=resolved,
        )
        return self._record(record, _at(day, 17), _at(resolved, 16) if resolved else None)

    def adjustment(self, day: dt.date, barrier: Barrier, description: str) -> None:
        record = ReasonableAdjustment(barrier=barrier, description=description, made_on=day)
        self._record(record, _at(day, 12, 30))

    def offer(
        self,
        day: dt.date,
        barrier: Barrier | None,
        what: str,
        provider: str,
        *,
        detail: str = "",
        outcome: str = _Outcome.AWAITING,
        outcome_on: dt.date | None = None,
        note: str = "",
    ) -> None:
        record = SupportOffer(
            barrier=barrier,
            what=what,
            provider=provider,
            provider_detail=detail,
            offered_on=day,
            outcome=outcome,
            outcome_on=outcome_on,
            outcome_note=note,
        )
        self._record(record, _at(day, 17, 5), _at(outcome_on, 16, 20) if outcome_on else None)

    def share_with_la(self, day: dt.date, reason: str) -> None:
        """The lead shares the case file with the LA (need to know), as the
        case page's "Share the case file with the LA" does."""
        # Dated by its own field, so not through the book's timestamps.
        CaseShare.unscoped.create(
            case=self._case(),
            kind=CaseShare.Kind.SCHOOL,
            reason=reason,
            shared_by=self.lead,
            shared_at=_at(day, 17, 0),
        )

    def engagement(self, day: dt.date, level: str, reason: str) -> None:
        record = EngagementAssessment(assessed_on=day, level=level, reason=reason)
        self._record(record, _at(day, 17, 30))

    def plan(self, day: dt.date, *, every: int, next_review: dt.date) -> ActionPlan:
        plan = ActionPlan(
            agreed_on=day,
            target_attendance=_TARGET,
            target_date=self.term_end(day),
            review_every_days=every,
            next_review_due=next_review,
        )
        return self._record(plan, _at(day, 16, 30))

    def action(
        self, plan: ActionPlan, barrier: Barrier, action: str, by_when: dt.date, who: str, how: str
    ) -> PlanAction:
        record = PlanAction(
            plan=plan,
            barrier=barrier,
            action=action,
            by_when=by_when,
            responsible=who,
            how_we_will_know=how,
        )
        return self._record(record, self.book.created_of(plan))

    def review(
        self,
        plan: ActionPlan,
        day: dt.date,
        progress: Sequence[tuple[PlanAction, str, str]],
        *,
        since: dt.date,
        changes: str,
        next_due: dt.date,
    ) -> None:
        """A review of the plan, with attendance from `since` (the day after the previous
        review, or the plan's first day) to the review, as the plans service stores it."""
        counts = attendance_between(pupil_id=self.p.pupil.pk, first=since, last=day)
        review = PlanReview(
            plan=plan,
            reviewed_on=day,
            attendance_since={
                "from": since.isoformat(),
                "to": day.isoformat(),
                "attended": counts.attended,
                "authorised": counts.authorised,
                "unauthorised": counts.unauthorised,
                "possible": counts.possible,
                "rate": fig.rate(counts.attended, counts.possible),
            },
            changes_made=changes,
            next_review_due=next_due,
        )
        self._record(review, _at(day, 17, 40))
        ActionProgress.unscoped.bulk_create(
            ActionProgress(review=review, action=action, progress=level, note=note)
            for action, level, note in progress
        )
        plan.next_review_due = next_due
        plan.version += 1
        self.book.touch(plan, _at(day, 17, 40))

    def progress(
        self, first: dt.date, last: dt.date, cells: Collection[tuple[int, int]], what: str
    ) -> tuple[str, str]:
        """An action's progress from the register: how many of these sessions were
        attended between the two dates."""
        counts = self.p.sessions(first, last, cells)
        if not counts.possible:
            return _Progress.SOME, f"No {what} since the last review to judge by."
        share = counts.attended / counts.possible
        level = (
            _Progress.NONE if share < 0.34 else _Progress.SOME if share < 0.8 else _Progress.GOOD
        )
        return level, f"In school for {counts.attended} of {counts.possible} {what}."

    def timetable(self, **fields: Any) -> PartTimeTimetable:
        record = PartTimeTimetable(
            pupil=self.p.pupil, school=self.p.school, case=self.case, created_by=self.lead, **fields
        )
        created = _at(fields["parent_agreed_on"], 16)
        return self.book.save(record, created)


def _sibling_word(pupil: Pupil) -> str:
    return {"F": "sister", "M": "brother"}.get(pupil.sex, "sibling")


def _long(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


# --- Support First: a brother and sister, the same weekends away --------------------------


def _family_weekends(a: _Story, b: _Story) -> None:
    """The sibling pair who miss Monday mornings and Friday afternoons at two schools:
    the family drives to the children's grandmother every weekend. The school that
    opened first brings the other in; their meetings are joint from then on. Three
    meetings held and a fourth booked; support declined or not made use of; a plan
    whose reviews changed nothing."""
    cells = (_MONDAY_AM, _FRIDAY_PM)
    wa, wb = a.w, b.w
    unauthorised = codes.UNAUTHORISED_CHARS
    joint_a = f"{b.lead.full_name}, {b.lead.job_title}, {b.p.school.name} (for {wb.name})"
    joint_b = f"{a.lead.full_name}, {a.lead.job_title}, {a.p.school.name} (for {wa.name})"
    same_school = a.p.school == b.p.school
    other_school = "the same school" if same_school else b.p.school.name
    visits = (
        "Weekend visits to the children's grandmother, who has been unwell since the summer: "
        "the family leaves at Friday lunchtime and gets back late on Monday morning."
    )

    # Northmoor High (or whichever school has the elder) first.
    opened = a.back(66)
    a.open(
        opened,
        _Stage.SUPPORT_FIRST,
        f"{wa.name} has missed Monday mornings and Friday afternoons since the start of term, "
        f"unexplained (O). {wa.His} {_sibling_word(b.p.pupil)} {wb.name}, at "
        f"{other_school}, misses the same sessions. Opening a case to understand the barriers "
        "with the family and agree support, working with "
        f"{'both classes' if same_school else b.p.school.name}.",
    )
    m1, m2, m3, m4 = a.back(58), a.back(37), a.back(16), a.ahead(12)
    first_day = a.absent_on(unauthorised, opened + _DAY, m1 - _DAY, cells)
    morning = a.missed(first_day, unauthorised) == _AM
    a_reason, b_reason = (
        (
            f"{wa.carer} said the family was on the way back from visiting the children's "
            "grandmother, who is unwell.",
            f"{wb.carer} said the family was driving back from the children's grandmother's "
            f"and would bring {wb.name} in after lunch.",
        )
        if morning
        else (
            f"{wa.carer} collected {wa.name} at lunchtime to drive to the children's "
            "grandmother, who is unwell.",
            f"{wb.carer} collected {wb.name} at lunchtime to drive to the children's "
            "grandmother's for the weekend.",
        )
    )
    call = 9 if morning else 13
    a.contact(
        a.time(first_day, call),
        _Method.PHONE,
        reached=False,
        absence=first_day,
        notes=f"First-day call: no answer. Voicemail left asking {wa.carer} to ring the office.",
    )
    a.contact(
        a.time(first_day, call, 10) + dt.timedelta(minutes=25),
        _Method.TEXT,
        reached=False,
        absence=first_day,
        notes=(
            f"Text sent: \u201c{wa.name} is not in school this "
            f"{'morning' if morning else 'afternoon'}. Please ring the office to let us know "
            "why.\u201d"
        ),
    )
    a.contact(
        a.time(first_day, call + 3),
        _Method.PHONE,
        reached=True,
        absence=first_day,
        reason=f"{a_reason} Not a reason the school can authorise.",
        notes="Invited the family to a Support First meeting.",
        follow_up="Send the meeting invitation by letter and text.",
    )
    weekends = a.barrier(
        m1,
        _Kind.OTHER,
        _Factor.PULL,
        visits,
        risk=(
            "The pattern is the same every week and the parents see an afternoon or a morning "
            f"as not mattering; {wb.name} misses the same sessions."
        ),
        resilience=(
            f"{wa.carer} wants {wa.name} to do well; {wa.name} gets on well with "
            f"{wa.his} {'class teacher' if wa.primary else 'form tutor'} and has good friends; "
            "the schools are working together."
        ),
    )
    behind = a.barrier(
        m1,
        _Kind.ANXIETY,
        _Factor.PUSH,
        f"Worried about being behind in maths, which {wa.name} misses on Monday mornings, and "
        f"about being asked in front of the class where {wa.he} has been.",
        resilience=f"{wa.name} says catch-up sessions help.",
    )
    a.adjustment(
        a.after(m1, 2),
        behind,
        f"Staff do not ask {wa.name} in front of the class where {wa.he} has been: a quiet "
        "word and catch-up work at the start of the lesson instead.",
    )
    a.voice(
        a.back(52),
        relationship=f"{a.lead.job_title}; has known {wa.name} since {wa.he} joined the school",
        setting="A quiet room off the library, at lunchtime",
        patterns=(
            "Monday mornings and Fridays: we looked at the herringbone together. "
            f"{wa.name} said the Friday afternoons are \u201cwhen we go to Nan's\u201d and the "
            "Monday mornings are \u201cwhen we get back\u201d."
        ),
        **_weekend_voice(wa),
    )
    target = a.term_end(m1)
    a.meeting(
        1,
        m1,
        attended=[a.p.main],
        scheduled_on=first_day,
        other_professionals=f"{wa.name}'s {'class teacher' if wa.primary else 'form tutor'}",
        adjustments=f"Held at 3:30pm, after {wa.carer}'s shift.",
        barriers=f"{visits} {wa.name} is also worried about being behind in maths.",
        parent_voice=(
            f"{wa.carer} said the children's grandmother has nobody else nearby and the visits "
            f"will carry on. Feels \u201cit's only a couple of afternoons\u201d and did not know "
            f"{wa.name} had missed {a.p.sessions(a.term_start, m1, cells).unauthorised} "
            "Monday morning and Friday afternoon sessions this term."
        ),
        going_well=(
            f"{wa.name} is polite, works hard when in school and has good friends. "
            f"{wa.carer} wants {wa.him} to do well."
        ),
        agreed=(
            "The family to leave after school on Fridays, not at lunchtime, and to be back for "
            f"the start of school on Mondays. School to offer a free breakfast club place on "
            f"Mondays and a weekly maths catch-up. School to offer an Early Help assessment. "
            f"School to talk to {'the class teacher of ' if same_school else ''}{wb.name}'s "
            f"{'' if same_school else 'school, ' + b.p.school.name + ', '}so the family has "
            "one joined-up plan."
        ),
        outcome=(
            f"Plan agreed: {_AIM} attendance by {_long(target)}. Next meeting in three weeks."
        ),
        next_review=m2,
        pupil_views=(
            f"{wa.name} told us the Monday mornings are the hardest part: coming in late "
            f"when everyone has started. {wa.name} would like to visit Nan after school "
            "instead, and for the teacher to explain what was missed."
        ),
        summary_for_family=(
            f"We all want {wa.name} in school every day. The family will leave for Nan's "
            "after school on Fridays and be back in time for school on Mondays. School will "
            "offer breakfast club on Mondays and a weekly maths catch-up. We meet again in "
            "three weeks to see how it is going."
        ),
    )
    plan = a.plan(m1, every=21, next_review=m2)
    fridays = a.action(
        plan,
        weekends,
        "Leave for the children's grandmother's after school on Fridays, not at lunchtime.",
        a.after(m1, 3),
        f"{wa.carer_full} ({wa.carer})",
        f"{wa.name} is in school every Friday afternoon: the register shows it.",
    )
    mondays = a.action(
        plan,
        weekends,
        "Back in time for school on Mondays: home on Sunday evening, or staying with family "
        "in Northmoor on Sunday night.",
        a.after(m1, 5),
        f"{wa.carer_full} ({wa.carer})",
        f"{wa.name} is present at Monday morning registration.",
    )
    early_help = a.action(
        plan,
        weekends,
        "Early Help referral for a family support worker, to look at help for the children's "
        "grandmother so the family need not travel every weekend.",
        a.after(m1, 5),
        f"{wa.carer_full} to agree; {a.lead.full_name} to refer",
        "A family support worker is visiting and the weekend visits are shorter.",
    )
    maths = a.action(
        plan,
        behind,
        "Weekly maths catch-up with a mentor, Tuesday lunchtimes.",
        a.after(m1, 5),
        f"{a.lead.full_name}, {a.lead.job_title}",
        f"{wa.name} says {wa.he} is keeping up in maths; the catch-up work is done each week.",
    )
    a.offer(
        m1,
        weekends,
        "Early Help assessment: a family support worker to look at help for the children's "
        "grandmother, so the family need not travel every weekend.",
        _Provider.EARLY_HELP,
        detail="Northmoor Early Help Hub",
        outcome=_Outcome.DECLINED,
        outcome_on=a.after(m1, 4),
        note=(
            f"{wa.carer} declined: \u201cwe manage as a family\u201d. Explained that Early Help "
            "is voluntary and the offer stays open."
        ),
    )
    mondays_since = a.p.sessions(m1, m3, [_MONDAY_AM])
    a.offer(
        m1,
        weekends,
        f"A free breakfast club place on Monday mornings, so {wa.name} can be dropped off on "
        "the way back.",
        _Provider.SCHOOL,
        detail="Breakfast club, paid from Pupil Premium",
        outcome=_Outcome.NOT_ENGAGED,
        outcome_on=m3,
        note=(
            "Accepted at the first meeting, but the place has not been used: "
            f"{wa.name} was in on {mondays_since.attended} of {mondays_since.possible} "
            "Monday mornings since."
        ),
    )
    both_since = a.p.sessions(m1, m3, cells)
    a.offer(
        m1,
        behind,
        "Weekly maths catch-up with a mentor, Tuesday lunchtimes.",
        _Provider.SCHOOL,
        outcome=_Outcome.INSUFFICIENT,
        outcome_on=m3,
        note=(
            f"{wa.name} has gone every week and says it helps, but the Monday and Friday "
            f"absences go on: {both_since.possible - both_since.attended} of "
            f"{both_since.possible} of those sessions missed since the plan started."
        ),
    )
    a.engagement(
        a.after(m1, 5),
        _Level.PARTLY,
        f"{wa.carer} came to the first meeting and agreed the plan, but declined Early Help "
        "and has not changed the Friday pick-up.",
    )
    a.contact(
        a.time(a.back(51), 16),
        _Method.PHONE,
        reached=True,
        notes=(
            f"Check-in call. Reminded {wa.carer} of the plan: leaving after school on Fridays. "
            f"{wa.carer} said they would see."
        ),
    )

    # The other school joins: its case, and the meetings from now on are joint.
    b_opened = b.back(44)
    b.open(
        b_opened,
        _Stage.SUPPORT_FIRST,
        f"{a.p.school.name} shared its concern about {wa.name}: {wb.name} misses the same "
        "Monday mornings and Friday afternoons, unexplained (O). Opening a case so the two "
        "schools can work with the family together: one plan, joint meetings.",
    )
    b_first_day = b.absent_on(unauthorised, b_opened + _DAY, m2 - _DAY, cells)
    b_morning = b.missed(b_first_day, unauthorised) == _AM
    if b_morning != morning:
        b_reason = (
            f"{wb.carer} said the family was driving back from the children's grandmother's "
            f"and would bring {wb.name} in after lunch."
            if b_morning
            else f"{wb.carer} collected {wb.name} at lunchtime to drive to the children's "
            "grandmother's for the weekend."
        )
    b.contact(
        b.time(b_first_day, 9 if b_morning else 13),
        _Method.PHONE,
        reached=True,
        absence=b_first_day,
        reason=b_reason,
        notes=f"Invited {wb.carer} to a joint meeting with {a.p.school.name}.",
    )
    b_weekends = b.barrier(
        m2,
        _Kind.OTHER,
        _Factor.PULL,
        visits,
        risk=f"The same sessions missed by {wa.name} at {a.p.school.name}; the pattern is set.",
        resilience=f"{wb.name} is happy in class and {wb.carer} answers the phone.",
    )
    tired = b.barrier(
        m2,
        _Kind.ROUTINES,
        _Factor.PULL,
        "Tired on Monday mornings after the long drive back; upset when arriving after the "
        "register, with everyone already settled.",
    )
    b.adjustment(
        b.after(m2, 1),
        tired,
        f"On Monday mornings {wb.name} comes in through the office and is walked to class by "
        "a familiar adult.",
    )
    nobody_came = (
        "Did not attend. On the phone afterwards, "
        f"{wa.carer} said work made it impossible to come and that the visits to the "
        "children's grandmother will not change."
    )
    a.meeting(
        2,
        m2,
        attended=[],
        other_professionals=f"{joint_a}; Early Help family support worker",
        adjustments="Held at 3:30pm, the time the family asked for.",
        barriers=f"{visits} Monday mornings and Friday afternoons still missed.",
        parent_voice=nobody_came,
        going_well=f"{wa.name} has gone to every maths catch-up session.",
        agreed=(
            "Plan reviewed: no change to the Friday and Monday absences. Plan and the dates "
            "missed sent home by letter and text. Early Help and the breakfast club place "
            "offered again. Next meeting after half term, at a time the family chose."
        ),
        outcome="Plan reviewed without the family; the outcome sent home by letter and text.",
        next_review=m3,
    )
    b.meeting(
        1,
        m2,
        attended=[],
        scheduled_on=b_opened,
        other_professionals=f"{joint_b}; Early Help family support worker",
        adjustments="Held at 3:30pm, the time the family asked for.",
        barriers=f"{visits} {wb.name} is tired and upset on Monday mornings.",
        parent_voice=nobody_came,
        going_well=(
            f"{wb.name} is happy in class, has lovely friendships and is making good progress "
            "with reading when here."
        ),
        agreed=(
            f"Plan written with {a.p.school.name} and sent home. A Friday afternoon reward "
            f"chart, chosen with {wb.name}. Carers' support offered for the children's "
            "grandmother."
        ),
        outcome="Plan agreed by the schools and sent home; the family to ring back with views.",
        next_review=m3,
    )
    a_since = a.p.sessions(m1, m2, cells)
    first_review = [
        (fridays, *a.progress(m1, m2, [_FRIDAY_PM], "Friday afternoons")),
        (mondays, *a.progress(m1, m2, [_MONDAY_AM], "Monday mornings")),
        (early_help, _Progress.NONE, f"Not started: {wa.carer} declined the referral."),
        (maths, _Progress.GOOD, f"{wa.name} has gone every week."),
    ]
    a.review(
        plan,
        m2,
        first_review,
        since=m1,
        changes="Early Help offered again, in writing. Breakfast club offered again. Plan sent "
        f"home with the dates missed ({a_since.possible - a_since.attended} sessions).",
        next_due=m3,
    )
    b_plan = b.plan(m2, every=14, next_review=m3)
    pick_up = b.action(
        b_plan,
        b_weekends,
        f"Collect {wb.name} at 3:15 on Fridays, not at lunchtime.",
        b.after(m2, 2),
        f"{wb.carer_full} ({wb.carer})",
        f"{wb.name} is in class every Friday afternoon.",
    )
    monday_start = b.action(
        b_plan,
        tired,
        f"{wb.name} in school by 8:50 on Mondays: home from the children's grandmother's on "
        "Sunday evening.",
        b.after(m2, 5),
        f"{wb.carer_full} ({wb.carer})",
        f"Present at Monday registration; {wb.name} says {wb.he} is not tired.",
    )
    b.offer(
        m2,
        b_weekends,
        "A Friday afternoon reward chart: a sticker for each Friday afternoon in school, "
        f"chosen with {wb.name}.",
        _Provider.SCHOOL,
        outcome=_Outcome.ENGAGED,
        outcome_on=b.after(m2, 5),
        note=f"{wb.name} chose the stickers and talks about the chart every week.",
    )
    b.offer(
        m2,
        b_weekends,
        "A carers' support worker to visit the children's grandmother and arrange a sitting "
        "service, so the family need not travel every weekend.",
        _Provider.VOLUNTARY,
        detail="Northmoor Carers Hub",
        outcome=_Outcome.NO_RESPONSE,
        outcome_on=m3,
        note="Leaflet sent home and two texts; no reply.",
    )
    b.contact(
        b.time(b.back(30), 15),
        _Method.TEXT,
        reached=False,
        notes=(
            "Half-term message: \u201c"
            f"{wb.name} has missed {_days_missed(b.p, b.term_start, b.back(30))} days of school "
            "this half term. The next half term is a fresh start and we would appreciate your "
            f"help in improving {wb.name}'s attendance.\u201d"
        ),
    )
    b.voice(
        b.back(30),
        relationship=f"{b.lead.job_title}; sees {wb.name} every morning at the gate",
        setting="The book corner in class, with drawings (the Three Houses)",
        patterns=(
            "Fridays and Monday mornings: we looked at the herringbone as pictures of the week. "
            f"{wb.name} calls Friday afternoon \u201cNan day\u201d."
        ),
        **_weekend_voice(wb),
    )
    a.contact(
        a.time(a.back(30), 15),
        _Method.TEXT,
        reached=False,
        notes=(
            "Half-term message: \u201c"
            f"{wa.name} has missed {_days_missed(a.p, a.term_start, a.back(30))} days of school "
            "this half term. The next half term is a fresh start and we would appreciate your "
            f"help in improving {wa.name}'s attendance.\u201d"
        ),
    )

    # After half term: the third joint meeting, by phone at the family's request.
    third = (
        f"{wa.carer} said the family will keep going to the children's grandmother's and the "
        "schools are \u201cmaking a fuss about nothing\u201d. Understands that the absences are "
        "unauthorised and that the next step could be a Notice to Improve."
    )
    a.meeting(
        3,
        m3,
        method=SupportMeeting.Method.PHONE,
        attended=[a.p.main],
        other_professionals=joint_a,
        adjustments="By phone, as the family asked.",
        barriers=visits,
        parent_voice=third,
        going_well=f"{wa.name} keeps going to maths catch-up and says it helps.",
        agreed=(
            "Breakfast club and maths catch-up stay open. School to text a weekly attendance "
            "update. A fourth meeting booked."
        ),
        outcome=(
            "The support offered has been declined or has not made a difference. Explained, "
            "in writing too, that the next step may be a Notice to Improve. A fourth meeting "
            f"is booked for {_long(m4)} to give the family another chance to agree a plan."
        ),
        next_review=m4,
    )
    a.review(
        plan,
        m3,
        [
            (fridays, *a.progress(m2 + _DAY, m3, [_FRIDAY_PM], "Friday afternoons")),
            (mondays, *a.progress(m2 + _DAY, m3, [_MONDAY_AM], "Monday mornings")),
            (early_help, _Progress.NONE, "Not started: still declined."),
            (maths, _Progress.GOOD, "Still going every week."),
        ],
        since=m2 + _DAY,
        changes="",
        next_due=m4,
    )
    a.engagement(
        m3,
        _Level.NOT_ENGAGING,
        "Did not come to meeting 2; declined Early Help; the breakfast club place is unused "
        f"and the Monday and Friday absences go on. {wa.carer} said the visits will not change.",
    )
    a.meeting(4, m4, attended=[], scheduled_on=m3, other_professionals=joint_a)
    b.meeting(
        2,
        m3,
        method=SupportMeeting.Method.PHONE,
        attended=[b.p.main],
        scheduled_on=m2,
        other_professionals=joint_b,
        adjustments="By phone, as the family asked.",
        barriers=visits,
        parent_voice=(
            f"{wb.carer} said the visits will carry on, but agreed to try collecting "
            f"{wb.name} after school on some Fridays."
        ),
        going_well=f"{wb.name} loves the reward chart.",
        agreed=(
            f"Keep the reward chart. {wb.carer} to collect {wb.name} at 3:15 on Fridays. The "
            "schools to share attendance weekly."
        ),
        outcome=f"Plan reviewed. Meeting 3 booked for {_long(m4)} with {a.p.school.name}.",
        next_review=m4,
    )
    b.review(
        b_plan,
        m3,
        [
            (pick_up, *b.progress(m2, m3, [_FRIDAY_PM], "Friday afternoons")),
            (monday_start, *b.progress(m2, m3, [_MONDAY_AM], "Monday mornings")),
        ],
        since=m2,
        changes="Reward chart added; the family to try a later pick-up on Fridays.",
        next_due=m3 + 14 * _DAY,
    )
    b.engagement(
        m3,
        _Level.PARTLY,
        f"{wb.carer} answers the phone and agreed to try a later pick-up on Fridays, but did "
        "not come to meeting 1 and has not replied about the carers' support.",
    )
    b.meeting(3, m4, attended=[], scheduled_on=m3, other_professionals=joint_b)
    a.contact(
        a.time(a.back(9), 16),
        _Method.PHONE,
        reached=True,
        notes=(
            f"Weekly update: Monday and Friday absences continue. Reminded {wa.carer} of "
            f"meeting 4 on {_long(m4)}."
        ),
    )
    b.contact(
        b.time(b.back(6), 15),
        _Method.PHONE,
        reached=True,
        notes=f"Weekly update shared with {a.p.school.name}. Reminded {wb.carer} of the joint "
        f"meeting on {_long(m4)}.",
    )


def _weekend_voice(w: _Words) -> dict[str, Any]:
    if w.young:
        return {
            "why_hard": (
                "I like going to Nan's. We go in the car for a long time. On Monday I am tired "
                "and when I come in everyone is on the carpet and they look at me."
            ),
            "what_would_help": f"{w.says} bringing me before carpet time. My sticker chart.",
            "worries_at_school": "Coming in late.",
            "worries_at_home": "Nan is poorly.",
            "going_well": "I like playing outside with my friends and choosing time.",
            "scale": ("Feelings faces (1 to 5)", "4 at school; 2 when I come in late"),
        }
    if w.primary:
        return {
            "why_hard": (
                f"We go to my Nan's every weekend because she is poorly. {w.says} picks us up "
                "at lunchtime on Friday so we get there before it's dark. On Monday we drive "
                "back and I come in late and I don't know what we are doing."
            ),
            "what_would_help": (
                "Going to Nan's after school. My teacher telling me what I missed in a nice way."
            ),
            "worries_at_school": "Coming in late when everyone is already working.",
            "worries_at_home": "Nan is poorly. I worry about her.",
            "going_well": "I like my class and my teacher. I am good at reading.",
            "scale": ("Feelings faces (1 to 5)", "4 most days; 2 on Monday mornings"),
        }
    return {
        "why_hard": (
            f"We go to Nan's every weekend because she's been ill since the summer. {w.says} "
            "picks us up at dinner on Friday so we miss the traffic, and we don't get back till "
            "Monday dinner. I don't mind missing Friday afternoon but I hate coming in on Monday "
            "and everyone knowing stuff I don't, especially in maths."
        ),
        "what_would_help": (
            "If we went on Friday after school instead. Someone to go through the maths I "
            "missed. Not getting asked in front of everyone where I was."
        ),
        "worries_at_school": "Being behind in maths. People asking where I was.",
        "worries_at_home": f"Nan being ill. {w.says} is tired all the time from the driving.",
        "going_well": "I like PE and art, and my form tutor is sound. I've got good mates.",
        "scale": ("0 to 10: how do you feel about school?", "6; Monday mornings 2"),
    }


def _days_missed(persona: _Persona, first: dt.date, last: dt.date) -> str:
    counts = persona.sessions(first, last)
    missed = (counts.authorised + counts.unauthorised) / 2
    return f"{missed:g}"


# --- Support First: a pupil who misses Friday afternoons (PE) -----------------------------


def _friday_afternoons(s: _Story) -> None:
    """Friday afternoons are PE: communal changing. The family engages; the school makes
    adjustments (changing somewhere private, PE kit); two meetings held, a third booked;
    no contact for over a fortnight since the second."""
    w, cells = s.w, [_FRIDAY_PM]
    friday = s.absent_on(codes.UNAUTHORISED_CHARS, s.back(63), s.back(56), cells)
    s.open(
        friday,
        _Stage.SUPPORT_FIRST,
        f"{w.name} has missed most Friday afternoons since the start of term, unexplained (O): "
        f"{w.carer} collects {w.him} at lunchtime. A clear pattern on the herringbone.",
        hour=16,
    )
    s.contact(
        _at(friday, 13, 40),
        _Method.PHONE,
        reached=False,
        absence=friday,
        notes="First-day call: no answer.",
    )
    s.contact(
        _at(friday, 13, 45),
        _Method.TEXT,
        reached=False,
        absence=friday,
        notes=(
            f"Text sent: \u201c{w.name} is not in school this afternoon. Please ring the office "
            "to let us know why.\u201d"
        ),
    )
    s.contact(
        _at(friday, 15, 50),
        _Method.PHONE,
        reached=True,
        absence=friday,
        reason=(
            f"{w.carer} collected {w.name} at lunchtime because {w.he} said {w.he} felt sick. "
            f"{w.carer} said this happens most Fridays."
        ),
        notes="Explained the pattern on the register and invited the family to a meeting.",
        follow_up="Ask the class teacher what happens on Friday afternoons.",
    )
    m1, m2, m3 = s.back(52), s.back(24), s.ahead(4)
    changing = s.barrier(
        m1,
        _Kind.ANXIETY,
        _Factor.PUSH,
        "Worried about getting changed for PE in the communal changing room; Friday "
        f"afternoons, when {w.his} class has PE, are missed most weeks.",
        risk="The pattern is now set on Fridays; feeling unwell on Friday mornings.",
        resilience=(
            f"{w.carer} wants {w.name} in school; good friendships; enjoys art and reading; "
            f"trusts {w.his} {'class teacher' if w.primary else 'form tutor'}."
        ),
    )
    kit = s.barrier(
        m1,
        _Kind.UNIFORM,
        _Factor.PUSH,
        f"{w.name}'s PE kit no longer fits and there are no trainers that do; the family is "
        "finding the cost hard.",
        resolved=s.after(m1, 4),
    )
    s.voice(
        s.back(45),
        relationship=f"{s.lead.job_title}, whom {w.name} chose to talk to",
        setting="The nurture room, at the start of the day",
        why_hard=(
            "Friday afternoons are PE and I hate getting changed. Everyone looks at me and the "
            "changing room is really noisy. I tell "
            f"{w.says} my tummy hurts so I can go home at dinner."
            if w.primary
            else "Friday afternoons are PE and I hate getting changed. The changing rooms are "
            "rammed and people get their phones out. So I just go home at dinner."
        ),
        what_would_help=(
            "Getting changed somewhere on my own. Coming to school in my PE kit on Fridays."
        ),
        worries_at_school="Getting changed in front of people. Some of them laugh.",
        worries_at_home="My PE kit is too small and I didn't want to say.",
        going_well="I like art and reading, and I sit next to my best friend.",
        patterns=(
            "Fridays: we looked at the herringbone together. Nearly every Friday afternoon is "
            f"missed, which is when {w.his} class has PE. Monday mornings are fine."
        ),
        scale=("Feelings scale (0 to 10)", "3 on Friday mornings; 8 on other days"),
    )
    s.adjustment(
        s.after(m1, 3),
        changing,
        f"{w.name} gets changed for PE on {w.his} own, in the medical room.",
    )
    s.adjustment(
        s.after(m1, 3),
        kit,
        f"{w.name} can come to school in PE kit on Fridays.",
    )
    s.adjustment(
        s.after(m1, 4),
        kit,
        "A new PE kit and trainers from the school's uniform bank, paid from Pupil Premium.",
    )
    s.meeting(
        1,
        m1,
        attended=s.p.invitees,
        other_professionals=f"{w.name}'s {'class teacher' if w.primary else 'PE teacher'}",
        adjustments="Held at 9:00am, after drop-off, as the family asked.",
        hour=9,
        minute=0,
        barriers="Getting changed for PE in the communal changing room; a PE kit that no "
        "longer fits.",
        parent_voice=(
            f"{w.carer} did not know PE was on Friday afternoons and was upset {w.name} had "
            "been worrying. Wants to help and will stop collecting at lunchtime if the "
            "changing is sorted."
        ),
        going_well=f"{w.name} is settled in class, has a good friend and loves art.",
        agreed=(
            "Private changing in the medical room; PE kit on Fridays; a new kit from the "
            f"uniform bank; ELSA sessions. {w.carer} to bring {w.name} back after lunch if "
            f"{w.he} feels unwell, rather than keep {w.him} home."
        ),
        outcome=f"Plan agreed: {_AIM} attendance by {_long(s.term_end(m1))}.",
        next_review=m2,
    )
    plan = s.plan(m1, every=28, next_review=m2)
    private = s.action(
        plan,
        changing,
        "Changing for PE in the medical room; ELSA sessions once a week to talk through the "
        "worries.",
        s.after(m1, 4),
        f"{s.lead.full_name}, {s.lead.job_title}, with the ELSA",
        f"{w.name} is in school on Friday afternoons and says PE is all right.",
    )
    uniform = s.action(
        plan,
        kit,
        "New PE kit and trainers from the uniform bank.",
        s.after(m1, 4),
        f"{s.lead.full_name}",
        f"{w.name} has a kit that fits and brings it on Fridays.",
    )
    s.offer(
        m1,
        changing,
        "ELSA sessions (emotional literacy support), once a week.",
        _Provider.SCHOOL,
        outcome=_Outcome.ENGAGED,
        outcome_on=s.after(m1, 10),
        note=f"{w.name} goes every week and says it helps.",
    )
    s.offer(
        s.after(m1, 5),
        changing,
        "A drop-in with the school nurse about growing up and body confidence.",
        _Provider.SCHOOL_NURSE,
        outcome=_Outcome.ENGAGED,
        outcome_on=s.after(m1, 12),
        note=f"{w.carer} and {w.name} met the school nurse together.",
    )
    s.contact(
        s.time(s.back(38), 15),
        _Method.PHONE,
        reached=True,
        notes=f"Check-in call: {w.carer} says {w.name} is happier about PE.",
    )
    fridays = s.p.sessions(m1, m2, cells)
    s.meeting(
        2,
        m2,
        attended=s.p.invitees,
        hour=9,
        minute=0,
        scheduled_on=m1,
        barriers="Getting changed for PE; Friday afternoons.",
        parent_voice=(
            f"{w.carer} thanked the school for the kit and the changing arrangements, and "
            f"finds it hard to say no when {w.name} asks to come home on Fridays."
        ),
        going_well=f"{w.name} enjoys the ELSA sessions and has a kit that fits.",
        agreed=f"Keep the arrangements. {w.carer} to send {w.name} back after lunch on Fridays.",
        outcome=(
            f"Plan reviewed: Friday afternoons since the plan: {fridays.attended} of "
            f"{fridays.possible} attended. Meeting 3 on {_long(m3)}."
        ),
        next_review=m3,
    )
    s.review(
        plan,
        m2,
        [
            (private, *s.progress(m1, m2, cells, "Friday afternoons")),
            (uniform, _Progress.DONE, "New kit and trainers given."),
        ],
        since=m1,
        changes=f"{w.carer} to send {w.name} back after lunch on Fridays.",
        next_due=m3,
    )
    s.engagement(
        m2,
        _Level.ENGAGING,
        f"{w.carer} came to both meetings, agreed the plan and met the school nurse with {w.name}.",
    )
    s.meeting(3, m3, attended=[], scheduled_on=m2, hour=9, minute=0)
    # The one Support First case the LA's officer can open without a referral.
    s.share_with_la(
        m2,
        f"For the Targeting Support Meeting: {w.name}'s Friday afternoons and the plan, "
        "for the attendance officer's advice on the third meeting.",
    )


# --- Support First: late after the register closes on one morning a week ------------------


def _late_mornings(s: _Story) -> None:
    """Late on the same weekday morning most weeks: nobody free to bring the pupil in.
    Early days: one meeting held and the second booked; one offer declined, one with no
    response; the pupil's voice not yet recorded."""
    w = s.w
    cell = s.p.main_cell or _MONDAY_AM
    weekday = _WEEKDAYS[cell[0]]
    night = _WEEKDAYS[(cell[0] - 1) % 7]  # the shift that ends that morning
    late = s.absent_on(codes.UNAUTHORISED_CHARS, s.back(40), s.back(20), [cell], latest=True)
    code = s.p.days_marked("U", late, late, [cell])
    s.open(
        late,
        _Stage.SUPPORT_FIRST,
        f"{w.name} arrives after the register closes on most {weekday} "
        f"{'mornings' if cell[1] == _AM else 'afternoons'}"
        f"{' (U)' if code else ''}, and some other sessions are missed without a reason.",
    )
    s.contact(
        _at(late, 9, 45),
        _Method.PHONE,
        reached=True,
        absence=late,
        reason=(
            f"{w.carer} works a night shift on {night}s and gets home at about 8; there is "
            f"nobody else to bring {w.name} in on time."
        ),
        notes="Invited the family to a Support First meeting.",
    )
    m1, m2 = s.back(13), s.ahead(6)
    transport = s.barrier(
        m1,
        _Kind.TRANSPORT,
        _Factor.PULL,
        f"Nobody free to bring {w.name} to school on time on {weekday}s: {w.carer} works a "
        f"night shift on {night}s and gets home at about 8.",
        risk="Lateness after the register closes counts as unauthorised absence.",
        resilience=f"{w.carer} gets {w.name} to school every day, even if late.",
    )
    s.adjustment(
        s.after(m1, 1),
        transport,
        f"A soft start on {weekday}s: straight to breakfast club, then class, without the "
        "late queue at the office.",
    )
    s.meeting(
        1,
        m1,
        attended=[s.p.main],
        adjustments="Held at 2:30pm, before pick-up.",
        hour=14,
        minute=30,
        barriers=f"Getting to school on time on {weekday}s around {w.carer}'s shifts.",
        parent_voice=(
            f"{w.carer} is tired after the night shift and did not know that arriving after "
            "the register closes counts as an unauthorised absence. Would rather bring "
            f"{w.name} than use the walking bus."
        ),
        going_well=f"{w.name} is doing well in class and gets on well with {w.his} friends.",
        agreed=(
            "Walking bus place and an Early Help conversation about childcare offered. "
            f"Soft start on {weekday}s."
        ),
        outcome=f"Plan agreed: {_AIM} attendance by {_long(s.term_end(m1))}.",
        next_review=m2,
    )
    plan = s.plan(m1, every=14, next_review=m2)
    s.action(
        plan,
        transport,
        f"In school by 8:50 on {weekday}s: the walking bus, or a friend's parent on the school "
        "run.",
        s.after(m1, 3),
        f"{w.carer_full} ({w.carer})",
        f"{w.name} is marked present, not late, on {weekday} mornings.",
    )
    s.offer(
        m1,
        transport,
        f"A place on the {weekday} walking bus from the end of {w.his} road.",
        _Provider.SCHOOL,
        outcome=_Outcome.DECLINED,
        outcome_on=s.after(m1, 2),
        note=f"{w.carer} would rather bring {w.name} in once the shifts change.",
    )
    s.offer(
        m1,
        transport,
        "Early Help: a conversation about childcare before school on the morning after "
        "night shifts.",
        _Provider.EARLY_HELP,
        detail="Northmoor Early Help Hub",
        outcome=_Outcome.NO_RESPONSE,
        outcome_on=s.back(2),
        note="Letter and two texts; no reply yet.",
    )
    s.engagement(
        s.after(m1, 2),
        _Level.PARTLY,
        f"{w.carer} came to the first meeting and agreed the plan, but declined the walking "
        "bus and has not replied about Early Help.",
    )
    s.contact(
        s.time(s.back(8), 15),
        _Method.TEXT,
        reached=False,
        notes=f"Text: reminder that the walking bus place is still there if {w.carer} wants it.",
    )
    s.contact(
        s.time(s.back(3), 16),
        _Method.PHONE,
        reached=True,
        notes=f"Check-in call. Reminded {w.carer} of meeting 2 on {_long(m2)}.",
    )
    s.meeting(2, m2, attended=[], scheduled_on=m1, hour=14, minute=30)


# --- Targeted: severe absence ------------------------------------------------------------


def _long_illness(s: _Story) -> None:
    """Off ill for long stretches: first-day calls, the reason established, a follow-up;
    the pupil's voice; a barrier; a school nurse referral waiting for an answer."""
    w = s.w
    opened = s.back(35)
    s.open(
        opened,
        _Stage.TARGETED,
        f"{w.name} has been off ill for long stretches this term: {s.missed_words(opened)}, "
        "mostly illness (I). Opening a case to keep in close touch with the family, support "
        "a return and make sure nothing else is going on.",
    )
    ill = s.absent_on("I", opened + _DAY, s.back(21), _MORNINGS)
    illness = "a chest infection, then chickenpox" if w.primary else "glandular fever"
    s.contact(
        s.time(ill, 9),
        _Method.PHONE,
        reached=True,
        absence=ill,
        reason=f"Unwell: {illness}, according to {w.carer}. Seen by the GP last week.",
        notes=f"{w.carer} sounded worn out. Offered to send work home.",
        follow_up="Ask for the GP's letter or an appointment card; send work home.",
    )
    s.contact(
        s.time(ill, 11),
        _Method.TEXT,
        reached=True,
        absence=ill,
        notes=(
            f"Text: \u201cHope {w.name} feels better soon. Please let us know each morning "
            f"{w.he} is off, and send a copy of the GP's letter if you can.\u201d "
            f"{w.carer} replied with a photo of the appointment card."
        ),
    )
    s.contact(
        s.time(s.back(21), 15),
        _Method.PHONE,
        reached=True,
        notes=(
            f"Follow-up call. {w.name} is recovering but tires easily. Talked about a gentle "
            "return with rest breaks."
        ),
        follow_up="Refer to the school nurse for a health review.",
    )
    worry = s.barrier(
        s.back(20),
        _Kind.ANXIETY,
        _Factor.PUSH,
        f"After a long illness {w.name} is worried about being behind and gets very tired by "
        "the afternoon.",
        risk="Long gaps in learning; the family may keep " + w.him + " home to be safe.",
        resilience=f"{w.carer} keeps in touch every day; {w.name} wants to come back.",
    )
    s.voice(
        s.back(20),
        relationship=f"{s.lead.job_title}",
        setting="At home, on a visit arranged with the family" if w.young else "In school",
        why_hard=(
            "I was poorly for a long time. I'm scared I don't know what we did in phonics."
            if w.primary
            else "I've missed so much I don't know what's going on in lessons, especially "
            "science and maths. I still get really tired by the afternoon."
        ),
        what_would_help=(
            "My friend to show me where everything is. Doing the work I missed with my "
            "teaching assistant."
            if w.primary
            else "Catch-up work I can actually do, and being able to go to the library at "
            "lunch instead of the canteen when I'm tired."
        ),
        worries_at_school="Being behind. Being tired.",
        going_well="My friends sent me cards." if w.primary else "My friends kept in touch.",
        scale=("Feelings faces (1 to 5)", "3") if w.primary else ("0 to 10", "5"),
    )
    s.adjustment(
        s.back(18),
        worry,
        "Work sent home each week while unwell; rest breaks and a quiet space for the "
        "first two weeks back.",
    )
    s.offer(
        s.back(14),
        worry,
        "School nurse: a health review and, if needed, an individual healthcare plan with "
        "the family and the GP.",
        _Provider.SCHOOL_NURSE,
        note="Referral sent; waiting for the school nurse's appointment.",
    )
    s.contact(
        s.time(s.back(7), 15),
        _Method.PHONE,
        reached=True,
        notes=(
            f"Weekly call. {w.carer} says {w.name} is slowly getting stronger. No date from "
            "the school nurse yet."
        ),
    )


def _unexplained(s: _Story) -> None:
    """Off for days at a time with no reason given: calls not answered, a text, the
    emergency contact, then a home visit after talking to the DSL; a housing barrier
    and an Early Help assessment waiting for an answer."""
    w = s.w
    opened = s.back(45)
    s.open(
        opened,
        _Stage.TARGETED,
        f"{w.name} has missed a lot of school this term, often without any reason given (O): "
        f"{s.missed_words(opened)}. Calls often go unanswered. Opening a case: first-day "
        "response every day, and a home visit if we cannot reach the family.",
    )
    day = s.absent_on("O", opened + _DAY, s.back(38), _MORNINGS)
    s.contact(
        s.time(day, 9),
        _Method.PHONE,
        reached=False,
        absence=day,
        notes=f"First-day call to {w.carer}: no answer, voicemail full.",
    )
    s.contact(
        s.time(day, 9, 10) + dt.timedelta(minutes=15),
        _Method.TEXT,
        reached=False,
        absence=day,
        notes=f"Text: \u201cPlease ring the school office about {w.name}'s absence today.\u201d",
    )
    if len(s.p.links) > 1:
        second = s.p.links[1]
        s.contact(
            s.time(day, 10),
            _Method.PHONE,
            reached=False,
            link=second,
            absence=day,
            notes="No answer.",
        )
    s.contact(
        s.time(day, 10, 10) + dt.timedelta(minutes=30),
        _Method.PHONE,
        reached=False,
        other_person="Emergency contact on the school's records (aunt)",
        absence=day,
        notes="No answer; message left.",
    )
    s.contact(
        s.time(day, 13),
        _Method.HOME_VISIT,
        reached=True,
        absence=day,
        reason=(
            f"At home and well. {w.carer} said the family has had to move in with relatives "
            "across town after losing their tenancy; the walk to school is now 50 minutes and "
            "there is no money for the bus."
        ),
        notes=(
            f"Saw {w.name}, who was happy to talk. Discussed with the DSL before and after "
            "the visit: no concern about "
            f"{w.his} safety today. Two of us went."
        ),
        follow_up="Bus pass from Pupil Premium; offer Early Help.",
        home_visit=(
            True,
            False,
            f"{w.name} said {w.he} misses {w.his} friends and wants to come back, but mornings "
            "are hard because of the walk.",
        ),
    )
    housing = s.barrier(
        s.after(day, 1),
        _Kind.HOUSING,
        _Factor.PULL,
        "The family lost its tenancy and is staying with relatives across town, waiting to "
        "be rehoused.",
        risk="Overcrowding; moves may happen again at short notice.",
        resilience=f"Relatives are supportive; {w.name} wants to be in school.",
    )
    bus = s.barrier(
        s.after(day, 1),
        _Kind.TRANSPORT,
        _Factor.PULL,
        "A 50-minute walk to school, and no money for the bus.",
    )
    s.adjustment(s.after(day, 2), bus, "A bus pass paid from Pupil Premium until rehoused.")
    s.voice(
        s.back(30),
        relationship=f"{s.lead.job_title}",
        setting="In school, over breakfast club",
        why_hard=(
            f"We live at my auntie's now and it's really far. When it rains {w.says} says we "
            "can't walk all that way."
            if w.primary
            else "We're at my aunt's now and it's miles. If I miss the bus I just don't come."
        ),
        what_would_help="The bus pass. Being able to have breakfast at school.",
        worries_at_home="Where we're going to live.",
        going_well="My friends. I like maths.",
    )
    s.offer(
        s.back(10),
        housing,
        "Early Help assessment: help with housing and money worries, with the family's consent.",
        _Provider.EARLY_HELP,
        detail="Northmoor Early Help Hub",
        note=f"{w.carer} said they would think about it.",
    )
    s.contact(
        s.time(s.back(16), 15),
        _Method.PHONE,
        reached=True,
        notes=f"{w.carer} picked up. The bus pass is being used some days.",
    )
    s.contact(
        s.time(s.back(4), 15),
        _Method.PHONE,
        reached=True,
        notes=f"Asked {w.carer} again about Early Help; still thinking about it.",
    )


# --- Targeted: a part-time timetable -----------------------------------------------------


def _part_time(s: _Story) -> None:
    """Mornings only (C2 in the afternoons), agreed with the family and notified to the
    LA, time-limited to six weeks, in a targeted case."""
    w = s.w
    c2_days = s.p.days_marked(_PART_TIME, s.term_start, s.clock.day)
    start = c2_days[0] if c2_days else s.back(42)
    opened = s.before(start, 12)
    s.open(
        opened,
        _Stage.TARGETED,
        f"{w.name} is finding full days very hard after a long absence at the end of last "
        "year: afternoons end with "
        f"{w.him} out of lessons. Opening a case to agree a short part-time timetable and "
        "the support to get back to full days.",
    )
    agreed = s.before(start, 4)
    s.contact(
        s.time(agreed, 16),
        _Method.PHONE,
        reached=True,
        notes=(
            f"Talked through a part-time timetable with {w.carer}: mornings only for six "
            "weeks, reviewed fortnightly, building back up to full days. "
            f"{w.carer} agreed."
        ),
    )
    hard = s.barrier(
        opened,
        _Kind.LEARNING_NEEDS,
        _Factor.PUSH,
        f"Concentration drops sharply in the afternoons since {w.his} long absence; the SENCo "
        "is assessing whether SEN support is needed.",
        resilience=f"Good mornings; a good relationship with {w.his} mentor.",
    )
    # Six weeks: the 30th school day from the start.
    planned_end = s.after(start, 29)
    s.timetable(
        reason=(
            "A short-term phased return after a long absence at the end of last school year: "
            f"{w.name} cannot yet manage full days. Mornings only, building back up to full "
            "days; reviewed every two weeks."
        ),
        agreed_hours="Mornings only, 9:00\u201312:15",
        start=start,
        planned_end=planned_end,
        next_review_due=planned_end,
        parent_agreed_on=agreed,
        la_notified_on=s.after(agreed, 1),
    )
    s.voice(
        s.after(opened, 2),
        relationship=f"{s.lead.job_title}",
        setting="The learning support base, first thing",
        why_hard=(
            "After I was off, full days were too much. By the afternoon I can't concentrate "
            "and I end up getting sent out."
        ),
        what_would_help="Mornings for now, then adding an afternoon when I'm ready.",
        going_well="Mornings are good. I like my mentor.",
        scale=("0 to 10", "7 in the mornings, 3 in the afternoons"),
    )
    s.offer(
        s.after(opened, 3),
        hard,
        "An educational psychologist's assessment, through the SENCo.",
        _Provider.OTHER,
        detail="Northmoor Educational Psychology Service",
        note="Referral made; waiting for an appointment.",
    )
    s.contact(
        s.time(s.back(20), 15),
        _Method.PHONE,
        reached=True,
        notes="Fortnightly call about the timetable: mornings going well.",
    )
    s.contact(
        s.time(s.back(6), 15),
        _Method.PHONE,
        reached=True,
        notes="Fortnightly call. Talked about adding one afternoon a week.",
    )


# --- Universal: holiday in term time -----------------------------------------------------


def _holiday(s: _Story) -> None:
    """An early concern after a holiday in term time: the first-day call (before any
    case), a conversation on return, a text."""
    w = s.w
    holiday = s.p.days_marked("G", s.term_start, s.clock.day)
    if not holiday:
        return
    first, last = holiday[0], holiday[-1]
    days = len(holiday)
    s.contact(
        s.time(first, 9),
        _Method.PHONE,
        reached=False,
        absence=first,
        notes="First-day call: no answer.",
        on_case=False,
    )
    s.contact(
        s.time(first, 9, 10) + dt.timedelta(minutes=20),
        _Method.TEXT,
        reached=False,
        absence=first,
        notes=f"Text: \u201cPlease let us know why {w.name} is not in school today.\u201d",
        on_case=False,
    )
    back = s.after(last, 1)
    opened = min(max(back, s.back(12)), s.back(1))
    s.open(
        opened,
        _Stage.UNIVERSAL,
        f"Early concern: {days} school days of holiday in term time ({_long(first)} to "
        f"{_long(last)}): the school had refused the family's request for the leave, so it "
        "is recorded as unauthorised (G). Keeping in touch "
        "with the family this half term.",
    )
    s.contact(
        s.time(opened, 15),
        _Method.IN_PERSON,
        reached=True,
        reason=(
            "The family was abroad for a family wedding; the school had refused the leave "
            "they asked for."
        ),
        notes=(
            f"Spoke to {w.carer} at pick-up. Explained that leave in term time is not "
            f"authorised except in exceptional circumstances, and how {days} days add up over "
            "a year. No other concerns."
        ),
    )
    week = s.p.sessions(s.back(6), s.back(2))
    if week.possible and week.attended == week.possible:
        text = f"Thank you: {w.name} has been in every day this week."
    else:
        text = f"A reminder that every day counts: we'd love to see {w.name} every day next week."
    s.contact(s.time(s.back(2), 15), _Method.TEXT, reached=False, notes=f"Text: \u201c{text}\u201d")


# --- Closed: attendance improved ---------------------------------------------------------


def _improved(s: _Story) -> None:
    """A short history: late most mornings; a routine chart and a wake-up call that
    worked; closed when attendance improved, with the family's agreement."""
    w = s.w
    opened = s.back(75)
    meeting = s.after(opened, 4)
    # Three school weeks at least after the meeting, and no later than the registers.
    closed = max(s.back(33), s.after(meeting, 15))
    s.open(
        opened,
        _Stage.TARGETED,
        "Late most mornings, and some days missed without a reason. Opening a case to help "
        "the family get mornings back on track.",
        hour=12,
    )
    s.contact(
        s.time(opened, 15),
        _Method.PHONE,
        reached=True,
        notes=f"Talked with {w.carer} about mornings. Agreed to meet next week.",
    )
    mornings = s.barrier(
        meeting,
        _Kind.ROUTINES,
        _Factor.PULL,
        "Mornings are rushed: late nights, no alarm, and nothing ready the night before.",
        resilience=f"{w.carer} is keen to help; {w.name} likes school.",
        resolved=closed,
    )
    s.meeting(
        1,
        meeting,
        attended=[s.p.main],
        hour=9,
        minute=0,
        scheduled_on=opened,
        barriers="Morning routines.",
        parent_voice=f"{w.carer} wants mornings to be calmer and asked for ideas.",
        going_well=f"{w.name} is doing well in class and has good friends.",
        agreed=(
            "A morning routine chart (alarm set, bag packed, uniform out the night before) "
            "and a wake-up call each morning for two weeks."
        ),
        outcome="Plan agreed; review in a month.",
        next_review=s.after(meeting, 20),
    )
    s.adjustment(
        s.after(meeting, 1),
        mornings,
        "A wake-up phone call from the office each morning for two weeks.",
    )
    s.offer(
        meeting,
        mornings,
        "A morning routine chart and an alarm clock.",
        _Provider.SCHOOL,
        outcome=_Outcome.ENGAGED,
        outcome_on=s.after(meeting, 10),
        note=f"Used every day; {w.carer} says mornings are much calmer.",
    )
    s.engagement(
        s.after(meeting, 10),
        _Level.ENGAGING,
        f"{w.carer} came to the meeting, used the chart and answered every call.",
    )
    since = attendance_between(pupil_id=s.p.pupil.pk, first=opened, last=closed)
    # The registers may not reach back to the opening (early in a term): no figures then.
    improved = f"{s.counts_words(since)} since the case opened" if since.possible else ""
    s.contact(
        s.time(closed, 15),
        _Method.PHONE,
        reached=True,
        notes=f"Told {w.carer} the case is closing{': ' + improved if improved else ''}.",
    )
    s.close(
        closed,
        AttendanceCase.ClosingReason.IMPROVED,
        f"Attendance improved{': ' + improved + ',' if improved else ''} and {w.name} is on "
        "time nearly every morning. Closed with the family's agreement; the "
        f"{'class teacher' if w.primary else 'form tutor'} keeps checking in.",
    )


# --- "Cases to look at" ------------------------------------------------------------------


def demo_cases(la: LocalAuthority, today: dt.date) -> DemoCases | None:
    """The demo's cases and what is notable about each, as the case page shows them to
    someone with the LA's view (cases.selectors_cases), as at today. None when the demo
    has no cases (built before seed_demo made them)."""
    cases = list(
        AttendanceCase.unscoped.filter(school__local_authority=la)
        .select_related("pupil", "school")
        .order_by("pk")
    )
    if not cases:
        return None
    # Someone who may open every case file (an LA officer opens only the shared
    # ones), with nobody's own caseload; the cases are the LA's, found above.
    reader = User(role=Role.SYSTEM_ADMIN, is_active=True)
    # The furthest along the pathway first; closed cases last.
    order: list[str] = [
        _Stage.REFERRED,
        _Stage.NOTICE_TO_IMPROVE,
        _Stage.SUPPORT_FIRST,
        _Stage.TARGETED,
        _Stage.UNIVERSAL,
        _Stage.CLOSED,
    ]
    lines = []
    for case in cases:
        file = case_file(user=reader, case_id=case.pk, day=today)
        lines.append((order.index(case.stage), -file.row.meetings_held, case, _notes(file, today)))
    lines.sort(key=lambda line: (line[0], line[1], line[2].pupil.display_name))
    return DemoCases(
        as_at=today,
        cases=tuple(
            DemoCase(
                pupil=case.pupil.display_name,
                school=case.school.name,
                stage=case.get_stage_display(),
                notes=notes,
            )
            for _, _, case, notes in lines
        ),
    )


def _notes(file: CaseFile, today: dt.date) -> tuple[str, ...]:
    """What is notable about a case, in the words of its case page (rule A4 and the
    plan flags come from cases.selectors_cases, as the page shows them)."""
    case, row = file.case, file.row
    if case.closed_at is not None:
        closed = timezone.localdate(case.closed_at)
        reason = case.get_closing_reason_display().lower()
        return (f"closed on {_long(closed)}: {reason}", *_history(case))
    notes: list[str] = []
    # The legal stage (demo.legal): the running notice, read as the case page reads it.
    for notice in NoticeToImprove.unscoped.filter(case=case, outcome=""):
        notes.append(
            f"Notice to Improve issued {_long(notice.issued_on)}, improvement period until "
            f"{_long(notice.period_ends_on)}"
        )
    notes += _legal_notes(case, today)
    if file.shared_by_school:
        notes.append("shared with the LA by the school")
    if case.stage in (_Stage.SUPPORT_FIRST, _Stage.NOTICE_TO_IMPROVE) or file.meetings:
        notes.append(f"{row.meetings_held} of {row.minimum_meetings} meetings held")
    offers = list(case.offers.all())
    # The case file's own verdict (rule A4), so the printed note cannot drift from the page.
    if file.support_exhausted:
        notes.append("support exhausted")
    elif any(o.outcome == _Outcome.AWAITING for o in offers):
        notes.append("support offered, waiting for a response")
    assessments = sorted(case.engagement_assessments.all(), key=lambda a: (a.assessed_on, a.pk))
    if assessments:
        notes.append(f"parents {assessments[-1].get_level_display().lower()}")
    upcoming = [
        m
        for m in file.meetings
        if not m.cancelled and m.held_on is None and timezone.localdate(m.scheduled_for) >= today
    ]
    if upcoming:
        when = timezone.localdate(upcoming[0].scheduled_for)
        notes.append(f"meeting {upcoming[0].sequence} on {_long(when)}")
    if row.contact_overdue:
        notes.append("contact overdue")
    if file.plan_state.review_overdue:
        notes.append("plan review overdue")
    if file.plan_state.stalled:
        notes.append("stalled plan: same actions, no progress")
    if not row.voice_recorded and case.stage != _Stage.UNIVERSAL:
        notes.append("pupil's voice not recorded yet")
    for timetable in case.timetables.all():
        if timetable.ended_on is not None:
            continue
        end = _long(timetable.planned_end)
        if timetable.planned_end < today:
            notes.append(f"part-time timetable past its planned end on {end}")
        else:
            notes.append(f"part-time timetable until {end}")
    if case.stage in (_Stage.UNIVERSAL, _Stage.TARGETED):
        contacts = len(case.contacts.all())
        notes.append(f"{contacts} contact{'s' if contacts != 1 else ''} with the family")
    notes += [f"sibling case at {sibling.school.name}" for sibling in file.sibling_cases]
    return tuple(notes)


def _legal_notes(case: AttendanceCase, today: dt.date) -> list[str]:
    """Where the case's referral, penalty notices and holiday requests stand
    (demo.legal_cases, demo.legal_holiday)."""
    notes: list[str] = []
    referral = LegalReferral.unscoped.filter(case=case).order_by("-version").first()
    decision = LADecision.unscoped.filter(referral=referral).first() if referral else None
    if decision is not None:
        notes.append(
            f"LA decision {_long(decision.decided_on)}: {decision.get_kind_display().lower()}"
            + (", an education supervision order considered" if decision.eso_considered else "")
        )
    elif referral is not None and referral.status == LegalReferral.Status.RETURNED:
        notes.append("referral returned by the LA with its reasons")
    elif referral is not None and referral.status == LegalReferral.Status.ACCEPTED:
        notes.append("referral accepted by the LA")
    elif referral is not None:
        notes.append("referral submitted, in the LA's inbox")
    for notice in PenaltyNotice.unscoped.filter(case=case).select_related("recipient__carer"):
        if notice.status == PenaltyNotice.Status.PAID:
            state = "paid"
        elif withdrawal_due(notice, today):
            state = "unpaid past its period: prosecute or withdraw (regulation 9)"
        else:
            state = notice.get_status_display().lower()
        notes.append(f"penalty notice to {notice.recipient.carer}, {state}")
    for request in HolidayRequest.unscoped.filter(pupil_id=case.pupil_id, school_id=case.school_id):
        label = request.get_status_display()
        notes.append(f"holiday request {label[:1].lower()}{label[1:]}")
    return notes


def _history(case: AttendanceCase) -> list[str]:
    """A closed case's story in a few words: how long it ran, and what it held."""
    opened = timezone.localdate(case.opened_at)
    closed = timezone.localdate(case.closed_at) if case.closed_at else opened
    weeks = max(1, round((closed - opened).days / 7))
    counts = [
        (len(case.contacts.all()), "contact"),
        (len(case.barriers.all()), "barrier"),
        (len(case.offers.all()), "support offer"),
    ]
    held = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)
    return [f"open {weeks} week{'s' if weeks != 1 else ''}", *([held] if held else [])]
