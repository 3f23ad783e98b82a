"""What the pathway's rules ask of the apps above it (core/hooks.py).

`latest_notice(case, day)`: the case's Notice to Improve most recently issued on
or before `day` (a referral follows the latest notice), as the referral rules
read it, or None. The notices app provides it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases.models import AttendanceCase
from core.hooks import Hook


@dataclass(frozen=True)
class NoticeOnFile:
    """A Notice to Improve, as far as the referral rules need it."""

    issued_on: dt.date
    parents_informed_on: dt.date
    period_ends_on: dt.date
    # The outcome recorded at the end of the improvement period: True for
    # sufficient improvement, False for not, None while none is recorded.
    improved: bool | None
    outcome_on: dt.date | None


latest_notice: Hook[[AttendanceCase, dt.date], NoticeOnFile | None] = Hook(
    "pathway.hooks.latest_notice"
)
