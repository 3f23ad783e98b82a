"""What cases asks of the apps above it (core/hooks.py).

`pathway_numbers(local_authority_id)`: the LA's numbers of the Support First
pathway that cases reads: meetings held against the minimum, when the next
contact is due, and how many school days a "no response" to a support offer
waits after a follow-up before it counts as not engaged. The pathway app
provides them (its settings, rule A4).

`chronology_items(case, day)`: what the apps above record about a case, dated
on or before `day`, for its chronology (the notices app: Notices to Improve,
their outcomes, the parents being told of a referral).

`returned_referrals(user, case_ids)`: which of the cases have a referral the LA
returned and the school has not resubmitted, with the LA's reasons, so the
caseload flags them (the notices app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from core.hooks import Hook, Hooks

if TYPE_CHECKING:
    from attendance.services.calendars import SchoolDays

    from .models import AttendanceCase


class PathwayNumbers(Protocol):
    @property
    def minimum_meetings(self) -> int: ...

    @property
    def contact_interval_days(self) -> int: ...

    @property
    def no_response_wait_school_days(self) -> int: ...


pathway_numbers: Hook[[int | None], PathwayNumbers] = Hook("cases.hooks.pathway_numbers")


@dataclass(frozen=True)
class ChronologyItem:
    """One dated line of a case's chronology, from an app above cases."""

    date: dt.date
    title: str
    detail: str = ""
    who: str = ""
    url: str = ""


chronology_items: Hooks[[AttendanceCase, dt.date], list[ChronologyItem]] = Hooks(
    "cases.hooks.chronology_items"
)


@dataclass(frozen=True)
class ReturnedReferral:
    """A case's referral that the LA sent back and the school has not yet
    resubmitted: what the caseload flags, with the LA's reasons."""

    case_id: int
    version: int
    returned_on: dt.date
    reasons: str


# `returned_referrals(user, case_ids)`: of those cases, the ones whose latest
# referral the LA returned, by case id (the notices app, one query).
returned_referrals: Hook[[Any, Collection[int]], dict[int, ReturnedReferral]] = Hook(
    "cases.hooks.returned_referrals"
)


# Flags (cases/models/flags.py, cases/nightly.py) ------------------------------


@dataclass(frozen=True)
class Due:
    """One subject a detector finds due as at a date: what the nightly run turns
    into an open flag (or keeps open). `subject` names it uniquely within the
    kind ("case:12", "pupil:40@9", "penalty:7")."""

    subject: str
    school_id: int
    due_on: dt.date
    pupil_id: int | None = None
    case_id: int | None = None
    detail: str = ""


class Audience:
    """Who works a kind of flag: the school's leads (and, read only, its staff),
    the school's DSL, or the LA's officers."""

    SCHOOL = "school"
    DSL = "dsl"
    LA = "la"


class Night:
    """What a detector judges: as at `as_at` (the morning the flags are for;
    registers are complete to the day before), at these schools. The schools'
    school days are loaded once per batch, when a detector first asks."""

    def __init__(self, as_at: dt.date, school_ids: Sequence[int]) -> None:
        self.as_at = as_at
        self.school_ids = list(school_ids)
        self._school_days: SchoolDays | None = None
        self._next: dict[tuple[int, dt.date], dt.date] = {}
        self._sql_params: dict[str, Any] | None = None

    @property
    def school_days(self) -> SchoolDays:
        if self._school_days is None:
            from attendance.services.calendars import school_days_load
            from attendance.years import academic_year_of

            year = academic_year_of(self.as_at)
            self._school_days = school_days_load(
                school_ids=self.school_ids, years=[year - 1, year, year + 1]
            )
        return self._school_days

    def next_school_day(self, school_id: int, day: dt.date) -> dt.date:
        """The first school day after `day` at this school (remembered: most
        rows of a batch ask about the same few days)."""
        key = (school_id, day)
        found = self._next.get(key)
        if found is None:
            found = self._next[key] = self.school_days.nth_after(school_id, day, 1)
        return found

    def last_school_day(self, school_id: int) -> dt.date:
        """The school's latest school day on or before the night's date. The
        next school day after `day` is on or before the night exactly when
        `day` is before this one: what a rule judged in the database compares
        with, so only the rows it raises need `next_school_day`."""
        days, current = self.school_days, self.as_at
        for _ in range(3 * 366):
            if days.is_school_day(school_id, current):
                return current
            current -= dt.timedelta(days=1)
        return dt.date.min

    def sql_params(self) -> dict[str, Any]:
        """The night's values for a rule judged in the database (`SqlJudge`):
        `%(as_at)s`, and the batch's schools with each one's last school day
        as a table to join, `LAST_SCHOOL_DAYS` (school_id, last_day). A join,
        not `school_id = ANY(...)`: the planner prices hundreds of ids in an
        ANY as a scan of each and picks an index scan that reads every page."""
        if self._sql_params is None:
            self._sql_params = {
                "as_at": self.as_at,
                "last_day_schools": self.school_ids,
                "last_days": [self.last_school_day(s) for s in self.school_ids],
            }
        return self._sql_params


# Each school of the batch with its latest school day on or before the night
# (Night.last_school_day), to join in a rule judged in the database.
LAST_SCHOOL_DAYS = (
    "(SELECT * FROM unnest(%(last_day_schools)s::integer[], %(last_days)s::date[])"
    " AS sd(school_id, last_day))"
)


# A detector: as at the night's date, every subject of its kind due at the
# night's schools. One set-based query (or a few) per call, whatever the
# number of pupils; never one query per pupil.
Detector = Callable[[Night], Iterable[Due]]


@dataclass(frozen=True)
class SqlJudge:
    """A kind judged in the database, on PostgreSQL: the nightly run compares
    the subjects due with the stored flags in one statement, so a steady night
    brings nothing back to Python (cases/nightly.py).

    `due(night)` is a SELECT (with `%(name)s` parameters) of the subjects due as
    at the night, one row each: subject, school_id, pupil_id, case_id, then
    whatever `build` needs. `build(night, row)` makes the `Due` of a row not
    yet open, its date and words by the same rule as the kind's detector,
    which still judges on SQLite."""

    due: Callable[[Night], tuple[str, dict[str, Any]]]
    build: Callable[[Night, tuple[Any, ...]], Due | None]


@dataclass(frozen=True)
class FlagKind:
    """A kind of flag: its code (stored on the flag), what the today page calls
    it, who works it, the detector, where the form that resolves it is (from
    the flag's case, pupil and subject), and the rule it comes from."""

    code: str
    title: str
    audience: str
    detect: Detector
    link: Callable[[Any], str]
    source: str = ""
    # Lower first on the today page: the national threshold before a contact.
    order: int = 100
    # Judged in the database on PostgreSQL (the detector judges on SQLite).
    judge: SqlJudge | None = None


# `flag_kinds()`: every app's kinds, cases' own included (one list per app).
flag_kinds: Hooks[[], list[FlagKind]] = Hooks("cases.hooks.flag_kinds")


def all_flag_kinds() -> dict[str, FlagKind]:
    kinds: dict[str, FlagKind] = {}
    for provided in flag_kinds():
        for kind in provided:
            kinds[kind.code] = kind
    return dict(sorted(kinds.items(), key=lambda item: (item[1].order, item[0])))


# `pupil_record_targets(pupil_id)`: the records about a pupil that the apps
# above cases keep (referrals, notices, letters), as audit targets
# (`model label`, [ids]), so the pupil's access log finds who opened them.
pupil_record_targets: Hooks[[int], list[tuple[str, list[str]]]] = Hooks(
    "cases.hooks.pupil_record_targets"
)
