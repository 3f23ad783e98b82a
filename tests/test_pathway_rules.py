"""Each pathway rule (rule A4), met and not met, with its evidence and what is missing.

The builders here are shared by tests/test_pathway_walk.py and test_pathway_api.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from attendance.models import SchoolTerm
from attendance.services.calendars import school_days_after, school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import (
    ActionPlan,
    AttendanceCase,
    Barrier,
    EngagementAssessment,
    PlanAction,
    PlanReview,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from cases.services.casework import record_create
from notices.models import NoticeToImprove, ParentsToldOfReferral
from pathway.models import PathwaySettings
from pathway.rules import Check, evaluate

from .factories import AttendanceCaseFactory, PupilCarerFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
# Spring 2026 at the test school, with a half term from 16 to 20 February.
TERMS = [
    ("Autumn 1", dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("Autumn 2", dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("Spring 1", dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("Spring 2", dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
    ("Summer 1", dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
]


def at(day: dt.date):
    """Freeze the clock at 4pm in England on `day` (winter: UTC)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC), tick=False)


def school_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5 and any(s <= day <= e for _, s, e in TERMS):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def make_case() -> AttendanceCase:
    """An open case at a school with a calendar; the pupil's mother is linked."""
    case = AttendanceCaseFactory()
    PupilCarerFactory(pupil=case.pupil)
    for name, start, end in TERMS:
        SchoolTerm.unscoped.create(school=case.school, name=name, start=start, end=end)
    school_days_refresh(pairs={(case.school_id, YEAR)})
    return case


def registers(case: AttendanceCase, *, absent_weekdays=(0, 4), first=dt.date(2026, 1, 5)) -> None:
    """Present every school day of spring 2026 from `first`, except unauthorised
    (O) both sessions on the given weekdays (Mondays and Fridays by default)."""
    chars = list(empty_marks(YEAR))
    for day in school_days(first, dt.date(2026, 3, 27)):
        absent = day.weekday() in absent_weekdays
        chars[mark_index(day, "AM")] = "O" if absent else "/"
        chars[mark_index(day, "PM")] = "O" if absent else "\\"
    registers_merge(
        incoming=[IncomingRegister(case.pupil_id, case.school_id, YEAR, "".join(chars))]
    )


def meeting(
    case: AttendanceCase,
    sequence: int,
    *,
    held_on=None,
    scheduled=None,
    outcome="Agreed a plan",
    invite=True,
) -> SupportMeeting:
    when = scheduled or held_on
    made = record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=SupportMeeting,
        sequence=sequence,
        scheduled_for=dt.datetime.combine(when, dt.time(15, 30), tzinfo=dt.UTC),
        method="in_person",
        held_on=held_on,
        outcome=outcome if held_on else "",
    )
    if invite:
        made.invited.add(case.pupil.carer_links.first())
    return made


def voice(case: AttendanceCase, on: dt.date) -> WishesAndFeelings:
    return record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=WishesAndFeelings,
        gathered_on=on,
        gathered_by=case.lead_professional,
        relationship="Form tutor",
        setting="Library",
        why_hard="Lunchtimes are noisy",
        what_would_help="A quiet space",
    )


def barrier(case: AttendanceCase, kind: str, on: dt.date) -> Barrier:
    return record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=Barrier,
        kind=kind,
        factor="push",
        description=f"{kind} makes mornings hard",
        identified_on=on,
    )


def plan(case: AttendanceCase, *, actions_for=(), reviewed_on=None) -> ActionPlan:
    made = record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=ActionPlan,
        # Agreed well before the reviews and the days judged.
        agreed_on=dt.date(2026, 1, 12),
        target_attendance=Decimal("95.0"),
        target_date=dt.date(2026, 4, 1),
        next_review_due=dt.date(2026, 2, 9),
    )
    for target in actions_for:
        record_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            model=PlanAction,
            plan=made,
            barrier=target,
            action="A bus pass from the LA",
            by_when=dt.date(2026, 2, 1),
            responsible="Ms Patel, attendance lead",
            how_we_will_know="On time every day for a fortnight",
        )
    if reviewed_on:
        record_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            model=PlanReview,
            plan=made,
            reviewed_on=reviewed_on,
            next_review_due=reviewed_on + dt.timedelta(days=14),
        )
    return made


def offer(case: AttendanceCase, provider: str, outcome: str, on: dt.date) -> SupportOffer:
    return record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=SupportOffer,
        what="Family support sessions",
        provider=provider,
        offered_on=on,
        outcome=outcome,
        outcome_on=None if outcome == "awaiting" else on + dt.timedelta(days=7),
    )


def engagement(case: AttendanceCase, level: str, on: dt.date) -> EngagementAssessment:
    return record_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        model=EngagementAssessment,
        assessed_on=on,
        level=level,
        reason="As seen at the meetings",
    )


def notice(case: AttendanceCase, issued_on: dt.date, **fields) -> NoticeToImprove:
    """Issued directly, skipping the service's own checks (tests/test_notices.py
    covers those), with the threshold stored as met at issue unless given."""
    fields.setdefault("threshold_sessions", 12)
    fields.setdefault("threshold_window_weeks", 10)
    fields.setdefault("threshold_as_at", issued_on)
    return NoticeToImprove.unscoped.create(
        case=case,
        issued_on=issued_on,
        issued_by=case.lead_professional,
        period_ends_on=school_days_after(school_id=case.school_id, day=issued_on, count=30),
        sufficient_improvement="No unauthorised absence",
        consequence="A penalty notice may follow",
        staff_contact="Ms Patel",
        **fields,
    )


def told(made: NoticeToImprove, on: dt.date) -> ParentsToldOfReferral:
    """The parents told that a referral will be made, directly (the service's
    own checks are in tests/test_pathway_verdicts.py)."""
    return ParentsToldOfReferral.unscoped.create(
        notice=made,
        told_on=on,
        method="letter",
        told_by="Ms Patel, attendance lead",
        recorded_by=made.case.lead_professional,
    )


def check(case: AttendanceCase, key: str, day: dt.date, rule_set="", **reasons) -> Check:
    """One check by key: from the referral's rule set, or, for a key only the
    Notice to Improve has (today's threshold, the engagement with its
    override), from that one, unless `rule_set` says which."""
    case = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    for name in [rule_set] if rule_set else ["referral", "notice_to_improve"]:
        found = evaluate(case, rule_set=name, day=day, **reasons)
        matching = [c for c in found.checks if c.key == key]
        if matching:
            return matching[0]
    raise LookupError(key)


def page(case: AttendanceCase, anchor: str) -> str:
    return reverse("cases:case_detail", args=[case.pk]) + "#" + anchor


def ev(check_: Check) -> list[tuple[str, str]]:
    return [(e.label, e.url) for e in check_.evidence]


DAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def march():
    with at(DAY):
        yield


@pytest.fixture
def case() -> AttendanceCase:
    return make_case()


# The national threshold -------------------------------------------------------


@pytest.mark.parametrize(
    ("weekdays", "first", "met", "count"),
    [
        # Mondays and Fridays from 19 January to 4 March: 11 days, 22 sessions.
        ((0, 4), dt.date(2026, 1, 19), True, 22),
        # Mondays from 9 February: 3 days, 6 sessions.
        ((0,), dt.date(2026, 2, 9), False, 6),
    ],
)
def test_national_threshold(case, weekdays, first, met, count):
    registers(case, absent_weekdays=weekdays, first=first)
    result = check(case, "national_threshold", DAY)
    label = f"{count} unauthorised sessions in the last 10 school weeks as at 4 March 2026"
    assert result.title == (
        "The pupil has had at least 10 sessions of unauthorised absence in a rolling "
        "period of 10 school weeks"
    )
    assert result.met is met
    assert ev(result) == [(label, reverse("attendance:pupil_attendance", args=[case.pupil_id]))]
    assert result.missing == (None if met else f"{label}; the threshold is 10")


# Meetings -------------------------------------------------------------------------


def test_meetings_met_with_each_held_meeting_as_evidence(case):
    for n, day in enumerate([dt.date(2026, 1, 12), dt.date(2026, 1, 26), dt.date(2026, 2, 9)], 1):
        meeting(case, n, held_on=day)
    result = check(case, "meetings_held", DAY)
    assert result.title == "At least three Support First meetings have been held with the family"
    assert result.met
    assert ev(result) == [
        ("Meeting 1, held 12 January 2026", page(case, "meeting-1")),
        ("Meeting 2, held 26 January 2026", page(case, "meeting-2")),
        ("Meeting 3, held 9 February 2026", page(case, "meeting-3")),
    ]
    assert result.missing is None


@pytest.mark.parametrize(
    ("third", "missing"),
    [
        (
            {"scheduled": dt.date(2026, 3, 9)},
            "2 of 3 Support First meetings held; the next is scheduled for 9 March 2026",
        ),
        # Held, but nobody from the family was invited: not "held" (rule A4).
        (
            {"held_on": dt.date(2026, 2, 9), "invite": False},
            "2 of 3 Support First meetings held; none is scheduled",
        ),
        # No outcome recorded yet: not "held".
        (
            {"held_on": dt.date(2026, 2, 9), "outcome": " "},
            "2 of 3 Support First meetings held; none is scheduled",
        ),
    ],
)
def test_meetings_not_met_says_how_many_and_whats_next(case, third, missing):
    meeting(case, 1, held_on=dt.date(2026, 1, 12))
    meeting(case, 2, held_on=dt.date(2026, 1, 26))
    meeting(case, 3, **third)
    result = check(case, "meetings_held", DAY)
    assert not result.met
    assert result.missing == missing
    assert len(result.evidence) == 2


def test_the_minimum_is_the_las_setting(case):
    PathwaySettings.objects.create(local_authority=case.school.local_authority, minimum_meetings=2)
    meeting(case, 1, held_on=dt.date(2026, 1, 12))
    meeting(case, 2, held_on=dt.date(2026, 1, 26))
    result = check(case, "meetings_held", DAY)
    assert result.met
    assert result.title == "At least two Support First meetings have been held with the family"


# The pupil's voice ------------------------------------------------------------------


def test_voice(case):
    assert check(case, "voice_recorded", DAY).missing == "No Wishes and Feelings record yet"
    voice(case, dt.date(2026, 1, 14))
    result = check(case, "voice_recorded", DAY)
    assert result.met
    assert result.title == "The pupil's voice has been recorded (Wishes and Feelings)"
    assert ev(result) == [("Wishes and Feelings, 14 January 2026", page(case, "voice"))]


# The plan ----------------------------------------------------------------------------


def test_no_plan(case):
    result = check(case, "plan_in_place", DAY)
    assert (result.met, result.evidence, result.missing) == (False, [], "No SMART action plan yet")


def test_plan_with_an_action_per_barrier_and_a_review_is_met(case):
    transport = barrier(case, "transport", dt.date(2026, 1, 12))
    plan(case, actions_for=[transport], reviewed_on=dt.date(2026, 2, 9))
    result = check(case, "plan_in_place", DAY)
    assert result.met
    assert ev(result) == [
        ("Aim: 95.0% attendance by 1 April 2026 (agreed 12 January 2026)", page(case, "plan")),
        ("Reviewed 9 February 2026", page(case, "plan")),
    ]


def test_plan_lists_every_gap(case):
    anxiety = barrier(case, "anxiety", dt.date(2026, 1, 12))
    barrier(case, "transport", dt.date(2026, 1, 12))
    plan(case, actions_for=[anxiety])
    result = check(case, "plan_in_place", DAY)
    assert not result.met
    assert result.missing == (
        "1 of 2 barriers has no action: Transport; The plan has not been reviewed yet"
    )


def test_a_resolved_barrier_needs_no_action(case):
    transport = barrier(case, "transport", dt.date(2026, 1, 12))
    resolved = barrier(case, "uniform", dt.date(2026, 1, 12))
    Barrier.unscoped.filter(pk=resolved.pk).update(resolved_on=dt.date(2026, 2, 1))
    plan(case, actions_for=[transport], reviewed_on=dt.date(2026, 2, 9))
    assert check(case, "plan_in_place", DAY).met


# Support ----------------------------------------------------------------------------


def test_no_support_offered(case):
    result = check(case, "support_exhausted", DAY)
    assert (result.met, result.missing) == (False, "No support has been offered yet")


def test_support_exhausted(case):
    early_help = offer(case, "early_help", "declined", dt.date(2026, 1, 12))
    camhs = offer(case, "camhs", "insufficient", dt.date(2026, 1, 19))
    result = check(case, "support_exhausted", DAY)
    assert result.met
    assert result.title == (
        "Support has been offered and has not worked or has not been engaged with"
    )
    assert ev(result) == [
        ("Early Help: declined (19 January 2026)", page(case, f"offer-{early_help.pk}")),
        (
            "CAMHS: engaged without sufficient improvement (26 January 2026)",
            page(case, f"offer-{camhs.pk}"),
        ),
    ]


def test_support_still_open(case):
    offer(case, "early_help", "awaiting", dt.date(2026, 1, 12))
    offer(case, "camhs", "engaged", dt.date(2026, 1, 19))
    offer(case, "school", "not_engaged", dt.date(2026, 1, 19))
    result = check(case, "support_exhausted", DAY)
    assert not result.met
    assert result.missing == (
        "2 of 3 support offers are still open: Early Help (waiting for a response), "
        "CAMHS (accepted and engaged)"
    )
    assert [e.label for e in result.evidence] == ["School: accepted, not engaged (26 January 2026)"]


# Engagement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "override", "met", "missing"),
    [
        ([], "", True, None),
        (["engaging", "not_engaging"], "", True, None),
        (
            ["not_engaging", "engaging"],
            "",
            False,
            "The latest engagement assessment (3 March 2026) says the parents are engaging",
        ),
        (["not_engaging", "engaging"], "Engaging in name only: nothing has changed", True, None),
    ],
)
def test_parents_engaging_blocks_unless_the_lead_records_why(case, levels, override, met, missing):
    for level, on in zip(levels, [dt.date(2026, 2, 2), dt.date(2026, 3, 3)], strict=False):
        engagement(case, level, on)
    result = check(
        case, "parents_not_engaging", DAY, rule_set="notice_to_improve", override_reason=override
    )
    assert (result.met, result.missing) == (met, missing)
    if override:
        assert result.evidence[-1].label == f"Reason recorded: {override}"


@pytest.mark.parametrize(
    ("levels", "met", "missing"),
    [
        (
            [],
            False,
            "No engagement assessment yet: a referral needs the latest assessment to say the "
            "parents are not engaging",
        ),
        (
            ["not_engaging", "partly"],
            False,
            "The latest engagement assessment (3 March 2026) says the parents are partly "
            "engaging: a referral needs them assessed as not engaging",
        ),
        (["engaging", "not_engaging"], True, None),
    ],
)
def test_a_referral_needs_the_parents_assessed_as_not_engaging(case, levels, met, missing):
    """Seed 002: a referral "only once all avenues of support have been exhausted
    and parents are not engaging"; the engaging override is the notice's only."""
    for level, on in zip(levels, [dt.date(2026, 2, 2), dt.date(2026, 3, 3)], strict=False):
        engagement(case, level, on)
    result = check(case, "parents_assessed_not_engaging", DAY, override_reason="Because")
    assert result.title == "The parents have been assessed as not engaging with support"
    assert (result.met, result.missing) == (met, missing)


def test_an_assessment_dated_after_the_day_judged_is_not_read(case):
    engagement(case, "not_engaging", dt.date(2026, 3, 10))
    assert not check(case, "parents_assessed_not_engaging", DAY).met


# The notice (referral only) -------------------------------------------------------------


@pytest.mark.parametrize(("sessions", "met"), [(12, True), (9, False), (None, False)])
def test_the_referral_checks_the_threshold_stored_at_issue(case, sessions, met):
    """Rule A4: the threshold that matters is the one met when the notice was
    issued (today's rolling count is the notice's own check)."""
    registers(case, absent_weekdays=())  # no absence at all in the window today
    notice(
        case,
        dt.date(2026, 2, 2),
        threshold_sessions=sessions,
        threshold_as_at=dt.date(2026, 2, 2) if sessions is not None else None,
    )
    result = check(case, "threshold_at_notice", DAY)
    assert result.met is met
    label = f"{sessions} unauthorised sessions in the 10 school weeks to 2 February 2026, when "
    if sessions is None:
        assert result.missing.startswith(
            "The unauthorised absence when the notice was issued on 2 February 2026 is not on "
            "record"
        )
    else:
        assert result.evidence[0].label == label + "the notice was issued"


def test_no_notice_blocks_the_referral_on_four_counts(case):
    keys = {"threshold_at_notice", "notice_issued", "notice_not_heeded", "referral_on_time"}
    checks = [c for c in evaluate(case, rule_set="referral", day=DAY).checks if c.key in keys]
    assert [(c.met, c.missing) for c in checks] == [
        (False, "No Notice to Improve has been issued")
    ] * 4
    assert [c.blocking for c in checks] == [True, True, True, False]


def test_notice_issued(case):
    notice(case, dt.date(2026, 2, 2))
    result = check(case, "notice_issued", DAY)
    assert result.met
    assert ev(result) == [
        ("Notice to Improve issued 2 February 2026", page(case, "notice-to-improve"))
    ]


@pytest.mark.parametrize(
    ("outcome", "day", "reason", "met", "text"),
    [
        # After the period (it ended on 23 March), with the outcome recorded.
        (
            "not_improved",
            dt.date(2026, 3, 24),
            "",
            True,
            "Not sufficient improvement, recorded on 3 March 2026",
        ),
        (
            "improved",
            DAY,
            "",
            False,
            "The notice's outcome (3 March 2026) is sufficient improvement: back to support",
        ),
        # After the period with no outcome recorded: not heeded is not presumed.
        (
            "",
            dt.date(2026, 3, 24),
            "",
            False,
            "The improvement period ended on 23 March 2026: record its outcome (not "
            "sufficient improvement) before referring",
        ),
        # Inside the period, absence continued: an early referral needs a reason,
        # even with "not sufficient improvement" recorded early.
        (
            "not_improved",
            DAY,
            "",
            False,
            "The improvement period runs until 23 March 2026: to refer early, record a reason",
        ),
        (
            "",
            DAY,
            "",
            False,
            "The improvement period runs until 23 March 2026: to refer early, record a reason",
        ),
        (
            "",
            DAY,
            "Absent every Friday since the notice",
            True,
            "Reason recorded: Absent every Friday since the notice",
        ),
    ],
)
def test_notice_not_heeded(case, outcome, day, reason, met, text):
    """Rule A4 (Norfolk's Notice to Improve steps): a referral follows a notice
    not heeded: after the period, a recorded outcome of not sufficient
    improvement; before it ends, continued absence and a recorded reason."""
    registers(case)
    notice(
        case,
        dt.date(2026, 2, 2),
        outcome=outcome,
        outcome_on=dt.date(2026, 3, 3) if outcome else None,
    )
    result = check(case, "notice_not_heeded", day, early_referral_reason=reason)
    assert result.met is met
    assert (result.evidence[-1].label if met else result.missing) == text


def test_continued_absence_is_counted_from_the_day_after_the_notice(case):
    registers(case)
    notice(case, dt.date(2026, 2, 2))  # a Monday, absent: not "during" the notice
    result = check(case, "notice_not_heeded", dt.date(2026, 2, 9))
    assert result.evidence[0].label == (
        "4 unauthorised sessions since the notice was issued on 2 February 2026"
    )


def test_no_absence_during_the_notice(case):
    registers(case, absent_weekdays=())
    notice(case, dt.date(2026, 2, 2))
    result = check(case, "notice_not_heeded", DAY, early_referral_reason="Worried")
    assert result.missing == (
        "The improvement period runs until 23 March 2026, and since the notice was issued on "
        "2 February 2026 there has been no unauthorised absence and no assessment that the "
        "parents are not engaging"
    )


def test_an_assessment_after_the_notice_that_the_parents_are_not_engaging_is_a_ground(case):
    """Rule A4: before the period ends, a later assessment that the parents are
    not engaging allows an early referral (with a reason) although they attend."""
    registers(case, absent_weekdays=())
    engagement(case, "not_engaging", dt.date(2026, 2, 20))
    notice(case, dt.date(2026, 2, 2))
    result = check(case, "notice_not_heeded", DAY, early_referral_reason="Refused every offer")
    assert result.met
    assert result.evidence[0].label == ("Assessed 20 February 2026, after the notice: not engaging")


@pytest.mark.parametrize(
    ("day", "met"), [(dt.date(2026, 3, 2), True), (dt.date(2026, 3, 3), False)]
)
def test_referral_within_15_school_days_of_telling_the_parents_is_a_warning(case, day, met):
    """Norfolk's referral steps: the referral is made within 15 school days of
    telling the parents that it will be made. 15 school days after 2 February,
    with the half term in between: 2 March."""
    told(notice(case, dt.date(2026, 1, 5)), dt.date(2026, 2, 2))
    result = check(case, "referral_on_time", day)
    assert result.title == (
        "The referral is made within 15 school days of telling the parents that a referral "
        "will be made"
    )
    assert (result.met, result.blocking) == (met, False)
    assert ev(result) == [
        (
            "Parents told a referral will be made on 2 February 2026; referral due by 2 March 2026",
            page(case, "notice-to-improve"),
        )
    ]
    assert result.missing == (
        None
        if met
        else "The referral was due by 2 March 2026, 15 school days after the parents were "
        "told on 2 February 2026"
    )


def test_with_no_record_of_telling_the_parents_the_deadline_says_what_to_do(case):
    notice(case, dt.date(2026, 2, 2))
    result = check(case, "referral_on_time", DAY)
    assert (result.met, result.blocking) == (False, False)
    assert result.missing == (
        "Record the day the parents were told that a referral will be made: the referral is "
        "due within 15 school days of it"
    )
