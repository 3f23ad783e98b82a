"""What needs doing on a case, as plain rules over its records (rule A4 and the
guidance on effective plans). Used by the case page, the caseload and, later,
the pathway engine, so "held" and "overdue" mean one thing everywhere.

See docs/rules.md#a4-the-support-first-pathway."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import ActionProgress, PlanReview, SupportMeeting


def meeting_is_held(meeting: SupportMeeting, today: dt.date, *, invited_count: int) -> bool:
    """Rule A4: a meeting is held when it has a date in the past, an outcome
    recorded, and at least one parent or carer invited."""
    return (
        not meeting.cancelled
        and meeting.held_on is not None
        and meeting.held_on <= today
        and bool(meeting.outcome.strip())
        and invited_count > 0
    )


def review_counts(review: PlanReview, *, agreed_on: dt.date, day: dt.date) -> bool:
    """Rule A4's "reviewed": a review held after the day the plan was agreed, on
    or before `day`. A review on the day of agreement only restates the plan."""
    return agreed_on < review.reviewed_on <= day


def next_contact_due(
    *, opened_on: dt.date, last_contacts: Iterable[dt.date | None], interval_days: int
) -> dt.date:
    """Contact with the family at least every `interval_days` while the case is
    open (fortnightly by default): due that long after the latest contact."""
    latest = max((d for d in last_contacts if d is not None), default=opened_on)
    return max(latest, opened_on) + dt.timedelta(days=interval_days)


@dataclass(frozen=True)
class PlanState:
    next_review_due: dt.date | None
    review_overdue: bool
    stalled: bool
    stalled_actions: tuple[int, ...] = ()
    # Reviewed after the day it was agreed (rule A4's "reviewed", `review_counts`).
    reviewed: bool = False


def plan_state(
    *,
    next_review_due: dt.date | None,
    reviews: Sequence[PlanReview],
    progress_by_review: dict[int, Sequence[ActionProgress]],
    today: dt.date,
    agreed_on: dt.date | None = None,
    review_every_days: int | None = None,
) -> PlanState:
    """A plan is flagged when its review is overdue, or when an action showed no
    progress at two reviews running and the latest review changed nothing:
    "reviews do not address lack of progress" (Effective Plans).

    Until the plan is reviewed after the day it was agreed, its first review is
    due `review_every_days` after that day, whatever a review held on the day of
    agreement said."""
    counted = (
        [r for r in reviews if review_counts(r, agreed_on=agreed_on, day=today)]
        if agreed_on is not None
        else [r for r in reviews if r.reviewed_on <= today]
    )
    if agreed_on is not None and review_every_days and not counted:
        first_due = agreed_on + dt.timedelta(days=review_every_days)
        next_review_due = first_due if next_review_due is None else min(next_review_due, first_due)
    overdue = next_review_due is not None and next_review_due < today
    stalled: tuple[int, ...] = ()
    if len(reviews) >= 2:
        latest, previous = reviews[-1], reviews[-2]
        none = ActionProgress.Progress.NONE
        before = {
            p.action_id for p in progress_by_review.get(previous.pk, ()) if p.progress == none
        }
        now = {p.action_id for p in progress_by_review.get(latest.pk, ()) if p.progress == none}
        if before & now and not latest.changes_made.strip():
            stalled = tuple(sorted(before & now))
    return PlanState(next_review_due, overdue, bool(stalled), stalled, bool(counted))


def _without_progress(progress: Iterable[ActionProgress]) -> set[int]:
    return {p.action_id for p in progress if p.progress == ActionProgress.Progress.NONE}
