"""The SMART action plan, for the family (rule A4, "Plan in place"): one per
parent or carer who receives the school's letters, offered once a plan exists.

Laid out as the Norfolk Attendance Team's action plan ("Effective Plans"):
the aim first, then one row per action under its barrier with five columns
(identified barrier; actions and interventions; by when; person responsible;
how we will know it is working for the child), then the review dates and the
latest review's outcome. A barrier's risk and resilience notes and each
action's progress notes are for staff and never appear.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cases.models import ActionPlan, AttendanceCase
from core.dates import today

from .base import (
    COMMON_VARIABLES,
    Kind,
    Paragraph,
    Subject,
    common_data,
    long_date,
    recipients_of,
    short_date,
)
from .meeting_invitation import staff_contact


def _percent(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}%" if isinstance(value, Decimal) else f"{value:.1f}%"


def plan_rows(plan: ActionPlan) -> list[dict[str, str]]:
    """The current actions (not ended), barrier by barrier, in the plan's order."""
    rows = []
    for action in plan.actions.select_related("barrier").filter(ended_on__isnull=True):
        barrier = action.barrier
        rows.append(
            {
                "barrier": barrier.get_kind_display(),
                "barrier_detail": barrier.description,
                "action": action.action,
                "by_when": short_date(action.by_when),
                "responsible": action.responsible,
                "how_we_will_know": action.how_we_will_know,
            }
        )
    return rows


def latest_review(plan: ActionPlan) -> dict[str, Any] | None:
    review = plan.reviews.order_by("-reviewed_on", "-pk").first()
    if review is None:
        return None
    since = review.attendance_since or {}
    rate = since.get("rate")
    return {
        "on": long_date(review.reviewed_on),
        "attended": since.get("attended"),
        "possible": since.get("possible"),
        "rate": "" if rate is None else f"{rate:.1f}%",
        "from": short_date(_iso(since.get("from"))),
        "changes": review.changes_made,
        "progress": [
            {"action": p.action.action, "progress": p.get_progress_display()}
            for p in review.progress.select_related("action").order_by("action__by_when", "pk")
        ],
    }


def _iso(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class ActionPlanDocument(Kind):
    code = "action_plan"
    title = "Attendance action plan"
    prefix = "PLAN"
    template = "documents/action_plan.html"
    paragraphs = (
        Paragraph(
            "opening",
            "Opening",
            "This is the plan we agreed with you to help {{ pupil_name }} attend "
            "{{ school_name }} regularly. Each action says who will do it and by when, and "
            "how we will know it is working for {{ pupil_name }}. We will look at it together "
            "at each review and change what is not working.",
            COMMON_VARIABLES,
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        if not ActionPlan.unscoped.filter(case=case).exists():
            return []
        return [Subject(self, case, recipient=link) for link in recipients_of(case)]

    def data(self, subject: Subject) -> dict[str, Any]:
        plan = ActionPlan.unscoped.get(case=subject.case)
        data = common_data(subject, dated=today())
        data.update(
            plan={
                "target": _percent(plan.target_attendance),
                "target_date": long_date(plan.target_date),
                "agreed_on": short_date(plan.agreed_on),
                "rows": plan_rows(plan),
                "review_every_days": plan.review_every_days,
                "reviewed_on": [
                    short_date(r.reviewed_on) for r in plan.reviews.order_by("reviewed_on", "pk")
                ],
                "next_review": long_date(plan.next_review_due),
                "latest_review": latest_review(plan),
            },
            contact=staff_contact(subject.case),
        )
        return data
