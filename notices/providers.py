"""What notices provides to the apps below it, through their hooks
(core/hooks.py). `NoticesConfig.ready()` plugs each one in."""

from __future__ import annotations

import datetime as dt

from cases.models import AttendanceCase
from pathway.hooks import NoticeOnFile, ThresholdAtIssue

from .models import NoticeToImprove, ParentsToldOfReferral

_IMPROVED: dict[str, bool | None] = {
    NoticeToImprove.Outcome.IMPROVED: True,
    NoticeToImprove.Outcome.NOT_IMPROVED: False,
}


def latest_notice(case: AttendanceCase, day: dt.date) -> NoticeOnFile | None:
    """For the pathway's referral rules: the case's notice most recently issued
    on or before `day`, as it stood on `day` (one query)."""
    notice = (
        NoticeToImprove.unscoped.filter(case=case, issued_on__lte=day)
        .select_related("parents_told")
        .order_by("-issued_on", "-pk")
        .first()
    )
    if notice is None:
        return None
    # An outcome or a telling dated after `day` was not on record on `day`.
    outcome_known = notice.outcome_on is not None and notice.outcome_on <= day
    try:
        told: ParentsToldOfReferral | None = notice.parents_told
    except ParentsToldOfReferral.DoesNotExist:
        told = None
    threshold = None
    if (
        notice.threshold_sessions is not None
        and notice.threshold_window_weeks is not None
        and notice.threshold_as_at is not None
    ):
        threshold = ThresholdAtIssue(
            notice.threshold_sessions, notice.threshold_window_weeks, notice.threshold_as_at
        )
    return NoticeOnFile(
        issued_on=notice.issued_on,
        period_ends_on=notice.period_ends_on,
        improved=_IMPROVED.get(notice.outcome) if outcome_known else None,
        outcome_on=notice.outcome_on if outcome_known else None,
        threshold=threshold,
        parents_told_on=told.told_on if told is not None and told.told_on <= day else None,
    )
