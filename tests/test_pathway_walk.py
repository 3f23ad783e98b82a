"""A case walked from "no meetings" to "referral allowed", one row a day, with
the clock frozen on each day over the test school's calendar: the 30 school
days of the notice run across the February half term (16 to 20 February).

Each row says what happens that day, then what both rule sets say as at it.
The rows state rule A4 as the product applies it (docs/rules.md#a4):

- a notice is issued through its service, which stores the threshold met that
  day (12 unauthorised sessions: 18 and 19 December, 5 to 8 January);
- on the day of issue, "not sufficient improvement" is refused and the
  referral blocked: nothing has happened in the period yet;
- inside the period, an early referral needs unauthorised absence since the
  notice (9 to 11 February: 6 sessions) and a recorded reason;
- after the period, only a recorded outcome of not sufficient improvement lets
  the referral through, not the absence of an outcome;
- the referral needs the parents assessed as not engaging (none, or "partly",
  blocks it);
- on the referral day the rolling count is 6 (December and January have left
  the 10-week window), but the referral checks the 12 stored at issue;
- the 15 school days run from telling the parents a referral will be made
  (24 March, across the Easter holiday: due by 28 April), and only warn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import AttendanceCase, SupportMeeting
from notices.models import NoticeToImprove
from notices.services.notices import notice_issue, notice_outcome_record, parents_told_record
from pathway.rules import Evaluation, evaluate

from .test_pathway_rules import (
    YEAR,
    at,
    barrier,
    engagement,
    make_case,
    meeting,
    notice,
    offer,
    plan,
    school_days,
    voice,
)

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 2, 2)
# Unauthorised (O) both sessions: 12 sessions in the 10 school weeks to
# 2 February, then 6 during the improvement period.
ABSENT_BEFORE = [
    dt.date(2025, 12, 18),
    dt.date(2025, 12, 19),
    *school_days(dt.date(2026, 1, 5), dt.date(2026, 1, 8)),
]
ABSENT_DURING = school_days(dt.date(2026, 2, 9), dt.date(2026, 2, 11))


def walk_registers(case: AttendanceCase) -> None:
    """Present every school day of the year to 27 March, except the absences."""
    chars = list(empty_marks(YEAR))
    for day in school_days(dt.date(2025, 9, 3), dt.date(2026, 3, 27)):
        absent = day in ABSENT_BEFORE or day in ABSENT_DURING
        chars[mark_index(day, "AM")] = "O" if absent else "/"
        chars[mark_index(day, "PM")] = "O" if absent else "\\"
    registers_merge(
        incoming=[IncomingRegister(case.pupil_id, case.school_id, YEAR, "".join(chars))]
    )


# What happens on a day (shared with tests/test_notices.py and others) ----------------


def first_meeting(case: AttendanceCase) -> None:
    meeting(case, 1, held_on=dt.date(2026, 1, 12))
    meeting(case, 2, scheduled=dt.date(2026, 1, 22))
    voice(case, dt.date(2026, 1, 14))


def support_without_an_assessment(case: AttendanceCase) -> None:
    SupportMeeting.unscoped.filter(case=case, sequence=2).update(
        held_on=dt.date(2026, 1, 22), outcome="Reviewed the morning routine"
    )
    meeting(case, 3, held_on=dt.date(2026, 1, 29))
    transport = barrier(case, "transport", dt.date(2026, 1, 12))
    plan(case, actions_for=[transport], reviewed_on=dt.date(2026, 1, 29))
    offer(case, "early_help", "declined", dt.date(2026, 1, 12))


def more_support(case: AttendanceCase) -> None:
    """Everything the Notice to Improve needs by 29 January, with the parents
    assessed as not engaging."""
    support_without_an_assessment(case)
    engagement(case, "not_engaging", dt.date(2026, 1, 29))


def issue(case: AttendanceCase, **fields) -> NoticeToImprove:
    """A notice dated 2 February, created directly (the walk issues through the
    service), with the threshold stored as met at issue."""
    made = notice(case, ISSUED, **fields)
    # 30 school days from the day after issue, skipping the half term (16-20 Feb).
    assert made.period_ends_on == dt.date(2026, 3, 23)
    return made


# The walk's own days --------------------------------------------------------------------


def nothing(case: AttendanceCase) -> None:
    pass


def partly_engaging(case: AttendanceCase) -> None:
    engagement(case, "partly", dt.date(2026, 2, 1))


def not_engaging_and_issue(case: AttendanceCase) -> None:
    engagement(case, "not_engaging", ISSUED)
    made = notice_issue(
        acting_user=case.lead_professional,
        case_id=case.pk,
        issued_on=ISSUED,
        sufficient_improvement="No unauthorised absence",
        consequence="A referral to the Local Authority",
        staff_contact="Ms Patel, attendance lead",
    )
    # 30 school days from the day after issue, skipping the half term: 30
    # weekdays would end on 16 March.
    assert made.period_ends_on == dt.date(2026, 3, 23)
    assert (made.threshold_sessions, made.threshold_window_weeks, made.threshold_as_at) == (
        12,
        10,
        ISSUED,
    )
    # Nothing has happened in the period yet: the outcome is refused.
    with pytest.raises(ValidationError, match="before the improvement period ends"):
        record_outcome(case, ISSUED)


def record_outcome(case: AttendanceCase, on: dt.date) -> None:
    notice_outcome_record(
        acting_user=case.lead_professional,
        notice_id=NoticeToImprove.unscoped.get(case=case).pk,
        outcome=NoticeToImprove.Outcome.NOT_IMPROVED,
        note="Six unauthorised sessions, 9 to 11 February",
        on=on,
    )


def outcome_not_improved(case: AttendanceCase) -> None:
    record_outcome(case, dt.date(2026, 3, 24))


def parents_told(case: AttendanceCase) -> None:
    parents_told_record(
        acting_user=case.lead_professional,
        notice_id=NoticeToImprove.unscoped.get(case=case).pk,
        told_on=dt.date(2026, 3, 24),
        method="letter",
        told_by="Ms Patel, attendance lead",
    )


def assessed_partly(case: AttendanceCase) -> None:
    engagement(case, "partly", dt.date(2026, 3, 25))


def assessed_not_engaging(case: AttendanceCase) -> None:
    engagement(case, "not_engaging", dt.date(2026, 3, 26))


NOTICE_CHECKS = ["notice_issued", "notice_not_heeded", "referral_on_time"]
REASON = "Six unauthorised sessions since the notice, 9 to 11 February"


# (day, what happens, early-referral reason, Notice to Improve checks not met,
#  referral checks not met (warnings included), referral allowed,
#  {check key: words its evidence or what is missing must contain})
Step = tuple[
    dt.date, Callable[[AttendanceCase], None], str, list[str], list[str], bool, dict[str, str]
]
STEPS: list[Step] = [
    (
        dt.date(2026, 1, 12),
        nothing,
        "",
        ["meetings_held", "voice_recorded", "plan_in_place", "support_exhausted"],
        [
            "threshold_at_notice",
            "meetings_held",
            "voice_recorded",
            "plan_in_place",
            "support_exhausted",
            "parents_assessed_not_engaging",
            *NOTICE_CHECKS,
        ],
        False,
        {},
    ),
    (
        dt.date(2026, 1, 19),
        first_meeting,
        "",
        ["meetings_held", "plan_in_place", "support_exhausted"],
        [
            "threshold_at_notice",
            "meetings_held",
            "plan_in_place",
            "support_exhausted",
            "parents_assessed_not_engaging",
            *NOTICE_CHECKS,
        ],
        False,
        {},
    ),
    # No engagement assessment: the notice may go ahead, a referral may not.
    (
        dt.date(2026, 1, 30),
        support_without_an_assessment,
        "",
        [],
        ["threshold_at_notice", "parents_assessed_not_engaging", *NOTICE_CHECKS],
        False,
        {"parents_assessed_not_engaging": "No engagement assessment yet"},
    ),
    # "Partly engaging": the same.
    (
        dt.date(2026, 2, 1),
        partly_engaging,
        "",
        [],
        ["threshold_at_notice", "parents_assessed_not_engaging", *NOTICE_CHECKS],
        False,
        {"parents_assessed_not_engaging": "partly engaging"},
    ),
    # The day of issue: the outcome is refused (above) and the referral blocked.
    (
        ISSUED,
        not_engaging_and_issue,
        REASON,
        [],
        ["notice_not_heeded", "referral_on_time"],
        False,
        {
            "threshold_at_notice": "12 unauthorised sessions in the 10 school weeks to "
            "2 February 2026",
            "notice_not_heeded": "no unauthorised absence",
        },
    ),
    # Inside the period with no absence since the notice: blocked, reason or not.
    (
        dt.date(2026, 2, 5),
        nothing,
        REASON,
        [],
        ["notice_not_heeded", "referral_on_time"],
        False,
        {"notice_not_heeded": "runs until 23 March 2026"},
    ),
    # Absent 9 to 11 February: without a reason, blocked...
    (
        dt.date(2026, 2, 12),
        nothing,
        "",
        [],
        ["notice_not_heeded", "referral_on_time"],
        False,
        {"notice_not_heeded": "to refer early, record a reason"},
    ),
    # ...with one, an early referral is allowed.
    (
        dt.date(2026, 2, 12),
        nothing,
        REASON,
        [],
        ["referral_on_time"],
        True,
        {"notice_not_heeded": "6 unauthorised sessions since the notice"},
    ),
    # After the period (it ended on 23 March) with no outcome recorded: blocked.
    # The rolling count is now 6, which the notice's own check measures; the
    # referral checks the 12 stored at issue.
    (
        dt.date(2026, 3, 24),
        nothing,
        "",
        ["national_threshold"],
        ["notice_not_heeded", "referral_on_time"],
        False,
        {
            "national_threshold": "6 unauthorised sessions in the last 10 school weeks",
            "threshold_at_notice": "12 unauthorised sessions",
            "notice_not_heeded": "record its outcome",
        },
    ),
    # The outcome of not sufficient improvement is recorded: allowed, with a
    # warning until the parents are told that a referral will be made.
    (
        dt.date(2026, 3, 24),
        outcome_not_improved,
        "",
        ["national_threshold"],
        ["referral_on_time"],
        True,
        {"referral_on_time": "Record the day the parents were told"},
    ),
    (
        dt.date(2026, 3, 24),
        parents_told,
        "",
        ["national_threshold"],
        [],
        True,
        {"referral_on_time": "referral due by 28 April 2026"},
    ),
    # A later assessment says "partly engaging": the referral is blocked again.
    (
        dt.date(2026, 3, 25),
        assessed_partly,
        "",
        ["national_threshold"],
        ["parents_assessed_not_engaging"],
        False,
        {},
    ),
    (
        dt.date(2026, 3, 26),
        assessed_not_engaging,
        "",
        ["national_threshold"],
        [],
        True,
        {},
    ),
    # 15 school days from 24 March, across the Easter holiday: due by 28 April.
    (dt.date(2026, 4, 28), nothing, "", ["national_threshold"], [], True, {}),
    (
        dt.date(2026, 4, 29),
        nothing,
        "",
        ["national_threshold"],
        ["referral_on_time"],
        True,
        {"referral_on_time": "The referral was due by 28 April 2026"},
    ),
]


def _says(evaluations: list[Evaluation], key: str) -> str:
    found = [c for e in evaluations for c in e.checks if c.key == key]
    assert found, key
    check = found[0]
    return " ".join([*(e.label for e in check.evidence), check.missing or ""])


def test_walk_from_no_meetings_to_referral_allowed():
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        walk_registers(case)
    for day, happens, reason, nti_unmet, referral_unmet, referral_allowed, says in STEPS:
        with at(day):
            happens(case)
            loaded = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
            nti = evaluate(loaded, rule_set="notice_to_improve", day=day)
            referral = evaluate(loaded, rule_set="referral", day=day, early_referral_reason=reason)
        assert [c.key for c in nti.checks if not c.met] == nti_unmet, day
        assert [c.key for c in referral.checks if not c.met] == referral_unmet, day
        assert referral.allowed is referral_allowed, day
        for key, words in says.items():
            assert words in _says([referral, nti], key), (day, key)
