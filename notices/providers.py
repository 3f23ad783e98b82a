"""What notices provides to the apps below it, through their hooks
(core/hooks.py). `NoticesConfig.ready()` plugs each one in."""

from __future__ import annotations

import datetime as dt

from cases.models import AttendanceCase
from pathway.hooks import NoticeOnFile

from .models import NoticeToImprove

_IMPROVED: dict[str, bool | None] = {
    NoticeToImprove.Outcome.IMPROVED: True,
    NoticeToImprove.Outcome.NOT_IMPROVED: False,
}


def latest_notice(case: AttendanceCase, day: dt.date) -> NoticeOnFile | None:
    """For the pathway's referral rules: the case's notice most recently issued
    on or before `day` (one query)."""
    notice = (
        NoticeToImprove.unscoped.filter(case=case, issued_on__lte=day)
        .order_by("-issued_on", "-pk")
        .first()
    )
    if notice is None:
        return None
    return NoticeOnFile(
        issued_on=notice.issued_on,
        parents_informed_on=notice.parents_informed_on,
        period_ends_on=notice.period_ends_on,
        improved=_IMPROVED.get(notice.outcome),
        outcome_on=notice.outcome_on,
    )
