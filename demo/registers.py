"""A term of realistic registers for the demo pupils, and the pupils worth showing.

Most pupils attend well; some are persistently or severely absent; a few miss the same
sessions week after week, at or over the national threshold; a family's children share a
pattern; some families take a holiday in term time; one pupil is on a part-time
timetable; one moves school mid-term; a few registers have gaps. Which pupil plays which
part is dealt from the same `random.Random` as the pupils themselves, after them, so a
seed and a date always give the same registers.

The registers run from the first school day of the academic year containing today to the
last school day before today. Between 1 September and the first school day there is
nothing to show yet, so the demo builds the previous academic year's autumn term instead:
always a term of registers, and the autumn term is the one the personas were designed on.

"Pupils to look at" is worked out again from the stored registers by `attendance.figures`
on every run, so what is printed is what the product shows, even after someone has
edited the demo data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import LocalAuthority, School
from attendance import codes
from attendance import figures as fig
from attendance.loading import context_for, registers_by_pupil, spans_by_pupil
from attendance.models import MarkChange, RegisterYear, SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.services.snapshots import figures_refresh
from attendance.years import academic_year_of, date_at, day_index, empty_marks, year_start
from pupils.models import Enrolment, Pupil, PupilCarer

from .calendars import (
    AUTUMN_2,
    CalendarStyle,
    YearPlan,
    calendars_delete,
    calendars_save,
    year_plan,
)
from .legal_registers import LegalCandidate, legal_registers_add

_DAY = dt.timedelta(days=1)
_AM, _PM = 0, 1
_PRESENT = ("/", "\\")
# Marks that say the pupil was in school, so a trip or a gap may replace them.
_IN_SCHOOL = ("/", "\\", "L")
_TRIP = "V"
_PART_TIME = ">"  # C2 in its one-character form (rule A1)
_HOLIDAY = "G"
_NOT_YET_KNOWN = "N"
GOOD_ATTENDANCE_RATE = 96.0
# Ordinary pupils keep clear of the national threshold: the few who meet it are chosen.
_ORDINARY_UNAUTHORISED_CAP = 7


@dataclass(frozen=True)
class DemoSchool:
    school: School
    style: CalendarStyle
    # False for the school that has not given the product its calendar: its school days
    # come from its registers (rule A3).
    calendar_in_product: bool = True


@dataclass(frozen=True)
class RegisterTerm:
    """The dates the demo's registers cover, and every demo school's calendar."""

    academic_year: int
    first: dt.date
    last: dt.date
    # Today is before the first school day of its year: last year's autumn term instead.
    before_first_day: bool
    plans: Mapping[int, Mapping[int, YearPlan]]  # school id, academic year
    # The pupils whose cases reach the legal stage (demo.legal_registers): their
    # registers also cover the term before, so their histories can start there.
    legal_upns: tuple[str, ...] = ()

    def register_days(self, school_id: int) -> list[dt.date]:
        plan = self.plans[school_id][self.academic_year]
        return [d for d in plan.school_days() if self.first <= d <= self.last]

    def closure_days(self, school_id: int) -> list[dt.date]:
        plan = self.plans[school_id][self.academic_year]
        return [d for d in plan.closure_days() if self.first <= d <= self.last]


def register_term(schools: Sequence[DemoSchool], today: dt.date) -> RegisterTerm:
    current = academic_year_of(today)
    plans: dict[int, dict[int, YearPlan]] = {}
    for demo in schools:
        plans[demo.school.pk] = {
            # The summer term before, so the 10-school-week window early in the autumn
            # reaches back across the summer holiday as it should.
            current - 1: year_plan(demo.style, current - 1, summer_only=True),
            current: year_plan(demo.style, current),
        }
    first_days = [plans[d.school.pk][current].school_days()[0] for d in schools]
    if not first_days or today > min(first_days):
        return RegisterTerm(current, year_start(current), today - _DAY, False, plans)
    year = current - 1
    for demo in schools:
        plans[demo.school.pk][year] = year_plan(demo.style, year)
        plans[demo.school.pk][year - 1] = year_plan(demo.style, year - 1, summer_only=True)
    autumn_end = max(plans[d.school.pk][year].terms[AUTUMN_2].end for d in schools)
    return RegisterTerm(year, year_start(year), autumn_end, True, plans)


def demo_registers_build(
    *, rng: random.Random, schools: Sequence[DemoSchool], today: dt.date
) -> RegisterTerm:
    """Save the schools' calendars and a term of registers for every pupil on roll."""
    term = register_term(schools, today)
    calendars_save(
        [
            (demo.school, plan)
            for demo in schools
            if demo.calendar_in_product
            for _, plan in sorted(term.plans[demo.school.pk].items())
        ]
    )
    pupils, families = _pupils_load([demo.school for demo in schools])
    generator = _Registers(rng, term, schools, pupils, families)
    incoming = generator.build()
    # Chosen from the good attenders once every part is dealt, so the rest of the
    # demo is the same with or without them; their marks owe nothing to `rng`.
    legal = legal_registers_add(
        term=term,
        schools=[demo for demo in schools if demo.calendar_in_product],
        candidates=[
            LegalCandidate(p.pk, p.upn, p.year_group, school, _on_roll_since(p, school))
            for p in sorted(generator.good, key=lambda p: p.upn)
            if generator._whole_term_at_one_school(p) and len(generator.family_of[p.pk]) == 1
            for school in [generator._school_of(p)]
        ],
        incoming=incoming,
    )
    term = replace(term, legal_upns=legal)
    result = registers_merge(incoming=incoming)
    calendar_pairs = {
        (demo.school.pk, year)
        for demo in schools
        if demo.calendar_in_product
        for year in term.plans[demo.school.pk]
    }
    school_days_refresh(pairs=result.touched | calendar_pairs)
    # The dashboards list stored figures: fill them, as the nightly job would.
    figures_refresh(as_at=term.last, school_ids=[demo.school.pk for demo in schools])
    return term


def _on_roll_since(pupil: _Pupil, school_id: int) -> dt.date:
    """When the pupil joined the school they are at all term."""
    first = min(pupil.school_on)
    return min(e.start for e in pupil.enrolments if e.school_id == school_id and e.covers(first))


def demo_registers_delete(schools: Iterable[School], pupils: QuerySet[Pupil]) -> None:
    """The demo pupils' registers and their history, and the demo schools' calendars."""
    registers = RegisterYear.unscoped.filter(pupil__in=pupils)
    MarkChange.unscoped.filter(register__in=registers).delete()
    registers.delete()
    calendars_delete(schools)


# --- Loading the pupils ------------------------------------------------------------------


@dataclass
class _Enrolment:
    pk: int
    school_id: int
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(eq=False)
class _Pupil:
    pk: int
    upn: str
    year_group: str
    enrolments: list[_Enrolment]
    # Register days while on roll, with the school, and the AM and PM marks of each.
    school_on: dict[dt.date, int] = field(default_factory=dict)
    marks: dict[dt.date, list[str]] = field(default_factory=dict)

    @property
    def days(self) -> list[dt.date]:
        return sorted(self.school_on)

    def mark(self, day: dt.date, session: int, char: str) -> bool:
        """Replace a present mark; an absence or a gap already there stays."""
        marks = self.marks.get(day)
        if marks is None or marks[session] not in _PRESENT:
            return False
        marks[session] = char
        return True


def _pupils_load(schools: Sequence[School]) -> tuple[list[_Pupil], list[list[_Pupil]]]:
    """Every pupil ever enrolled at a demo school, in UPN order (primary keys change on
    --reset; UPNs come from the seed), and the families: pupils sharing a carer."""
    school_ids = [school.pk for school in schools]
    enrolments: dict[int, list[_Enrolment]] = defaultdict(list)
    for pk, pupil_id, school_id, start, end in (
        Enrolment.unscoped.filter(school_id__in=school_ids)
        .order_by("start", "pk")
        .values_list("pk", "pupil_id", "school_id", "start", "end")
    ):
        enrolments[pupil_id].append(_Enrolment(pk, school_id, start, end))
    rows = Pupil.unscoped.filter(pk__in=list(enrolments)).values_list("pk", "upn", "year_group")
    # Sorted here rather than by the database, whose collation could differ.
    pupils = [
        _Pupil(pk, upn, year_group, enrolments[pk])
        for pk, upn, year_group in sorted(rows, key=lambda row: row[1])
    ]
    by_pk = {p.pk: p for p in pupils}
    by_carer: dict[int, set[int]] = defaultdict(set)
    for carer_id, pupil_id in PupilCarer.unscoped.filter(pupil_id__in=list(by_pk)).values_list(
        "carer_id", "pupil_id"
    ):
        by_carer[carer_id].add(pupil_id)
    groups = {tuple(sorted(by_pk[pk].upn for pk in ids)) for ids in by_carer.values()}
    by_upn = {p.upn: p for p in pupils}
    families: list[list[_Pupil]] = []
    placed: set[str] = set()
    # Largest first: should carers ever overlap, each child goes with its biggest family.
    for group in sorted(groups, key=lambda g: (-len(g), g)):
        family = [by_upn[upn] for upn in group if upn not in placed]
        if family:
            families.append(family)
            placed.update(p.upn for p in family)
    # A child who shares carers with nobody else is a family of one.
    families += [[p] for p in pupils if p.upn not in placed]
    families.sort(key=lambda family: family[0].upn)
    return pupils, families


# --- Generating the marks ----------------------------------------------------------------

# (weight, code, shape, longest): an absence of `code` lasting up to `longest` whole days
# ("days"), or one morning, one afternoon, or either session.
_Episode = tuple[int, str, str, int]
_GOOD: tuple[_Episode, ...] = (
    (50, "I", "days", 3),
    (10, "I", "pm", 1),
    (25, "M", "either", 1),
    (3, "C", "days", 1),
    (6, "O", "either", 1),
    (6, "U", "am", 1),
)
_MIDDLE: tuple[_Episode, ...] = (
    (50, "I", "days", 3),
    (8, "I", "pm", 1),
    (20, "M", "either", 1),
    (5, "C", "days", 2),
    (10, "O", "either", 1),
    (7, "U", "am", 1),
)
_PERSISTENT: tuple[_Episode, ...] = (
    (45, "I", "days", 4),
    (5, "I", "pm", 1),
    (12, "M", "either", 1),
    (5, "C", "days", 2),
    (20, "O", "days", 1),
    (13, "U", "am", 1),
)
_LONG_ILLNESS: tuple[_Episode, ...] = ((70, "I", "days", 10), (30, "M", "either", 1))
_UNEXPLAINED: tuple[_Episode, ...] = (
    (50, "O", "days", 3),
    (20, "I", "days", 2),
    (15, "U", "am", 1),
    (15, "O", "pm", 1),
)
_MIXED: tuple[_Episode, ...] = (
    (40, "I", "days", 5),
    (20, "O", "days", 2),
    (20, "C", "days", 1),
    (20, "M", "either", 1),
)

# Weekday patterns (Monday is 0): the sessions missed, the code, and how often.
_Pattern = dict[tuple[int, int], tuple[str, float]]
_MONDAYS_AND_FRIDAYS: _Pattern = {(0, _AM): ("O", 0.85), (4, _PM): ("O", 0.85)}
_FRIDAY_AFTERNOONS: _Pattern = {(4, _PM): ("O", 0.95), (0, _AM): ("U", 0.5)}
_LATE_MONDAYS: _Pattern = {(0, _AM): ("U", 0.9), (3, _PM): ("O", 0.5)}


@dataclass
class _Target:
    """How many unauthorised sessions a threshold pupil has in their last 10 school weeks."""

    pattern: _Pattern
    least: int
    most: int | None = None


_SEVERE: tuple[tuple[tuple[_Episode, ...], float, float], ...] = (
    (_LONG_ILLNESS, 0.55, 0.7),
    (_UNEXPLAINED, 0.55, 0.75),
    (_MIXED, 0.5, 0.6),
)


@dataclass
class _Cast:
    """Who plays which part in the demo."""

    patterns: list[tuple[list[_Pupil], _Target]] = field(default_factory=list)
    holidays: list[list[_Pupil]] = field(default_factory=list)
    severe: list[_Pupil] = field(default_factory=list)
    part_time: _Pupil | None = None
    gaps: list[_Pupil] = field(default_factory=list)
    mover: _Pupil | None = None
    good: list[_Pupil] = field(default_factory=list)
    persistent: list[_Pupil] = field(default_factory=list)
    middle: list[_Pupil] = field(default_factory=list)


class _Registers:
    """Deals out the parts and writes every pupil's marks, in memory."""

    def __init__(
        self,
        rng: random.Random,
        term: RegisterTerm,
        schools: Sequence[DemoSchool],
        pupils: list[_Pupil],
        families: list[list[_Pupil]],
    ) -> None:
        self.rng = rng
        self.term = term
        self.schools = schools
        self.pupils = pupils
        self.families = families
        self.days_at = {d.school.pk: term.register_days(d.school.pk) for d in schools}
        self.family_of = {p.pk: family for family in families for p in family}
        self.targets: dict[int, _Target] = {}
        # Pupils who keep whatever unauthorised absence their part gives them.
        self.uncapped: set[int] = set()
        # The good attenders, once dealt: the legal stage's pupils come from them.
        self.good: list[_Pupil] = []

    def build(self) -> list[IncomingRegister]:
        # Each step draws from the one random stream in turn: reordering them would give
        # every seed different registers.
        for pupil in self.pupils:
            self._days_assign(pupil)
        on_roll = [p for p in self.pupils if p.school_on]
        cast = self._cast(on_roll)
        self.good = cast.good
        if cast.mover is not None:
            self._move(cast.mover)
        for family, target in cast.patterns:
            self._pattern(family, target)
        for family in cast.holidays:
            self._holiday(family)
        for pupil, (episodes, low, high) in zip(cast.severe, _SEVERE, strict=False):
            self.uncapped.add(pupil.pk)
            self._absences(pupil, episodes, low, high)
        if cast.part_time is not None:
            self._part_time(cast.part_time)
        if cast.mover is not None:
            self._absences(cast.mover, _GOOD, 0.01, 0.035)
        for pupil in cast.gaps + cast.good:
            perfect = self.rng.random() < 0.35
            self._absences(pupil, _GOOD, 0.0, 0.0 if perfect else 0.039)
        for pupil in cast.persistent:
            self._absences(pupil, _PERSISTENT, 0.105, 0.19)
        for pupil in cast.middle:
            self._absences(pupil, _MIDDLE, 0.045, 0.095)
        self._lates(on_roll)
        self._trips(on_roll)
        self._not_yet_known(on_roll)
        self._gaps(cast.gaps)
        self._threshold_tune(on_roll)
        return self._incoming(on_roll)

    # --- Who is on roll when -------------------------------------------------------------

    def _days_assign(self, pupil: _Pupil) -> None:
        pupil.school_on.clear()
        pupil.marks.clear()
        for enrolment in pupil.enrolments:
            for day in self.days_at.get(enrolment.school_id, []):
                if enrolment.covers(day):
                    pupil.school_on[day] = enrolment.school_id
                    pupil.marks[day] = list(_PRESENT)

    def _whole_term_at_one_school(self, pupil: _Pupil) -> bool:
        schools = set(pupil.school_on.values())
        return len(schools) == 1 and len(pupil.school_on) == len(self.days_at[schools.pop()])

    def _school_of(self, pupil: _Pupil) -> int:
        return pupil.school_on[min(pupil.school_on)]

    # --- Who plays which part ------------------------------------------------------------

    def _cast(self, on_roll: list[_Pupil]) -> _Cast:
        """Every part is given out before any marks are drawn, so the same pupils play
        the same parts whichever day in the term the demo is built."""
        rng = self.rng
        pool = [p for p in on_roll if self._whole_term_at_one_school(p)]
        cast = _Cast()
        taken: set[int] = set()

        def free(pupils: Iterable[_Pupil]) -> bool:
            return all(p.pk not in taken for p in pupils)

        def take(pupils: Iterable[_Pupil]) -> None:
            taken.update(p.pk for p in pupils)

        whole = {p.pk for p in pool}
        families = [f for f in self.families if all(p.pk in whole for p in f)]
        pairs = [f for f in families if len(f) == 2]
        # Across two schools if possible: each school sees only its own half of it.
        across = [f for f in pairs if len({self._school_of(p) for p in f}) == 2]
        if across or pairs:
            family = rng.choice(across or pairs)
            cast.patterns.append((family, _Target(_MONDAYS_AND_FRIDAYS, 12)))
            take(family)
        for target in (_Target(_FRIDAY_AFTERNOONS, 12), _Target(_LATE_MONDAYS, 10, 10)):
            singles = [f for f in families if len(f) == 1 and free(f)]
            if singles:
                family = rng.choice(singles)
                cast.patterns.append((family, target))
                take(family)
        # Holidays are taken by whole families at one school (one set of term dates).
        at_one_school = [
            f for f in families if free(f) and len({self._school_of(p) for p in f}) == 1
        ]
        with_children = [f for f in at_one_school if len(f) > 1]
        singles = [f for f in at_one_school if len(f) == 1]
        cast.holidays = ([rng.choice(with_children)] if with_children else []) + rng.sample(
            singles, min(2, len(singles))
        )
        for family in cast.holidays:
            take(family)
        cast.severe = self._pick(pool, taken, len(_SEVERE), spread=True)
        older = [p for p in pool if p.pk not in taken and p.year_group in ("8", "9", "10")]
        others = [p for p in pool if p.pk not in taken]
        if older or others:
            cast.part_time = rng.choice(older or others)
            take([cast.part_time])
        cast.gaps = self._pick(pool, taken, 3, spread=True)
        primaries = [d.school.pk for d in self.schools if d.school.phase == School.Phase.PRIMARY]
        movable = [
            p
            for p in pool
            if p.pk not in taken
            and self._school_of(p) in primaries
            and p.year_group in ("2", "3", "4", "5", "6")
            and len(self.family_of[p.pk]) == 1
        ]
        if len(primaries) > 1 and movable:
            cast.mover = rng.choice(movable)
            take([cast.mover])
        # About 85% attend well (96% or more) and about 10% are persistently absent, the
        # pupils above included.
        rest = [p for p in on_roll if p.pk not in taken]
        rng.shuffle(rest)
        good = max(0, round(0.85 * len(on_roll)) - len(cast.gaps) - 1)
        persistent = max(0, round(0.10 * len(on_roll)) - len(cast.patterns) - 2)
        cast.good = rest[:good]
        cast.persistent = rest[good : good + persistent]
        cast.middle = rest[good + persistent :]
        for family, target in cast.patterns:
            for pupil in family:
                self.targets[pupil.pk] = target
        self.uncapped.update(p.pk for family in cast.holidays for p in family)
        return cast

    def _pick(
        self, pool: list[_Pupil], taken: set[int], count: int, *, spread: bool = False
    ) -> list[_Pupil]:
        """`count` pupils not yet given a part; with `spread`, from different schools."""
        picked: list[_Pupil] = []
        candidates = [p for p in pool if p.pk not in taken]
        self.rng.shuffle(candidates)
        for pupil in candidates:
            if spread and any(self._school_of(p) == self._school_of(pupil) for p in picked):
                continue
            picked.append(pupil)
            if len(picked) == count:
                break
        if spread and len(picked) < count:
            picked += [p for p in candidates if p not in picked][: count - len(picked)]
        taken.update(p.pk for p in picked)
        return picked

    # --- The parts -----------------------------------------------------------------------

    def _pattern(self, family: list[_Pupil], target: _Target) -> None:
        """The same sessions missed week after week; decided once for the family, so
        brothers and sisters miss the same ones."""
        missed = [
            (day, session, code)
            for day in family[0].days
            for (weekday, session), (code, chance) in target.pattern.items()
            if day.weekday() == weekday and self.rng.random() < chance
        ]
        for pupil in family:
            for day, session, code in missed:
                pupil.mark(day, session, code)
            self._absences(pupil, _GOOD, 0.0, 0.025)

    def _holiday(self, family: list[_Pupil]) -> None:
        """A week or two off in term time, next to a holiday: back late, or off early."""
        days = family[0].days
        options = [(0, True)] + [
            (i, after)
            for i in range(1, len(days))
            if (days[i] - days[i - 1]).days > 5
            for after in (True, False)
        ]
        if self.term.before_first_day:
            options.append((len(days), False))  # a finished term: off before Christmas
        length = self.rng.randint(5, 10)
        index, after = self.rng.choice(options)
        start = index if after else max(0, index - length)
        for pupil in family:
            for day in days[start : start + length]:
                pupil.mark(day, _AM, _HOLIDAY)
                pupil.mark(day, _PM, _HOLIDAY)
            self._absences(pupil, _GOOD, 0.0, 0.02)

    def _part_time(self, pupil: _Pupil) -> None:
        """Mornings only, agreed with the family, from about a third of the way in."""
        days = pupil.days
        for day in days[len(days) // 3 :]:
            pupil.mark(day, _PM, _PART_TIME)
        self._absences(pupil, _MIDDLE, 0.01, 0.04)

    def _move(self, pupil: _Pupil) -> None:
        """Leave at the end of a week about halfway through, and start at the other
        primary school the Monday after next; early in a term there is no room for it,
        and the pupil stays put."""
        primaries = [d.school.pk for d in self.schools if d.school.phase == School.Phase.PRIMARY]
        school = self._school_of(pupil)
        to_school = next(s for s in primaries if s != school)
        days, there = pupil.days, self.days_at[to_school]
        middle = int(len(days) * self.rng.uniform(0.4, 0.6))
        dates: tuple[dt.date, dt.date] | None = None
        for index in range(middle, 0, -1):
            left = days[index]
            if index + 1 < len(days) and days[index + 1] - left < dt.timedelta(days=3):
                continue  # not the last school day of its week
            monday = left - left.weekday() * _DAY + 14 * _DAY
            joined = next((d for d in there if d >= monday), None)
            if joined is not None and (joined - left).days <= 10:
                dates = (left, joined)
                break
        if dates is None:
            return
        left, joined = dates
        old = pupil.enrolments[-1]
        Enrolment.unscoped.filter(pk=old.pk).update(end=left)
        new = Enrolment.unscoped.create(pupil_id=pupil.pk, school_id=to_school, start=joined)
        old.end = left
        pupil.enrolments.append(_Enrolment(new.pk, to_school, joined, None))
        self._days_assign(pupil)

    def _absences(
        self, pupil: _Pupil, episodes: Sequence[_Episode], low: float, high: float
    ) -> None:
        """Absences in realistic episodes, a share between `low` and `high` of the
        pupil's sessions, on top of whatever their part already has them miss."""
        rng = self.rng
        days = pupil.days
        if not days:
            return
        budget = int(rng.uniform(low, high) * 2 * len(days))
        missed = 0
        weights = [e[0] for e in episodes]
        for _ in range(40 + 4 * budget):
            if missed >= budget:
                return
            _, code, shape, longest = rng.choices(episodes, weights=weights)[0]
            start = rng.randrange(len(days))
            if shape == "days":
                length = min(rng.randint(1, longest), (budget - missed) // 2) or 1
                sessions = [(d, s) for d in days[start : start + length] for s in (_AM, _PM)]
            else:
                session = _AM if shape == "am" else _PM if shape == "pm" else rng.randrange(2)
                sessions = [(days[start], session)]
            sessions = sessions[: budget - missed]
            if all(pupil.marks[d][s] in _PRESENT for d, s in sessions):
                for day, session in sessions:
                    pupil.marks[day][session] = code
                missed += len(sessions)
        # Whatever the episodes could not fit: single sessions of the commonest code.
        present = [(d, s) for d in days for s in (_AM, _PM) if pupil.marks[d][s] in _PRESENT]
        for day, session in rng.sample(present, min(len(present), max(0, budget - missed))):
            pupil.marks[day][session] = episodes[0][1]

    def _lates(self, pupils: list[_Pupil]) -> None:
        """Some arrive after the register is called but before it closes."""
        for pupil in pupils:
            count = self.rng.choices((0, 1, 2, 3, 5), weights=(60, 16, 11, 8, 5))[0]
            days = pupil.days
            for day in self.rng.sample(days, min(count, len(days))):
                pupil.mark(day, _AM, "L")

    def _trips(self, pupils: list[_Pupil]) -> None:
        """About half the classes go out on a trip, everyone in school that day."""
        for demo in self.schools:
            days = self.days_at[demo.school.pk]
            if len(days) < 10:
                continue
            groups: dict[str, list[_Pupil]] = defaultdict(list)
            for pupil in pupils:
                if demo.school.pk in pupil.school_on.values():
                    groups[pupil.year_group].append(pupil)
            for group in sorted(groups, key=lambda g: (len(g), g)):
                if self.rng.random() >= 0.5:
                    continue
                day = self.rng.choice(days[2:-3])
                for pupil in groups[group]:
                    if pupil.school_on.get(day) != demo.school.pk:
                        continue
                    for session in (_AM, _PM):
                        if pupil.marks[day][session] in _IN_SCHOOL:
                            pupil.marks[day][session] = _TRIP

    def _not_yet_known(self, pupils: list[_Pupil]) -> None:
        """The last day or two still have absences awaiting a reason (N), to be replaced
        when the family gets in touch."""
        if self.term.before_first_day:
            return  # a finished term: every reason is known by now
        for demo in self.schools:
            days = self.days_at[demo.school.pk]
            for day, chance in zip(reversed(days[-2:]), (0.6, 0.25), strict=False):
                for pupil in pupils:
                    if pupil.school_on.get(day) != demo.school.pk:
                        continue
                    marks = pupil.marks[day]
                    unexplained = [s for s in (_AM, _PM) if marks[s] in ("I", "O")]
                    if unexplained and self.rng.random() < chance:
                        for session in unexplained:
                            marks[session] = _NOT_YET_KNOWN

    def _gaps(self, pupils: list[_Pupil]) -> None:
        """Sessions with no mark at all: an afternoon, a whole day, a morning."""
        for pupil, sessions in zip(pupils, ((_PM,), (_AM, _PM), (_AM,)), strict=False):
            days = [
                d for d in pupil.days[:-2] if all(pupil.marks[d][s] in _IN_SCHOOL for s in sessions)
            ]
            if not days:
                continue
            day = self.rng.choice(days)
            for session in sessions:
                pupil.marks[day][session] = codes.NO_MARK

    # --- The national threshold ----------------------------------------------------------

    def _threshold_tune(self, pupils: list[_Pupil]) -> None:
        """Put the chosen pupils at or over the threshold and keep everyone else under
        it, counting exactly as the product does (attendance.figures, rule A3)."""
        context = self._context(pupils)
        for pupil in pupils:
            spans = [fig.Span(e.school_id, e.start, e.end) for e in pupil.enrolments]
            monday = fig.window_start(context, spans)
            if monday is None:
                continue
            window = [
                (d, s) for d in pupil.days if monday <= d <= context.as_at for s in (_AM, _PM)
            ]
            unauthorised = [
                (d, s) for d, s in window if pupil.marks[d][s] in codes.UNAUTHORISED_CHARS
            ]
            target = self.targets.get(pupil.pk)
            if target is not None:
                self._target_meet(pupil, target, window, unauthorised)
            elif pupil.pk not in self.uncapped:
                # Earliest first; N is left alone, as its reason is still to come.
                excess = len(unauthorised) - _ORDINARY_UNAUTHORISED_CAP
                for day, session in [u for u in unauthorised if pupil.marks[u[0]][u[1]] != "N"]:
                    if excess <= 0:
                        break
                    pupil.marks[day][session] = "L" if pupil.marks[day][session] == "U" else "I"
                    excess -= 1

    def _target_meet(
        self,
        pupil: _Pupil,
        target: _Target,
        window: list[tuple[dt.date, int]],
        unauthorised: list[tuple[dt.date, int]],
    ) -> None:
        count = len(unauthorised)
        main = next(iter(target.pattern))

        def is_main(slot: tuple[dt.date, int]) -> bool:
            return (slot[0].weekday(), slot[1]) == main

        if target.most is not None:
            # The pattern's lesser sessions go first, earliest first, so that the main one
            # stays plain to see in the herringbone.
            for day, session in sorted(unauthorised, key=is_main)[: max(0, count - target.most)]:
                pupil.marks[day][session] = _PRESENT[session]
        if count < target.least:
            # The main sessions first, latest first.
            slots = [
                (d, s, target.pattern[(d.weekday(), s)][0])
                for d, s in sorted(
                    window, key=lambda slot: (not is_main(slot), -slot[0].toordinal())
                )
                if (d.weekday(), s) in target.pattern and pupil.marks[d][s] in _PRESENT
            ]
            for day, session, code in slots[: target.least - count]:
                pupil.marks[day][session] = code

    def _context(self, pupils: list[_Pupil]) -> fig.Context:
        """The school days the product will derive once the registers are stored."""
        calendars: dict[tuple[int, int], fig.SchoolCalendar] = {}
        year = self.term.academic_year
        registers = self._incoming(pupils)
        for demo in self.schools:
            pk = demo.school.pk
            if demo.calendar_in_product:
                for plan_year, plan in self.term.plans[pk].items():
                    calendars[(pk, plan_year)] = fig.SchoolCalendar(pk, plan_year, plan.days())
            else:
                marks = [r.marks for r in registers if r.school_id == pk]
                days = fig.days_from_registers(year, marks) if marks else ""
                calendars[(pk, year)] = fig.SchoolCalendar(pk, year, days)
        last = max((days[-1] for days in self.days_at.values() if days), default=self.term.last)
        return fig.Context(as_at=last, calendars=calendars)

    # --- Storing -------------------------------------------------------------------------

    def _incoming(self, pupils: list[_Pupil]) -> list[IncomingRegister]:
        year = self.term.academic_year
        closures = {d.school.pk: self.term.closure_days(d.school.pk) for d in self.schools}
        registers: list[IncomingRegister] = []
        for pupil in pupils:
            chars: dict[int, list[str]] = {}
            for day, school_id in sorted(pupil.school_on.items()):
                marks = chars.setdefault(school_id, list(empty_marks(year)))
                index = 2 * day_index(day)
                marks[index : index + 2] = pupil.marks[day]
            for school_id, marks in chars.items():
                for day in closures[school_id]:
                    if any(e.school_id == school_id and e.covers(day) for e in pupil.enrolments):
                        index = 2 * day_index(day)
                        marks[index : index + 2] = [codes.NO_SESSION] * 2
                registers.append(IncomingRegister(pupil.pk, school_id, year, "".join(marks)))
        return registers


# --- What the demo shows -----------------------------------------------------------------


@dataclass(frozen=True)
class NotablePupil:
    name: str
    upn: str
    year_group: str
    school: str
    attendance_rate: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class DemoAttendance:
    academic_year: int
    # The registers are from an earlier academic year than today's (see the module notes).
    before_this_year: bool
    registers: int
    first_day: dt.date
    as_at: dt.date
    schools_with_calendar: tuple[str, ...]
    schools_without_calendar: tuple[str, ...]
    pupils: int
    attendance_rate: float | None
    good_attenders: int
    persistent_absence: int
    severe_absence: int
    national_threshold: int
    with_missing_marks: int
    notable: tuple[NotablePupil, ...]


def demo_attendance(la: LocalAuthority, today: dt.date) -> DemoAttendance | None:
    """The demo's figures as at the last day in its registers, and the pupils worth a
    look, worked out from what is stored (None when there are no registers)."""
    schools = list(School.objects.filter(local_authority=la).order_by("name"))
    stored = RegisterYear.unscoped.filter(school__in=schools)
    years = sorted(set(stored.values_list("academic_year", flat=True)))
    if not years:
        return None
    year = years[-1]
    first_index, last_index = None, 0
    count = 0
    for marks in stored.filter(academic_year=year).values_list("marks", flat=True):
        count += 1
        real = marks.rstrip(codes.NO_MARK + codes.NO_SESSION)
        last_index = max(last_index, len(real))
        lead = len(marks) - len(marks.lstrip(codes.NO_MARK + codes.NO_SESSION))
        first_index = lead if first_index is None else min(first_index, lead)
    if not last_index or first_index is None:
        return None
    as_at = date_at(year, last_index - 1)
    with_calendar = set(
        SchoolTerm.unscoped.filter(school__in=schools).values_list("school_id", flat=True)
    )
    pupil_ids = list(
        Pupil.unscoped.filter(
            Exists(Enrolment.unscoped.filter(pupil=OuterRef("pk"), school__in=schools))
        ).values_list("pk", flat=True)
    )
    spans = spans_by_pupil(pupil_ids)
    context = context_for(as_at, [s for pupil_spans in spans.values() for s in pupil_spans])
    registers = registers_by_pupil(pupil_ids, years={year, year - 1}, up_to=as_at)
    figures: dict[int, fig.Figures] = {}
    for pupil_id, pupil_registers in registers.items():
        result = fig.pupil_figures(
            upn="", registers=pupil_registers, spans=spans.get(pupil_id, []), context=context
        )
        if result.possible_sessions:
            figures[pupil_id] = result
    possible = sum(f.possible_sessions for f in figures.values())
    attended = sum(f.attended_sessions for f in figures.values())
    return DemoAttendance(
        academic_year=year,
        before_this_year=year < academic_year_of(today),
        registers=count,
        first_day=date_at(year, first_index),
        as_at=as_at,
        schools_with_calendar=tuple(s.name for s in schools if s.pk in with_calendar),
        schools_without_calendar=tuple(s.name for s in schools if s.pk not in with_calendar),
        pupils=len(figures),
        attendance_rate=fig.rate(attended, possible),
        good_attenders=sum(
            1 for f in figures.values() if (f.attendance_rate or 0) >= GOOD_ATTENDANCE_RATE
        ),
        persistent_absence=sum(1 for f in figures.values() if f.persistent_absence),
        severe_absence=sum(1 for f in figures.values() if f.severe_absence),
        national_threshold=sum(1 for f in figures.values() if f.national_threshold_met),
        with_missing_marks=sum(1 for f in figures.values() if f.missing_marks),
        notable=_notable(figures, registers, spans, as_at, {s.pk: s.name for s in schools}),
    )


_SESSION_WORDS = {"AM": ("morning", "mornings"), "PM": ("afternoon", "afternoons")}


def _notable(
    figures: Mapping[int, fig.Figures],
    registers: Mapping[int, list[fig.Register]],
    spans: Mapping[int, list[fig.Span]],
    as_at: dt.date,
    school_names: Mapping[int, str],
) -> tuple[NotablePupil, ...]:
    year = academic_year_of(as_at)

    def this_year(pupil_id: int) -> list[fig.Register]:
        return [r for r in registers[pupil_id] if r.academic_year == year]

    def interesting(pupil_id: int) -> bool:
        f = figures[pupil_id]
        breakdown = fig.code_breakdown(this_year(pupil_id), as_at)
        return (
            f.national_threshold_met
            or f.severe_absence
            or f.missing_marks > 0
            or "C2" in breakdown
            or "G" in breakdown
            or len({r.school_id for r in this_year(pupil_id)}) > 1
        )

    listed = [pk for pk in figures if interesting(pk)]
    pupils = Pupil.unscoped.in_bulk(listed)
    patterns = {pk: _pattern_words(fig.weekday_pattern(this_year(pk), as_at)) for pk in listed}
    carers: dict[int, set[int]] = defaultdict(set)
    for pupil_id, carer_id in PupilCarer.unscoped.filter(pupil_id__in=listed).values_list(
        "pupil_id", "carer_id"
    ):
        carers[pupil_id].add(carer_id)

    def order(pk: int) -> tuple[int, int, str]:
        f = figures[pk]
        rank = 0 if f.national_threshold_met else 1 if f.severe_absence else 2
        return (rank, -f.unauthorised_last_10_school_weeks, pupils[pk].upn)

    notable = []
    for pk in sorted(listed, key=order):
        pupil, f = pupils[pk], figures[pk]
        own = this_year(pk)
        breakdown = fig.code_breakdown(own, as_at)
        notes = []
        if f.national_threshold_met:
            level = "at" if f.unauthorised_last_10_school_weeks == 10 else "over"
            notes.append(
                f"{level} the national threshold: {f.unauthorised_last_10_school_weeks} "
                "unauthorised sessions in the last 10 school weeks"
            )
        if patterns[pk]:
            notes.append(str(patterns[pk]))
            for other in listed:
                if other != pk and carers[pk] & carers[other] and patterns[other] == patterns[pk]:
                    notes.append(f"same pattern as {_relation(pupil, pupils[other])}")
        if f.severe_absence:
            notes.append(
                f"severe absence: {f.absence_rate or 0:.1f}% of sessions missed, "
                f"mostly {_commonest_absence(breakdown)}"
            )
        if "G" in breakdown:
            first, last = _first_and_last(own, codes.BY_CODE["G"].char)
            notes.append(
                f"holiday in term time: {breakdown['G']} sessions of G, "
                f"{_day(first)} to {_day(last)}"
            )
        if "C2" in breakdown:
            first, _ = _first_and_last(own, codes.BY_CODE["C2"].char)
            notes.append(
                f"part-time timetable: {breakdown['C2']} afternoons of C2 since {_day(first)}"
            )
        moved = _move_words(spans.get(pk, []), own, school_names)
        if moved:
            notes.append(moved)
        if f.missing_marks:
            notes.append(
                f"{f.missing_marks} session{'s' if f.missing_marks > 1 else ''} with no mark "
                "(a gap in the register to put right)"
            )
        current = max(spans.get(pk, []), key=lambda s: s.start, default=None)
        notable.append(
            NotablePupil(
                name=pupil.display_name,
                upn=pupil.upn,
                year_group=pupil.year_group,
                school=school_names.get(current.school_id, "") if current else "",
                attendance_rate=f.attendance_rate,
                notes=tuple(notes),
            )
        )
    return tuple(notable)


def _pattern_words(pattern: Mapping[tuple[int, str], fig.PatternCell]) -> str | None:
    """ "misses most Monday mornings and Friday afternoons": the herringbone in words."""
    cells = [
        (weekday, session, cell)
        for (weekday, session), cell in sorted(pattern.items())
        if cell.possible >= 3 and cell.absent * 2 > cell.possible
    ]
    # Missing most sessions on most days is severe absence, not a pattern.
    if not cells or len(cells) > 4:
        return None
    every = all(cell.absent == cell.possible for _, _, cell in cells)
    words = [
        f"{fig.WEEKDAYS[weekday]} {_SESSION_WORDS[session][0 if every else 1]}"
        for weekday, session, _ in cells
    ]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"misses {'every' if every else 'most'} {joined}"


def _relation(pupil: Pupil, other: Pupil) -> str:
    pronoun = {"F": "her", "M": "his"}.get(pupil.sex, "their")
    sibling = {"F": "sister", "M": "brother"}.get(other.sex, "sibling")
    return f"{pronoun} {sibling} {other.display_name}"


def _commonest_absence(breakdown: Mapping[str, int]) -> str:
    absences = [
        code
        for code in breakdown
        if codes.BY_CODE[code].category in (codes.Category.AUTHORISED, codes.Category.UNAUTHORISED)
    ]
    if not absences:
        return "unknown"
    code = max(absences, key=lambda c: breakdown[c])
    meaning = codes.BY_CODE[code].meaning
    return f"{meaning[0].lower()}{meaning[1:]} ({code})"


def _first_and_last(registers: Sequence[fig.Register], char: str) -> tuple[dt.date, dt.date]:
    found = [
        date_at(r.academic_year, i)
        for r in registers
        for i in (r.marks.find(char), r.marks.rfind(char))
        if i >= 0
    ]
    return min(found), max(found)


def _move_words(
    spans: Sequence[fig.Span], registers: Sequence[fig.Register], names: Mapping[int, str]
) -> str | None:
    schools = {r.school_id for r in registers}
    ended = [s for s in spans if s.end is not None and s.school_id in schools]
    joined = [s for s in spans if s.school_id in schools and s not in ended]
    if len(schools) < 2 or not ended or not joined:
        return None
    left, start = max(ended, key=lambda s: s.start), max(joined, key=lambda s: s.start)
    if left.end is None:
        return None
    return (
        f"moved school: left {names.get(left.school_id, '')} on {_day(left.end)}, "
        f"started at {names.get(start.school_id, '')} on {_day(start.start)}; "
        "the figures count both"
    )


def _day(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"
