"""What the pathway's rules ask of the apps above it (core/hooks.py).

`latest_notice(case, day)`: the case's Notice to Improve most recently issued on
or before `day` (a referral follows the latest notice), as the referral rules
read it, or None. Only what was on record on `day` is in it: an outcome or the
parents being told of the referral dated after `day` is left out, as if not
yet recorded. The notices app provides it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases.models import AttendanceCase
from core.hooks import Hook


@dataclass(frozen=True)
class ThresholdAtIssue:
    """The national threshold as measured on the day the notice was issued."""

    sessions: int
    window_weeks: int
    as_at: dt.date


@dataclass(frozen=True)
class NoticeOnFile:
    """A Notice to Improve, as far as the referral rules need it."""

    issued_on: dt.date
    period_ends_on: dt.date
    # The outcome recorded on or before the day judged: True for sufficient
    # improvement, False for not, None while none is recorded.
    improved: bool | None
    outcome_on: dt.date | None
    # Stored when the notice was issued; None for an old notice whose
    # registers could not be read back.
    threshold: ThresholdAtIssue | None = None
    # The day the parents were told that a referral will be made, if recorded
    # on or before the day judged.
    parents_told_on: dt.date | None = None


latest_notice: Hook[[AttendanceCase, dt.date], NoticeOnFile | None] = Hook(
    "pathway.hooks.latest_notice"
)
