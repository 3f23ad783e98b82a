"""The SMART action plan: its aim, its actions per barrier, and its reviews.

Rule A4: "a SMART action plan with an aim (attendance target and date) and at
least one action per identified barrier, each with by-when, person responsible
and how we will know it is working; reviewed at least once". The layout and the
words come from the Norfolk "Effective Plans" guidance (docs/rules.md#plan-in-place).

Every write goes through `casework.case_for_change` (scope 404, read-only 403,
closed case refused) inside one transaction, and through `record_create` /
`record_update` where it can, so the audit row and the stale-edit check are the
same as for every other case record. The case row is locked first by every
service, so two people changing one case's plan take turns.

The reads at the end of the module serve this section's own pages (the case
page itself reads the plan through `selectors_cases.case_file`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from attendance.figures import Counts, rate
from attendance.reports import attendance_between
from core.audit import audit_record
from core.dates import long_date, today
from core.models import AuditEvent

from ..models import ActionPlan, ActionProgress, AttendanceCase, Barrier, PlanAction, PlanReview
from .casework import StaleEdit, case_for_change, check_version, record_create, record_update

DEFAULT_REVIEW_EVERY_DAYS = 14
# "Reviews are not timely and cause drift" (Effective Plans): a plan reviewed
# less often than every 8 weeks is not being reviewed.
MAX_REVIEW_EVERY_DAYS = 56
MIN_TARGET, MAX_TARGET = Decimal("1"), Decimal("100")


def plan_start(plan: ActionPlan) -> dt.date:
    """The day the plan was agreed (often at a meeting, before it was typed up):
    the start of "attendance since" for its first review, and the earliest day
    a review may be dated."""
    return plan.agreed_on


# --- The aim ---------------------------------------------------------------


def _aim_problems(
    *,
    target_attendance: Decimal,
    target_date: dt.date,
    review_every_days: int,
    agreed_on: dt.date,
    date_unchanged: bool = False,
    first_review: dt.date | None = None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not MIN_TARGET <= target_attendance <= MAX_TARGET:
        problems["target_attendance"] = "Enter an attendance target between 1% and 100%"
    if agreed_on > today():
        problems["agreed_on"] = "The date the plan was agreed must be today or in the past"
    elif first_review is not None and agreed_on > first_review:
        problems["agreed_on"] = (
            f"The date the plan was agreed must be on or before its first review on "
            f"{long_date(first_review)}"
        )
    # An aim already written may keep a date that has since passed; a new or
    # changed date must be ahead of the day the plan was agreed, or it is not an aim.
    elif not date_unchanged and target_date <= agreed_on:
        problems["target_date"] = (
            "The date for the target must be in the future"
            if agreed_on >= today()
            else "The date for the target must be after the date the plan was agreed, "
            f"{long_date(agreed_on)}"
        )
    if not 1 <= review_every_days <= MAX_REVIEW_EVERY_DAYS:
        problems["review_every_days"] = (
            f"Review the plan at least every {MAX_REVIEW_EVERY_DAYS} days: enter a number "
            f"from 1 to {MAX_REVIEW_EVERY_DAYS}"
        )
    return problems


def plan_create(
    *,
    acting_user: User,
    case_id: int,
    target_attendance: Decimal,
    target_date: dt.date,
    agreed_on: dt.date,
    review_every_days: int = DEFAULT_REVIEW_EVERY_DAYS,
) -> ActionPlan:
    """Write the plan's aim, as agreed on `agreed_on` (today or earlier: a plan
    agreed at a meeting is often typed up later). The first review falls due
    `review_every_days` after the day it was agreed."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        if ActionPlan.unscoped.filter(case=case).exists():
            raise ValidationError(
                "This case already has a SMART action plan: change its aim instead."
            )
        problems = _aim_problems(
            target_attendance=target_attendance,
            target_date=target_date,
            review_every_days=review_every_days,
            agreed_on=agreed_on,
        )
        if problems:
            raise ValidationError(problems)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=ActionPlan,
            agreed_on=agreed_on,
            target_attendance=target_attendance,
            target_date=target_date,
            review_every_days=review_every_days,
            next_review_due=agreed_on + dt.timedelta(days=review_every_days),
        )


def plan_update(
    *,
    acting_user: User,
    case_id: int,
    version: int,
    target_attendance: Decimal,
    target_date: dt.date,
    review_every_days: int,
    agreed_on: dt.date | None = None,
) -> ActionPlan:
    """Change the aim, the date it was agreed (never after its first review) or
    how often the plan is reviewed. A new interval, or a new date agreed before
    any review, moves the next review to that many days after the latest review
    (or the day the plan was agreed)."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        plan = _plan_of(case)
        check_version(plan, version)
        agreed_on = agreed_on or plan.agreed_on
        first = plan.reviews.order_by("reviewed_on", "pk").first()
        problems = _aim_problems(
            target_attendance=target_attendance,
            target_date=target_date,
            review_every_days=review_every_days,
            agreed_on=agreed_on,
            date_unchanged=target_date == plan.target_date and agreed_on == plan.agreed_on,
            first_review=first.reviewed_on if first else None,
        )
        if problems:
            raise ValidationError(problems)
        fields: dict[str, Any] = {
            "agreed_on": agreed_on,
            "target_attendance": target_attendance,
            "target_date": target_date,
            "review_every_days": review_every_days,
        }
        if review_every_days != plan.review_every_days or agreed_on != plan.agreed_on:
            latest = plan.reviews.order_by("-reviewed_on", "-pk").first()
            since = latest.reviewed_on if latest else agreed_on
            fields["next_review_due"] = since + dt.timedelta(days=review_every_days)
        return record_update(acting_user=acting_user, record=plan, version=version, **fields)


# --- Actions per barrier ------------------------------------------------------


def _action_problems(
    *,
    action: str,
    by_when: dt.date,
    responsible: str,
    how_we_will_know: str,
    new_date: bool,
    agreed_on: dt.date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not action.strip():
        problems["action"] = "Enter the action or intervention"
    # An action agreed with the plan may fall due before the plan was typed up;
    # it cannot fall due before the plan was agreed.
    if new_date and by_when < min(today(), agreed_on):
        problems["by_when"] = (
            "The date for the action must be today or in the future"
            if agreed_on >= today()
            else f"The date for the action must be on or after the day the plan was agreed, "
            f"{long_date(agreed_on)}"
        )
    if not responsible.strip():
        problems["responsible"] = "Enter the person responsible"
    if not how_we_will_know.strip():
        problems["how_we_will_know"] = "Enter how we will know it is working for the child"
    return problems


def action_create(
    *,
    acting_user: User,
    case_id: int,
    barrier_id: int,
    action: str,
    by_when: dt.date,
    responsible: str,
    how_we_will_know: str,
) -> PlanAction:
    """Add an action for one of the case's barriers ("Align interventions to
    identified barriers"). A barrier of another case is 404."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        barrier = _barrier_of(case, barrier_id)
        plan = ActionPlan.unscoped.filter(case=case).first()
        if plan is None:
            raise ValidationError(
                "Write the plan's aim (the attendance target and date) before adding actions."
            )
        problems = _action_problems(
            action=action,
            by_when=by_when,
            responsible=responsible,
            how_we_will_know=how_we_will_know,
            new_date=True,
            agreed_on=plan.agreed_on,
        )
        if problems:
            raise ValidationError(problems)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=PlanAction,
            plan=plan,
            barrier=barrier,
            action=action.strip(),
            by_when=by_when,
            responsible=responsible.strip(),
            how_we_will_know=how_we_will_know.strip(),
        )


def action_update(
    *,
    acting_user: User,
    case_id: int,
    action_id: int,
    version: int,
    action: str,
    by_when: dt.date,
    responsible: str,
    how_we_will_know: str,
) -> PlanAction:
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        record = _action_of(case, action_id)
        check_version(record, version)
        _refuse_if_ended(record)
        problems = _action_problems(
            action=action,
            by_when=by_when,
            responsible=responsible,
            how_we_will_know=how_we_will_know,
            new_date=by_when != record.by_when,
            agreed_on=record.plan.agreed_on,
        )
        if problems:
            raise ValidationError(problems)
        return record_update(
            acting_user=acting_user,
            record=record,
            version=version,
            action=action.strip(),
            by_when=by_when,
            responsible=responsible.strip(),
            how_we_will_know=how_we_will_know.strip(),
        )


def action_end(
    *, acting_user: User, case_id: int, action_id: int, version: int, ended_on: dt.date
) -> PlanAction:
    """End an action (achieved, or replaced by a better one). It stays on the
    plan's record; reviews from then on no longer ask about it."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        record = _action_of(case, action_id)
        check_version(record, version)
        _refuse_if_ended(record)
        started = timezone.localdate(record.created_at)
        if ended_on > today():
            raise ValidationError(
                {"ended_on": "The date the action ended must be today or earlier"}
            )
        if ended_on < started:
            raise ValidationError(
                {"ended_on": f"The action cannot end before it was added on {long_date(started)}"}
            )
        return record_update(
            acting_user=acting_user, record=record, version=version, ended_on=ended_on
        )


def _refuse_if_ended(record: PlanAction) -> None:
    if record.ended_on is not None:
        raise ValidationError(
            f"This action ended on {long_date(record.ended_on)}, so it cannot be changed. "
            "Add a new action for the barrier instead."
        )


# --- Reviews ----------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceSince:
    """The pupil's sessions since the previous review (or since the plan started)."""

    first: dt.date
    last: dt.date
    counts: Counts
    since_previous_review: bool

    @property
    def rate(self) -> float | None:
        return rate(self.counts.attended, self.counts.possible)

    def as_json(self) -> dict[str, Any]:
        """What `PlanReview.attendance_since` keeps: the figures as they were
        then, so a later correction to the register does not rewrite the review."""
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "attended": self.counts.attended,
            "authorised": self.counts.authorised,
            "unauthorised": self.counts.unauthorised,
            "possible": self.counts.possible,
            "rate": self.rate,
        }


def attendance_since(
    *, plan: ActionPlan, pupil_id: int, until: dt.date, previous: PlanReview | None
) -> AttendanceSince:
    """From the day after the previous review (or the plan's first day) to `until`."""
    first = previous.reviewed_on + dt.timedelta(days=1) if previous else plan_start(plan)
    counts = (
        attendance_between(pupil_id=pupil_id, first=first, last=until)
        if first <= until
        else Counts()
    )
    return AttendanceSince(first, until, counts, previous is not None)


@dataclass(frozen=True)
class Progress:
    """One action's progress as recorded at a review."""

    progress: str
    note: str = ""


def review_create(
    *,
    acting_user: User,
    case_id: int,
    version: int,
    reviewed_on: dt.date,
    progress: Mapping[int, Progress],
    changes_made: str = "",
    next_review_due: dt.date | None = None,
) -> PlanReview:
    """Record a review: the attendance since the previous one, each current
    action's progress, what changes, and when the next review is due (by default
    the plan's interval after this one). The plan's next review moves with it.

    `version` is the plan's version when the form was opened: a review recorded
    by someone else in the meantime, or a changed aim, makes this one stale. The
    actions asked about must be exactly the plan's current actions, for the same
    reason.
    """
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        plan = _plan_of(case)
        check_version(plan, version)
        current = {a.pk for a in plan.actions.filter(ended_on__isnull=True)}
        if not current:
            raise ValidationError(
                "Add at least one action before reviewing the plan: a review looks at "
                "the progress of each action."
            )
        if set(progress) != current:
            raise StaleEdit(
                "The plan's actions changed after you opened this review, so it has not "
                "been saved. Open the review again to see the current actions."
            )
        previous = plan.reviews.order_by("-reviewed_on", "-pk").first()
        due = next_review_due or reviewed_on + dt.timedelta(days=plan.review_every_days)
        problems = _review_problems(
            plan=plan, previous=previous, reviewed_on=reviewed_on, next_review_due=due
        )
        plan_due = due
        if reviewed_on == plan.agreed_on:
            # A review on the day the plan was agreed is kept, but is not the
            # plan's review (rule A4): the first review stays due as it was.
            plan_due = min(due, plan.agreed_on + dt.timedelta(days=plan.review_every_days))
        if any(e.progress not in ActionProgress.Progress.values for e in progress.values()):
            problems[NON_FIELD_ERRORS] = "Select the progress of each action"
        if problems:
            raise ValidationError(problems)
        since = attendance_since(
            plan=plan, pupil_id=case.pupil_id, until=reviewed_on, previous=previous
        )
        review = record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=PlanReview,
            plan=plan,
            reviewed_on=reviewed_on,
            attendance_since=since.as_json(),
            changes_made=changes_made.strip(),
            next_review_due=due,
        )
        ActionProgress.unscoped.bulk_create(
            ActionProgress(
                review=review, action_id=action_id, progress=entry.progress, note=entry.note.strip()
            )
            for action_id, entry in sorted(progress.items())
        )
        # The progress rows are part of the review: their own audit row, so the
        # trail shows what was said about each action, not only that a review happened.
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=review,
            school=case.school,
            changes={
                "progress": {str(a): e.progress for a, e in sorted(progress.items())},
                "notes": {str(a): e.note.strip() for a, e in sorted(progress.items()) if e.note},
            },
            note="Progress of each action",
        )
        record_update(
            acting_user=acting_user, record=plan, version=version, next_review_due=plan_due
        )
    return review


def _review_problems(
    *,
    plan: ActionPlan,
    previous: PlanReview | None,
    reviewed_on: dt.date,
    next_review_due: dt.date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    start = plan_start(plan)
    if reviewed_on > today():
        problems["reviewed_on"] = "The date of the review must be today or earlier"
    elif previous is not None and reviewed_on <= previous.reviewed_on:
        problems["reviewed_on"] = (
            f"The date of the review must be after the previous review on "
            f"{long_date(previous.reviewed_on)}"
        )
    elif reviewed_on < start:
        problems["reviewed_on"] = (
            f"The date of the review must be on or after the day the plan was agreed, "
            f"{long_date(start)}"
        )
    if next_review_due <= reviewed_on:
        problems["next_review_due"] = "The next review must be after this review"
    return problems


# --- Reads for this section's pages -----------------------------------------


def plan_for_page(*, user: Any, case: AttendanceCase) -> ActionPlan | None:
    """The case's plan, if one has been written (the case comes from `case_for_page`)."""
    return ActionPlan.objects.for_user(user).filter(case=case).first()


@dataclass(frozen=True)
class ReviewPage:
    """What the review form shows: the current actions (with what the previous
    review said about each) and the attendance since the previous review."""

    case: AttendanceCase
    plan: ActionPlan
    actions: list[PlanAction]
    previous: PlanReview | None
    previous_progress: dict[int, ActionProgress]
    since: AttendanceSince


def review_page(*, user: Any, case: AttendanceCase) -> ReviewPage | None:
    """None when the case has no plan yet."""
    plan = plan_for_page(user=user, case=case)
    if plan is None:
        return None
    actions = list(
        plan.actions.filter(ended_on__isnull=True)
        .select_related("barrier")
        .order_by("barrier__identified_on", "barrier_id", "by_when", "pk")
    )
    previous = plan.reviews.order_by("-reviewed_on", "-pk").first()
    previous_progress = (
        {p.action_id: p for p in ActionProgress.unscoped.filter(review=previous)}
        if previous
        else {}
    )
    since = attendance_since(plan=plan, pupil_id=case.pupil_id, until=today(), previous=previous)
    return ReviewPage(case, plan, actions, previous, previous_progress, since)


def _plan_of(case: AttendanceCase) -> ActionPlan:
    plan = ActionPlan.unscoped.select_for_update().filter(case=case).first()
    if plan is None:
        raise Http404("No such record.")
    return plan


def _barrier_of(case: AttendanceCase, barrier_id: int) -> Barrier:
    barrier = Barrier.unscoped.filter(case=case, pk=barrier_id).first()
    if barrier is None:
        raise Http404("No such record.")
    return barrier


def _action_of(case: AttendanceCase, action_id: int) -> PlanAction:
    action = PlanAction.unscoped.filter(case=case, pk=action_id).first()
    if action is None:
        raise Http404("No such record.")
    return action
