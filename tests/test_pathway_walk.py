"""A case walked from "no meetings" to "referral allowed", the verdicts checked at
each step, with the clock frozen on each day: the 30 school days of the notice
run across the February half term, and the 15-school-day warning shows."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.services.calendars import school_days_after
from pathway.rules import readiness
from pathway.services import readiness_unscoped

from .test_pathway_rules import (
    at,
    barrier,
    engagement,
    make_case,
    meeting,
    notice,
    offer,
    plan,
    registers,
    voice,
)

pytestmark = pytest.mark.django_db

NTI = [
    "national_threshold",
    "meetings_held",
    "voice_recorded",
    "plan_in_place",
    "support_exhausted",
    "parents_not_engaging",
]


def first_meeting(case):
    meeting(case, 1, held_on=dt.date(2026, 1, 12))
    meeting(case, 2, scheduled=dt.date(2026, 1, 22))
    voice(case, dt.date(2026, 1, 14))


def more_support(case):
    from cases.models import SupportMeeting

    SupportMeeting.unscoped.filter(case=case, sequence=2).update(
        held_on=dt.date(2026, 1, 22), outcome="Reviewed the morning routine"
    )
    meeting(case, 3, held_on=dt.date(2026, 1, 29))
    transport = barrier(case, "transport", dt.date(2026, 1, 12))
    plan(case, actions_for=[transport], reviewed_on=dt.date(2026, 1, 29))
    offer(case, "early_help", "declined", dt.date(2026, 1, 12))
    engagement(case, "not_engaging", dt.date(2026, 1, 29))


def issue(case):
    made = notice(case, dt.date(2026, 2, 2))
    # 30 school days from the day after issue, skipping the half term (16-20 Feb):
    # 30 weekdays would end on 16 March.
    assert made.period_ends_on == dt.date(2026, 3, 23)


def nothing(case):
    pass


# (day, what happens that day, NTI checks not met, NTI allowed,
#  referral checks not met (beyond the NTI ones), referral allowed)
STEPS = [
    (
        dt.date(2026, 1, 12),
        nothing,
        NTI[:5],
        False,
        ["notice_issued", "notice_not_heeded", "referral_on_time"],
        False,
    ),
    (
        dt.date(2026, 1, 19),
        first_meeting,
        ["meetings_held", "plan_in_place", "support_exhausted"],
        False,
        ["notice_issued", "notice_not_heeded", "referral_on_time"],
        False,
    ),
    (
        dt.date(2026, 1, 30),
        more_support,
        [],
        True,
        ["notice_issued", "notice_not_heeded", "referral_on_time"],
        False,
    ),
    (dt.date(2026, 2, 2), issue, [], True, ["notice_not_heeded"], False),
    # Absent on 6 and 9 February: an early referral needs a reason (below).
    (dt.date(2026, 2, 10), nothing, [], True, ["notice_not_heeded"], False),
    (dt.date(2026, 3, 2), nothing, [], True, ["notice_not_heeded"], False),
    # Past 15 school days from informing the parents: a warning only.
    (dt.date(2026, 3, 3), nothing, [], True, ["notice_not_heeded", "referral_on_time"], False),
    (dt.date(2026, 3, 23), nothing, [], True, ["notice_not_heeded", "referral_on_time"], False),
    # The period ended on 23 March without an outcome of sufficient improvement.
    (dt.date(2026, 3, 24), nothing, [], True, ["referral_on_time"], True),
]


def test_walk_from_no_meetings_to_referral_allowed():
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    for day, happens, nti_unmet, nti_allowed, referral_unmet, referral_allowed in STEPS:
        with at(day):
            happens(case)
            found = readiness_unscoped(case_id=case.pk)
        assert found.notice_to_improve.day == day
        nti = found.notice_to_improve
        assert [c.key for c in nti.checks if not c.met] == nti_unmet, day
        assert nti.allowed is nti_allowed, day
        extra = [c.key for c in found.referral.checks[len(NTI) :] if not c.met]
        assert extra == referral_unmet, day
        assert found.referral.allowed is referral_allowed, day


def test_an_early_referral_with_a_reason_is_allowed_during_the_period():
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with at(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    with at(dt.date(2026, 2, 2)):
        issue(case)
    from cases.models import AttendanceCase
    from pathway.rules import evaluate

    loaded = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    day = dt.date(2026, 2, 10)
    without = evaluate(loaded, rule_set="referral", day=day)
    with_reason = evaluate(
        loaded, rule_set="referral", day=day, early_referral_reason="Absent 6 and 9 February"
    )
    assert (without.allowed, with_reason.allowed) == (False, True)
    assert readiness(loaded, day=day).referral == without


def test_fifteen_school_days_after_informing_the_parents_skip_the_half_term():
    with at(dt.date(2026, 1, 5)):
        case = make_case()
    assert school_days_after(school_id=case.school_id, day=dt.date(2026, 2, 2), count=15) == (
        dt.date(2026, 3, 2)
    )
