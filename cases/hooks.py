"""What cases asks of the apps above it (core/hooks.py).

`pathway_numbers(local_authority_id)`: the LA's numbers of the Support First
pathway that cases reads: meetings held against the minimum, when the next
contact is due, and how many school days a "no response" to a support offer
waits after a follow-up before it counts as not engaged. The pathway app
provides them (its settings, rule A4).

`chronology_items(case, day)`: what the apps above record about a case, dated
on or before `day`, for its chronology (the notices app: Notices to Improve,
their outcomes, the parents being told of a referral).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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
