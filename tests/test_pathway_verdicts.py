"""Pathway verdicts that must hold up (rule A4, docs/rules.md#a4): each test
states one example from the issue, the product's answer, and why it is right.

The case is the pathway walk's (tests/test_pathway_walk.py): ready for a
Notice to Improve on 30 January 2026, unauthorised absence every Monday and
Friday, a school calendar with the February half term (16 to 20 February) and
the Easter holiday (30 March to 10 April).
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import AttendanceCase, SupportOffer
from cases.selectors_chronology import case_chronology
from core.models import AuditEvent
from documents.kinds import KINDS, Subject
from notices.bundle import bundle_build, bundle_print_context
from notices.models import NoticeToImprove, ParentsToldOfReferral
from notices.services.notices import notice_issue, notice_outcome_record, parents_told_record
from notices.services.referrals import ReferralNotAllowed, referral_submit
from pathway.models import PathwayEvaluation
from pathway.rules import Check, evaluate

from .conftest import signed_in_client
from .test_pathway_rules import at, engagement, make_case, notice, offer, registers
from .test_pathway_walk import first_meeting, more_support, support_without_an_assessment

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 2, 2)
PERIOD_ENDS = dt.date(2026, 3, 23)


def ready_case(*, assessed: bool = True, absent_weekdays=(0, 4)) -> AttendanceCase:
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case, absent_weekdays=absent_weekdays)
    with at(dt.date(2026, 1, 30)):
        first_meeting(case)
        (more_support if assessed else support_without_an_assessment)(case)
    return case


def issue(
    case: AttendanceCase,
    issued_on: dt.date = ISSUED,
    *,
    today: dt.date | None = None,
    override_reason: str = "",
):
    with at(today or issued_on):
        return notice_issue(
            override_reason=override_reason,
            acting_user=case.lead_professional,
            case_id=case.pk,
            issued_on=issued_on,
            sufficient_improvement="No unauthorised absence",
            consequence="A referral to the Local Authority",
            staff_contact="Ms Patel, attendance lead",
        )


def referral_check(case: AttendanceCase, key: str, day: dt.date, **reasons) -> Check:
    loaded = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    found = evaluate(loaded, rule_set="referral", day=day, **reasons)
    return next(c for c in found.checks if c.key == key)


def submit(case: AttendanceCase, day: dt.date, **reasons):
    with at(day):
        return referral_submit(acting_user=case.lead_professional, case_id=case.pk, **reasons)


# Item 2: the improvement period cannot be skipped ------------------------------------


def test_on_the_day_of_issue_not_improved_is_refused_and_next_day_the_referral_is_blocked():
    """Issue: on the day a notice is issued, "not sufficient improvement" was
    accepted and the next day the referral went through without a reason.
    Right (rule A4): the period is 30 school days; before it ends, "not
    sufficient improvement" and an early referral need unauthorised absence
    since the notice (or a later assessment that the parents are not engaging),
    and the referral a recorded reason. On 2 February nothing has happened in
    the period yet; on 3 February (a Tuesday, attended) neither."""
    case = ready_case()
    made = issue(case)
    with at(ISSUED), pytest.raises(ValidationError) as refused:
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="No change",
            on=ISSUED,
        )
    assert refused.value.message_dict["outcome"] == [
        "Not sufficient improvement can only be recorded before the improvement period ends "
        "on 23 March 2026 when there has been unauthorised absence since the notice was "
        "issued, or an assessment since then that the parents are not engaging. As at "
        "2 February 2026 there is neither."
    ]
    with pytest.raises(ReferralNotAllowed) as blocked:
        submit(case, dt.date(2026, 2, 3), early_referral_reason="The notice did not work")
    assert blocked.value.missing == [
        "The improvement period runs until 23 March 2026, and since the notice was issued on "
        "2 February 2026 there has been no unauthorised absence and no assessment that the "
        "parents are not engaging"
    ]


def test_full_attendance_after_the_notice_and_no_outcome_does_not_let_the_referral_through():
    """Issue: a notice issued 2 February 2026 with full attendance afterwards
    and no outcome recorded let the referral through on 24 March ("notice not
    heeded" met). Right: after the period, a referral needs a recorded outcome
    of not sufficient improvement."""
    case = ready_case()
    issue(case)
    with at(dt.date(2026, 2, 3)):
        # Attending every day from 3 February.
        registers(case, absent_weekdays=(), first=dt.date(2026, 2, 3))
    with pytest.raises(ReferralNotAllowed) as blocked:
        submit(case, dt.date(2026, 3, 24))
    assert blocked.value.missing == [
        "The improvement period ended on 23 March 2026: record its outcome (not sufficient "
        "improvement) before referring"
    ]
    # An outcome dated after the day judged is not on record on that day.
    NoticeToImprove.unscoped.filter(case=case).update(
        outcome="not_improved", outcome_on=dt.date(2026, 3, 25)
    )
    assert not referral_check(case, "notice_not_heeded", dt.date(2026, 3, 24)).met
    assert referral_check(case, "notice_not_heeded", dt.date(2026, 3, 25)).met


# Item 3: the parents' engagement --------------------------------------------------------


@pytest.mark.parametrize("level", [None, "partly", "engaging"])
def test_a_referral_needs_the_parents_assessed_as_not_engaging(level):
    """Issue: with no engagement assessment at all, or "partly engaging", the
    referral passed. Right (seed 002): a referral "only once all avenues of
    support have been exhausted and parents are not engaging": the latest
    assessment dated on or before the day must say so, and the reasoned
    override for engaging parents is the notice's only."""
    case = ready_case(assessed=False)
    if level:
        engagement(case, level, dt.date(2026, 1, 29))
    # Engaging parents: the notice goes ahead with the lead's reason.
    issue(case, override_reason="Engaging in name only" if level == "engaging" else "")
    day = dt.date(2026, 3, 24)
    NoticeToImprove.unscoped.filter(case=case).update(outcome="not_improved", outcome_on=day)
    check = referral_check(case, "parents_assessed_not_engaging", day, override_reason="Because")
    assert not check.met
    with pytest.raises(ReferralNotAllowed) as blocked:
        submit(case, day)
    assert blocked.value.missing == [check.missing]
    engagement(case, "not_engaging", day)
    assert submit(case, day).version == 1


# Item 4: the threshold is the one met at issue ---------------------------------------


def test_the_threshold_stored_at_issue_is_checked_on_the_referral_day():
    """Issue: 12 unauthorised sessions when the notice was issued, 6 more during
    it; on the referral day the rolling count was 6 and the referral was
    blocked although absence continued. Right: the referral checks the
    threshold met when the notice was issued, stored with it. (The full
    timeline, 12 then 6, is the walk's; here the stored count is what counts.)"""
    case = ready_case()
    made = issue(case)
    assert (made.threshold_sessions, made.threshold_as_at) == (18, ISSUED)
    # Suppose the rolling count has dropped below 10 since: the stored one holds.
    NoticeToImprove.unscoped.filter(pk=made.pk).update(threshold_sessions=12)
    with at(dt.date(2026, 3, 4)):
        registers(case, absent_weekdays=(), first=dt.date(2026, 2, 3))
    day = dt.date(2026, 3, 24)
    check = referral_check(case, "threshold_at_notice", day)
    assert check.met
    assert check.evidence[0].label == (
        "12 unauthorised sessions in the 10 school weeks to 2 February 2026, when the notice "
        "was issued"
    )


def test_the_migration_backfills_the_threshold_as_at_the_issue_date():
    """Existing notices get the threshold measured as at their issue date from
    their registers (Mondays and Fridays from 5 January to 2 February: 18)."""
    case = ready_case()
    made = notice(case, ISSUED, threshold_sessions=None, threshold_as_at=None)
    migration = importlib.import_module("notices.migrations.0005_notice_facts_fixed_at_issue")
    migration.threshold_backfill(apps, None)
    made.refresh_from_db()
    assert (made.threshold_sessions, made.threshold_window_weeks, made.threshold_as_at) == (
        18,
        10,
        ISSUED,
    )


# Item 5: 15 school days from telling the parents ------------------------------------


def test_fifteen_school_days_run_from_telling_the_parents_not_from_the_notice():
    """Issue: the 15 school days were counted from the issue date, so a referral
    on 24 March after a full period was "due by 2 March". Right (Norfolk's
    referral steps): they run from the day the parents are told that a referral
    will be made; with no such record the check says what to do. Told on
    24 March, across the Easter holiday, the referral is due by 28 April."""
    case = ready_case()
    made = issue(case)
    day = dt.date(2026, 3, 24)
    with at(day):
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="Absent every Monday and Friday",
            on=day,
        )
    check = referral_check(case, "referral_on_time", day)
    assert check.missing == (
        "Record the day the parents were told that a referral will be made: the referral is "
        "due within 15 school days of it"
    )
    assert "due by" not in check.missing
    with at(day):
        parents_told_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            told_on=day,
            method="letter",
            told_by="Ms Patel, attendance lead",
        )
    assert referral_check(case, "referral_on_time", day).evidence[0].label == (
        "Parents told a referral will be made on 24 March 2026; referral due by 28 April 2026"
    )
    assert referral_check(case, "referral_on_time", dt.date(2026, 4, 28)).met
    assert not referral_check(case, "referral_on_time", dt.date(2026, 4, 29)).met


def test_the_parents_told_page_records_audits_and_shows_on_the_case():
    case = ready_case()
    made = issue(case)
    client = signed_in_client(case.lead_professional)
    url = reverse("notices:parents_told", args=[made.pk])
    # Not yet: the period runs and nothing since the notice says it was not heeded.
    with at(dt.date(2026, 2, 3)):
        response = client.post(
            url,
            {
                "told_on_0": "3",
                "told_on_1": "2",
                "told_on_2": "2026",
                "method": "letter",
                "told_by": "Ms Patel",
            },
        )
    assert response.status_code == 200
    assert "once the notice has not been heeded" in response.content.decode()
    assert not ParentsToldOfReferral.unscoped.exists()
    # After the outcome of not sufficient improvement.
    day = dt.date(2026, 3, 24)
    with at(day):
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="Absent every Monday and Friday",
            on=day,
        )
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "told_on_0": "24",
                "told_on_1": "3",
                "told_on_2": "2026",
                "method": "in_person",
                "told_by": "Ms Patel, attendance lead",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    told = ParentsToldOfReferral.unscoped.get(notice=made)
    assert (told.told_on, told.method, told.recorded_by) == (
        day,
        "in_person",
        case.lead_professional,
    )
    audit = AuditEvent.objects.get(
        target_type="notices.ParentsToldOfReferral", target_id=str(told.pk)
    )
    assert (audit.actor, audit.changes["told_on"]) == (case.lead_professional, "2026-03-24")
    assert "24 March 2026 (in person, by Ms Patel, attendance lead)" in page
    # In the chronology (cases reads it through cases.hooks.chronology_items).
    _, entries = case_chronology(user=case.lead_professional, case_id=case.pk, day=day)
    assert [(e.date, e.title, e.who) for e in entries if e.kind == "notice"] == [
        (ISSUED, "Notice to Improve issued", case.lead_professional.full_name),
        (day, "Notice to Improve outcome: Not sufficient improvement", ""),
        (day, "Parents told that a referral will be made", "Ms Patel, attendance lead"),
    ]
    _, before = case_chronology(user=case.lead_professional, case_id=case.pk, day=PERIOD_ENDS)
    assert [e.title for e in before if e.kind == "notice"] == ["Notice to Improve issued"]
    with at(day), pytest.raises(ValidationError, match="already recorded"):
        parents_told_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            told_on=day,
            method="letter",
            told_by="Ms Patel",
        )


# Item 6: evidence is tied to its date ---------------------------------------------------


def test_a_support_offer_dated_after_the_day_judged_is_not_read():
    """Issue: a support offer dated 10 March counted for a notice evaluated on
    4 March. Right: every rule reads only records dated on or before its day.
    Here the only offer is dated 10 March: on 4 March none had been made."""
    with at(dt.date(2026, 3, 10)):
        case = make_case()
        offer(case, "early_help", "declined", dt.date(2026, 3, 10))
    loaded = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    on_4_march = evaluate(loaded, rule_set="notice_to_improve", day=dt.date(2026, 3, 4))
    check = next(c for c in on_4_march.checks if c.key == "support_exhausted")
    assert (check.met, check.missing) == (False, "No support has been offered yet")


@pytest.mark.parametrize(
    ("issued_on", "today", "allowed", "error"),
    [
        (ISSUED, ISSUED, True, None),
        # Five school days back: 3, 4, 5, 6 and 9 February.
        (ISSUED, dt.date(2026, 2, 9), True, None),
        (
            ISSUED,
            dt.date(2026, 2, 10),
            False,
            "The date of issue must be today or a school day in the last 5 school days: "
            "2 February 2026 is too far back",
        ),
        # Across the half term: 23 to 27 February are the five school days after 13th.
        (dt.date(2026, 2, 13), dt.date(2026, 2, 27), True, None),
        (
            dt.date(2026, 2, 7),
            dt.date(2026, 2, 9),
            False,
            "The date of issue must be today or a school day in the last 5 school days: "
            "7 February 2026 is not a school day",
        ),
        (
            dt.date(2026, 2, 3),
            ISSUED,
            False,
            "The date of issue must be today or in the past",
        ),
    ],
)
def test_a_notice_is_dated_today_or_a_recent_school_day(issued_on, today, allowed, error):
    """Issue: a notice could be dated in the future or far in the past. Right:
    today, or a school day at most `notice_backdate_school_days` (5) school days
    back, and the rules judge the case as at that date."""
    case = ready_case()
    if allowed:
        made = issue(case, issued_on, today=today)
        stored = PathwayEvaluation.unscoped.get(case=case)
        assert (stored.day, made.threshold_as_at) == (issued_on, issued_on)
    else:
        with pytest.raises(ValidationError) as refused:
            issue(case, issued_on, today=today)
        assert refused.value.message_dict["issued_on"] == [error]
        assert not NoticeToImprove.unscoped.exists()


def test_the_letter_lists_the_support_the_check_relied_on():
    """The Notice to Improve letter (documents app) lists the same support as
    the check that allowed the notice: an offer added later (even one
    backdated, still waiting for an answer) is neither listed nor "still
    offered"."""
    case = ready_case()
    SupportOffer.unscoped.filter(case=case).update(for_family="Help from the Early Help team")
    made = issue(case)
    with at(dt.date(2026, 2, 5)):
        later = offer(case, "camhs", "awaiting", dt.date(2026, 1, 20))
    SupportOffer.unscoped.filter(pk=later.pk).update(for_family="Talking therapy with CAMHS")
    made.refresh_from_db()
    kind = KINDS["notice_to_improve"]
    support = kind.data(Subject(kind, case, notice=made, recipient=made.recipients.get()))[
        "support"
    ]
    assert [(o["what"], o["by"], o["outcome"]) for o in support["offers"]] == [
        ("Help from the Early Help team", "Early Help", "Declined")
    ]
    assert support["still_offered"] == []


# Item 10: the bundle states only true things --------------------------------------------


def test_the_bundle_of_an_early_referral_says_the_period_runs_until_its_end():
    """Issue: the bundle said "improvement period ended" with a future date, and
    "Since the notice (2026-12-06 to 2026-12-05)". Right: a period that has not
    ended "runs until"; no empty or inverted range is printed."""
    case = ready_case()
    made = issue(case)
    day = dt.date(2026, 2, 10)
    referral = submit(case, day, early_referral_reason="Absent 6 and 9 February")
    text = " ".join(
        render_to_string(
            "notices/referral_bundle_body.html", bundle_print_context(referral)
        ).split()
    )
    assert "The improvement period runs until 23 March 2026." in text
    assert "period ended" not in text
    assert "Since the notice (3 February 2026 to 10 February 2026)" in text
    assert referral.bundle["notice"]["threshold_at_issue"] == {
        "sessions": 18,
        "window_weeks": 10,
        "as_at": "2026-02-02",
    }
    assert "When the notice was issued: 18 unauthorised sessions" in text

    # Built on the day of issue: no range at all.
    on_the_day = bundle_build(case, made, ISSUED, user=case.lead_professional)
    assert on_the_day["marks_since_notice"] is None
    text = " ".join(
        render_to_string(
            "notices/referral_bundle_body.html",
            bundle_print_context(referral, bundle=on_the_day),
        ).split()
    )
    assert "Since the notice (" not in text
    assert "No school day since the notice yet." in text
    assert "runs until 23 March 2026" in text
