"""What notices provides to the apps below it, through their hooks
(core/hooks.py). `NoticesConfig.ready()` plugs each one in."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.timezone import localdate

from cases.hooks import ChronologyItem
from cases.models import AttendanceCase
from pathway.hooks import NoticeOnFile, ThresholdAtIssue

from .models import NoticeToImprove, ParentsToldOfReferral
from .selectors import referrals_returned_to_school

_IMPROVED: dict[str, bool | None] = {
    NoticeToImprove.Outcome.IMPROVED: True,
    NoticeToImprove.Outcome.NOT_IMPROVED: False,
}


def latest_notice(case: AttendanceCase, day: dt.date) -> NoticeOnFile | None:
    """For the pathway's referral rules: the case's live notice most recently
    issued on or before `day`, as it stood on `day` (one query). A withdrawn
    notice, or a version superseded by its correction, is not on file."""
    notice = (
        NoticeToImprove.unscoped.filter(
            case=case, issued_on__lte=day, status=NoticeToImprove.Status.LIVE
        )
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


def chronology_items(case: AttendanceCase, day: dt.date) -> list[ChronologyItem]:
    """For the case chronology: each notice issued, its outcome and the parents
    being told of the referral, dated on or before `day` (one query)."""
    page = reverse("cases:case_detail", args=[case.pk]) + "#notice-to-improve"
    items: list[ChronologyItem] = []
    notices = NoticeToImprove.unscoped.filter(case=case, issued_on__lte=day).select_related(
        "issued_by", "parents_told", "ended_by"
    )
    for notice in notices:
        version = f" (version {notice.version})" if notice.version > 1 else ""
        items.append(
            ChronologyItem(
                notice.issued_on,
                f"Notice to Improve issued{version}"
                + ("" if notice.is_live else f": {notice.get_status_display().lower()}"),
                f"Improvement period until {notice.period_ends_on.day} "
                f"{notice.period_ends_on:%B %Y}",
                notice.issued_by.full_name,
                page,
            )
        )
        ended_on = localdate(notice.ended_at) if notice.ended_at else None
        if not notice.is_live and ended_on is not None and ended_on <= day:
            what = (
                "withdrawn"
                if notice.status == NoticeToImprove.Status.WITHDRAWN
                else "corrected: a new version replaces it"
            )
            items.append(
                ChronologyItem(
                    ended_on,
                    f"Notice to Improve issued {notice.issued_on.day} "
                    f"{notice.issued_on:%B %Y} {what}",
                    notice.ended_reason,
                    notice.ended_by.full_name if notice.ended_by else "",
                    page,
                )
            )
        if notice.outcome and notice.outcome_on is not None and notice.outcome_on <= day:
            items.append(
                ChronologyItem(
                    notice.outcome_on,
                    f"Notice to Improve outcome: {notice.get_outcome_display()}",
                    notice.outcome_note,
                    "",
                    page,
                )
            )
        try:
            told: ParentsToldOfReferral | None = notice.parents_told
        except ParentsToldOfReferral.DoesNotExist:
            told = None
        if told is not None and told.told_on <= day:
            items.append(
                ChronologyItem(
                    told.told_on,
                    "Parents told that a referral will be made",
                    told.get_method_display(),
                    told.told_by,
                    page,
                )
            )
    return items


def returned_referrals_panel(request: HttpRequest) -> SafeString:
    """On the home page of a school's lead or DSL: "Returned by the LA", each
    referral the LA sent back with its reasons, until it is resubmitted. Other
    users see nothing (the LA sees its own inbox)."""
    user = request.user
    if not (getattr(user, "is_school_user", False) and user.has_perm("cases.change_case")):
        return SafeString("")
    returned = referrals_returned_to_school(user)  # type: ignore[arg-type]
    if not returned:
        return SafeString("")
    return render_to_string("notices/home_returned.html", {"returned": returned}, request=request)
