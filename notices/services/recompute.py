"""Recounting the improvement period of running Notices to Improve when a
school's school days change (rule A3, rule A4).

A notice's `period_ends_on` is the 30th school day after issue (a setting),
fixed when it is issued. For a school without a calendar, the school days after
its latest register mark are an estimate (working days); when the school adds
its term dates, or later registers show which days it was open, the count
changes. Every running notice at that school is recounted, saved only when its
date moved, audited, and a note put in the case's history so the lead sees why
the date on the notice page is not the one first given.

Called from `attendance.signals.school_days_changed` (connected in
`NoticesConfig.ready()`), inside the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.db import transaction

from attendance.services.calendars import school_days_after
from attendance.signals import CALENDAR
from cases.models import AttendanceCase, CaseHistoryNote
from core.audit import audit_record
from core.dates import today
from core.models import AuditEvent
from pathway.models import settings_for

from ..models import NoticeToImprove

if TYPE_CHECKING:
    from accounts.models import User

_BECAUSE = {
    CALENDAR: "the school's calendar changed",
}


def notice_periods_recompute(
    *, school_ids: Collection[int], acting_user: User | None = None, reason: str = ""
) -> list[NoticeToImprove]:
    """Recount every running notice's improvement period at these schools;
    returns the notices whose end date moved. One transaction (the caller's,
    when it has one)."""
    with transaction.atomic():
        return _recompute(school_ids=school_ids, acting_user=acting_user, reason=reason)


def _recompute(
    *, school_ids: Collection[int], acting_user: User | None, reason: str
) -> list[NoticeToImprove]:
    running = (
        NoticeToImprove.unscoped.filter(
            case__school_id__in=school_ids,
            case__status=AttendanceCase.Status.OPEN,
            outcome=NoticeToImprove.Outcome.PENDING,
            # A withdrawn or superseded version runs no period.
            status=NoticeToImprove.Status.LIVE,
        )
        .select_related("case__school")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    moved = []
    for notice in running:
        school = notice.case.school
        period = settings_for(school.local_authority_id).notice_period_school_days
        new_end = school_days_after(school_id=school.pk, day=notice.issued_on, count=period)
        old_end = notice.period_ends_on
        if new_end == old_end:
            continue
        notice.period_ends_on = new_end
        notice.save(update_fields=["period_ends_on"])
        because = _BECAUSE.get(reason, "the school's registers changed")
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=school,
            changes={
                "period_ends_on": [old_end.isoformat(), new_end.isoformat()],
                "reason": because,
            },
        )
        CaseHistoryNote.unscoped.create(
            case=notice.case,
            on=today(),
            by=acting_user,
            title="Improvement period end date recalculated",
            text=(
                f"The Notice to Improve issued on {notice.issued_on:%-d %B %Y} now ends on "
                f"{new_end:%A %-d %B %Y}, not {old_end:%A %-d %B %Y}: {because}, so its "
                f"{period} school days were counted again."
            ),
        )
        moved.append(notice)
    return moved


def on_school_days_changed(
    sender: Any,
    *,
    school_ids: Collection[int],
    reason: str = "",
    acting_user: User | None = None,
    **_: Any,
) -> None:
    """Receiver of `attendance.signals.school_days_changed`."""
    notice_periods_recompute(school_ids=school_ids, acting_user=acting_user, reason=reason)
