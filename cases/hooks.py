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
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from core.hooks import Hook, Hooks

if TYPE_CHECKING:
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


# `pupil_record_targets(pupil_id)`: the records about a pupil that the apps
# above cases keep (referrals, notices, letters), as audit targets
# (`model label`, [ids]), so the pupil's access log finds who opened them.
pupil_record_targets: Hooks[[int], list[tuple[str, list[str]]]] = Hooks(
    "cases.hooks.pupil_record_targets"
)
