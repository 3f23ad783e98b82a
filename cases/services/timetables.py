"""Part-time timetables: agreeing one, reviewing it, ending it, and the school's register.

The guidance (Norfolk, "Part-time timetables"; WTISA): a part-time timetable
is exceptional and temporary, must be time-limited and formally reviewed with
the pupil and parents, and the LA is notified when one is agreed. Sessions the
pupil is not expected to attend are marked C2, an authorised absence.

A timetable is not a case record (it belongs to the school and outlives a
case), so these services take the same steps `casework.record_create` /
`record_update` take, by hand: scope (404), `cases.change_case` (403), the case
open when there is one (CaseClosed), one transaction, an audit row, and the
stale-edit check on `version`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from accounts.models import User
from core.audit import audit_record, field_changes
from core.dates import long_date, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404

from ..models import PartTimeTimetable
from .casework import case_for_change, check_version

TIME_LIMITED = "a part-time timetable must be time-limited"


# --- Flags ------------------------------------------------------------------


@dataclass(frozen=True)
class TimetableFlags:
    """What needs attention on a timetable that has not ended, as at a day."""

    review_overdue: bool
    past_planned_end: bool
    la_not_notified: bool

    @property
    def any(self) -> bool:
        return self.review_overdue or self.past_planned_end or self.la_not_notified


def timetable_flags(timetable: PartTimeTimetable, day: dt.date) -> TimetableFlags:
    """Overdue the day after the review was due (not on the day), past its end the
    day after the planned end; the LA not told while the timetable runs. An
    ended timetable needs nothing more."""
    if timetable.ended_on is not None:
        return TimetableFlags(False, False, False)
    return TimetableFlags(
        review_overdue=timetable.next_review_due < day,
        past_planned_end=timetable.planned_end < day,
        la_not_notified=timetable.la_notified_on is None,
    )


def timetable_status(timetable: PartTimeTimetable, day: dt.date) -> str:
    if timetable.ended_on is not None:
        return "Ended"
    if timetable.start > day:
        return "Agreed, not started"
    return "Current"


# --- Writes -----------------------------------------------------------------


def _date_problems(
    *,
    start: dt.date,
    planned_end: dt.date | None,
    next_review_due: dt.date,
    parent_agreed_on: dt.date | None,
    la_notified_on: dt.date | None,
) -> dict[str, str]:
    """Every problem with a timetable's dates at once, so the form lists them all."""
    problems: dict[str, str] = {}
    if planned_end is None:
        problems["planned_end"] = f"Enter the planned end: {TIME_LIMITED}"
    elif planned_end <= start:
        problems["planned_end"] = f"The planned end must be after the start: {TIME_LIMITED}"
    if next_review_due < start:
        problems["next_review_due"] = "The review must be due on or after the start"
    elif planned_end is not None and next_review_due > planned_end:
        problems["next_review_due"] = "The review must be due on or before the planned end"
    if parent_agreed_on is not None and parent_agreed_on > today():
        problems["parent_agreed_on"] = "The date the parent agreed must be today or earlier"
    if la_notified_on is not None and la_notified_on > today():
        problems["la_notified_on"] = "The date the LA was notified must be today or earlier"
    return problems


def timetable_create(
    *,
    acting_user: User,
    case_id: int,
    reason: str,
    agreed_hours: str,
    start: dt.date,
    planned_end: dt.date | None,
    next_review_due: dt.date,
    parent_agreed_on: dt.date | None = None,
    la_notified_on: dt.date | None = None,
) -> PartTimeTimetable:
    """Agree a part-time timetable for the case's pupil at the case's school."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        problems = _date_problems(
            start=start,
            planned_end=planned_end,
            next_review_due=next_review_due,
            parent_agreed_on=parent_agreed_on,
            la_notified_on=la_notified_on,
        )
        if not reason.strip():
            problems["reason"] = "Enter why the pupil needs a part-time timetable"
        if not agreed_hours.strip():
            problems["agreed_hours"] = "Enter the hours agreed"
        if problems or planned_end is None:  # a missing end is one of the problems
            raise ValidationError(problems)
        current = (
            PartTimeTimetable.unscoped.filter(
                pupil=case.pupil, school=case.school, ended_on__isnull=True
            )
            .order_by("start")
            .first()
        )
        if current is not None:
            raise ValidationError(
                f"{case.pupil} already has a part-time timetable from {long_date(current.start)}: "
                "review it or end it first."
            )
        timetable = PartTimeTimetable(
            pupil=case.pupil,
            school=case.school,
            case=case,
            reason=reason.strip(),
            agreed_hours=agreed_hours.strip(),
            start=start,
            planned_end=planned_end,
            next_review_due=next_review_due,
            parent_agreed_on=parent_agreed_on,
            la_notified_on=la_notified_on,
            created_by=acting_user,
        )
        timetable.full_clean(exclude=["pupil", "school", "case", "created_by"])
        timetable.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=timetable,
            school=case.school,
            changes={
                "case": case.pk,
                "agreed_hours": timetable.agreed_hours,
                "start": start.isoformat(),
                "planned_end": planned_end.isoformat() if planned_end else None,
                "next_review_due": next_review_due.isoformat(),
                "parent_agreed_on": parent_agreed_on.isoformat() if parent_agreed_on else None,
                "la_notified_on": la_notified_on.isoformat() if la_notified_on else None,
            },
        )
    return timetable


def _timetable_for_change(*, acting_user: User, timetable_id: int) -> PartTimeTimetable:
    """The timetable, locked, if the user may change it now. Call inside a transaction.

    Not in scope: 404. Read-only staff: 403. Its case closed: CaseClosed. Ended:
    refused, since an ended timetable is the record of what happened.
    """
    found = get_for_user_or_404(
        PartTimeTimetable.objects.for_user(acting_user), acting_user, pk=timetable_id
    )
    if found.case_id is not None:
        # Permission and "the case is open" as for every case record; the case is
        # locked before the timetable, in the same order as every case service.
        case_for_change(acting_user=acting_user, case_id=found.case_id)
    elif not acting_user.has_perm("cases.change_case"):
        raise PermissionDenied("You can see this timetable but not change it.")
    timetable = (
        PartTimeTimetable.unscoped.select_for_update(of=("self",))
        .select_related("pupil", "school")
        .get(pk=found.pk)
    )
    if timetable.ended_on is not None:
        raise ValidationError(
            f"This timetable ended on {long_date(timetable.ended_on)}, so it cannot be changed. "
            "Agree a new timetable if the pupil needs one."
        )
    return timetable


def timetable_review(
    *,
    acting_user: User,
    timetable_id: int,
    version: int,
    reviewed_on: dt.date,
    next_review_due: dt.date,
    planned_end: dt.date | None,
    parent_agreed_on: dt.date | None,
    la_notified_on: dt.date | None,
) -> PartTimeTimetable:
    """Record a formal review: when the next one is due, and (as agreed at the
    review) the planned end and when the parent agreed and the LA was told."""
    with transaction.atomic():
        timetable = _timetable_for_change(acting_user=acting_user, timetable_id=timetable_id)
        check_version(timetable, version)
        problems = _date_problems(
            start=timetable.start,
            planned_end=planned_end,
            next_review_due=next_review_due,
            parent_agreed_on=parent_agreed_on,
            la_notified_on=la_notified_on,
        )
        if reviewed_on > today():
            problems["reviewed_on"] = "The date of the review must be today or earlier"
        elif reviewed_on < timetable.start:
            problems["reviewed_on"] = (
                "The date of the review must be on or after the start, "
                f"{long_date(timetable.start)}"
            )
        if "next_review_due" not in problems and next_review_due <= reviewed_on:
            problems["next_review_due"] = "The next review must be after this review"
        if problems:
            raise ValidationError(problems)
        fields: dict[str, Any] = {
            "next_review_due": next_review_due,
            "planned_end": planned_end,
            "parent_agreed_on": parent_agreed_on,
            "la_notified_on": la_notified_on,
        }
        before = {name: getattr(timetable, name) for name in fields}
        for name, value in fields.items():
            setattr(timetable, name, value)
        timetable.version += 1
        timetable.full_clean(exclude=["pupil", "school", "case", "created_by"])
        timetable.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=timetable,
            school=timetable.school,
            changes={
                "reviewed_on": reviewed_on.isoformat(),
                **field_changes(before, fields, fields.keys()),
            },
            note="Part-time timetable reviewed",
        )
    return timetable


def timetable_end(
    *, acting_user: User, timetable_id: int, version: int, ended_on: dt.date
) -> PartTimeTimetable:
    """End the timetable: the pupil is back on a full-time timetable (or has left)."""
    with transaction.atomic():
        timetable = _timetable_for_change(acting_user=acting_user, timetable_id=timetable_id)
        check_version(timetable, version)
        if ended_on > today():
            raise ValidationError(
                {"ended_on": "The date the timetable ended must be today or earlier"}
            )
        if ended_on < timetable.start:
            started = long_date(timetable.start)
            raise ValidationError(
                {"ended_on": f"The timetable cannot end before its start, {started}"}
            )
        timetable.ended_on = ended_on
        timetable.version += 1
        timetable.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=timetable,
            school=timetable.school,
            changes={"ended_on": [None, ended_on.isoformat()]},
        )
    return timetable


# --- Reads for this section's pages ----------------------------------------


@dataclass(frozen=True)
class TimetableRow:
    timetable: PartTimeTimetable
    flags: TimetableFlags
    status: str


def timetable_register(*, user: Any, day: dt.date | None = None) -> list[TimetableRow]:
    """Every part-time timetable the user may see (their school's; an LA user's
    schools'): running ones first, the review falling due soonest first."""
    day = day or today()
    timetables = (
        PartTimeTimetable.objects.for_user(user)
        .select_related("pupil", "school", "case")
        .order_by(F("ended_on").desc(nulls_first=True), "next_review_due", "pk")
    )
    return [TimetableRow(t, timetable_flags(t, day), timetable_status(t, day)) for t in timetables]


def timetable_for_page(*, user: Any, timetable_id: int) -> PartTimeTimetable:
    return get_for_user_or_404(
        PartTimeTimetable.objects.for_user(user).select_related("pupil", "school", "case"),
        user,
        pk=timetable_id,
    )
