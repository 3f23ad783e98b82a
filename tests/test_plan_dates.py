"""A lead records the plan's history truthfully (rule A4, docs/rules.md "Plan in
place"): the plan carries the date it was agreed, which may be before it was
typed up but never in the future; its reviews are dated from that day; a review
on the day of agreement is kept but is not the plan's review; and the pathway
rule counts only a plan agreed, and reviews held, by the day judged.

Source: rule A4, "a SMART action plan ... reviewed at least once" (Support
First approach; Norfolk "Effective Plans": reviews check progress against the
plan agreed, so a review on the day of agreement reviews nothing).

The worked example: a plan agreed at a meeting on Sunday 9 November 2025 and
typed up on Tuesday 25 November 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.flags import plan_state
from cases.models import ActionPlan, AttendanceCase, Barrier, PlanReview
from cases.services.casework import record_create
from cases.services.plans import (
    Progress,
    action_create,
    plan_create,
    plan_update,
    review_create,
)
from core.models import AuditEvent
from pathway.rules import evaluate

from .conftest import signed_in_client
from .factories import ActionPlanFactory, AttendanceCaseFactory

pytestmark = pytest.mark.django_db

AGREED = dt.date(2025, 11, 9)
TYPED = dt.date(2025, 11, 25)


@pytest.fixture(autouse=True)
def typed_up():
    with time_machine.travel(dt.datetime(2025, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case() -> AttendanceCase:
    return AttendanceCaseFactory(opened_at=dt.datetime(2025, 10, 20, 9, tzinfo=dt.UTC))


@pytest.fixture
def barrier(case) -> Barrier:
    return record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=Barrier,
        kind="transport",
        factor="push",
        description="The bus route was cut.",
        identified_on=dt.date(2025, 11, 3),
    )


def write_plan(case, agreed_on=AGREED, **fields) -> ActionPlan:
    return plan_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        target_attendance=Decimal("95"),
        target_date=dt.date(2025, 12, 19),
        agreed_on=agreed_on,
        **fields,
    )


def add_action(case, barrier, by_when=dt.date(2025, 11, 21)):
    return action_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        barrier_id=barrier.pk,
        action="A bus pass from the LA",
        by_when=by_when,
        responsible="Sam Jones, Head of Year 8",
        how_we_will_know="On time every day for a fortnight",
    )


def review(case, reviewed_on, **fields) -> PlanReview:
    plan = ActionPlan.unscoped.get(case=case)
    return review_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        version=plan.version,
        reviewed_on=reviewed_on,
        progress={a.pk: Progress("some") for a in plan.actions.filter(ended_on__isnull=True)},
        **fields,
    )


def plan_check(case, day):
    case = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    found = evaluate(case, rule_set="notice_to_improve", day=day)
    return next(c for c in found.checks if c.key == "plan_in_place")


# The date agreed ---------------------------------------------------------------------


def test_a_plan_agreed_on_9_november_is_dated_then_though_typed_on_the_25th(case, barrier):
    plan = write_plan(case)
    assert plan.agreed_on == AGREED
    # The first review falls due a fortnight after agreement, not after typing.
    assert plan.next_review_due == dt.date(2025, 11, 23)
    event = AuditEvent.objects.get(target_type="cases.ActionPlan", target_id=str(plan.pk))
    assert event.changes["agreed_on"] == "2025-11-09"
    # An action agreed with it may fall due before the plan was typed up.
    assert add_action(case, barrier, by_when=dt.date(2025, 11, 21)).by_when == dt.date(2025, 11, 21)


def test_an_action_cannot_fall_due_before_the_plan_was_agreed(case, barrier):
    write_plan(case)
    with pytest.raises(ValidationError, match="on or after the day the plan was agreed, 9 Nov"):
        add_action(case, barrier, by_when=dt.date(2025, 11, 8))


def test_a_plan_cannot_be_agreed_in_the_future(case):
    with pytest.raises(ValidationError) as refused:
        write_plan(case, agreed_on=TYPED + dt.timedelta(days=1))
    assert refused.value.message_dict == {
        "agreed_on": ["The date the plan was agreed must be today or in the past"]
    }
    assert not ActionPlan.unscoped.exists()


def test_the_plan_form_asks_for_the_date_agreed(case):
    client = signed_in_client(case.lead_professional)
    assert "Date the plan was agreed" in client.get(reverse("cases:plan_new", args=[case.pk])).text
    client.post(
        reverse("cases:plan_new", args=[case.pk]),
        {
            "agreed_on_0": "9",
            "agreed_on_1": "11",
            "agreed_on_2": "2025",
            "target_attendance": "95",
            "target_date_0": "19",
            "target_date_1": "12",
            "target_date_2": "2025",
            "review_every_days": "14",
        },
    )
    assert ActionPlan.unscoped.get(case=case).agreed_on == AGREED
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert "9 November 2025" in page


def test_the_date_agreed_cannot_move_after_the_first_review(case, barrier):
    plan = write_plan(case)
    add_action(case, barrier)
    review(case, dt.date(2025, 11, 20))
    plan.refresh_from_db()
    with pytest.raises(ValidationError, match="on or before its first review on 20 November"):
        plan_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            version=plan.version,
            target_attendance=Decimal("95"),
            target_date=plan.target_date,
            review_every_days=14,
            agreed_on=dt.date(2025, 11, 21),
        )


# Reviews are dated from the date agreed ---------------------------------------------------


def test_a_review_before_the_day_typed_but_after_agreement_is_accepted(case, barrier):
    """Reviewed on 20 November, five days before the plan was typed: a true history."""
    write_plan(case)
    add_action(case, barrier)
    made = review(case, dt.date(2025, 11, 20))
    assert made.attendance_since["from"] == "2025-11-09"


def test_a_review_before_the_plan_was_agreed_is_refused(case, barrier):
    write_plan(case)
    add_action(case, barrier)
    with pytest.raises(ValidationError, match="on or after the day the plan was agreed, 9 Nov"):
        review(case, dt.date(2025, 11, 8))


def test_a_review_in_the_future_is_refused(case, barrier):
    write_plan(case)
    add_action(case, barrier)
    with pytest.raises(ValidationError, match="today or earlier"):
        review(case, TYPED + dt.timedelta(days=1))


# "Reviewed" means after the day agreed -----------------------------------------------------


def test_a_review_on_the_day_of_agreement_does_not_count_as_reviewed(case, barrier):
    """Agreed and 'reviewed' on 9 November: the plan is not in place on the 25th,
    and its first review is still due on 23 November (so overdue)."""
    write_plan(case)
    add_action(case, barrier)
    review(case, AGREED, next_review_due=dt.date(2025, 12, 31))

    check = plan_check(case, TYPED)
    assert not check.met
    assert check.missing == (
        "The plan has not been reviewed since it was agreed on 9 November 2025: a review on "
        "the day it was agreed does not count"
    )
    plan = ActionPlan.unscoped.get(case=case)
    assert plan.next_review_due == dt.date(2025, 11, 23)
    state = plan_state(
        next_review_due=dt.date(2025, 12, 31),
        reviews=list(plan.reviews.all()),
        progress_by_review={},
        today=TYPED,
        agreed_on=plan.agreed_on,
        review_every_days=plan.review_every_days,
    )
    assert (state.reviewed, state.next_review_due, state.review_overdue) == (
        False,
        dt.date(2025, 11, 23),
        True,
    )
    page = signed_in_client(case.lead_professional).get(
        reverse("cases:case_detail", args=[case.pk])
    )
    assert "Review overdue" in page.text
    assert "Held on the day the plan was agreed, so it does not count" in page.text


def test_a_review_the_day_after_agreement_counts(case, barrier):
    write_plan(case)
    add_action(case, barrier)
    review(case, AGREED + dt.timedelta(days=1))
    assert plan_check(case, TYPED).met


# The rule judges a day ---------------------------------------------------------------------


def test_a_plan_agreed_after_the_day_judged_is_not_in_place(case, barrier):
    ActionPlanFactory(case=case, agreed_on=AGREED)
    check = plan_check(case, dt.date(2025, 11, 4))
    assert (check.met, check.missing) == (
        False,
        "No SMART action plan yet on 4 November 2025: the plan was agreed on 9 November 2025",
    )


def test_a_review_after_the_day_judged_does_not_count(case, barrier):
    write_plan(case)
    add_action(case, barrier)
    review(case, dt.date(2025, 11, 20))
    assert not plan_check(case, dt.date(2025, 11, 19)).met
    assert plan_check(case, dt.date(2025, 11, 20)).met
