"""Each kind of flag, with frozen time: raised on the right school day (half
term and weekends inside the windows), not a day early, not raised twice by a
second run, resolved when its condition clears (docs/rules.md#flags)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.models import Role
from attendance.models import PupilFigures, SchoolTerm
from attendance.services.calendars import school_days_refresh
from cases.models import Contact, Flag, PartTimeTimetable, SupportMeeting
from cases.nightly import run_nightly
from notices.models import LegalReferral, ParentsToldOfReferral, PenaltyNotice

from .factories import (
    ActionPlanFactory,
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_notices import set_mark
from .test_pathway_rules import TERMS, YEAR, at, make_case, notice, registers

pytestmark = pytest.mark.django_db
D = dt.date


def run(day: dt.date, kind: str) -> None:
    with at(day):
        run_nightly(as_at=day, kinds=[kind])


def open_flags(kind: str) -> list[Flag]:
    return list(Flag.unscoped.filter(kind=kind, resolved_at__isnull=True))


def lifecycle(
    kind: str,
    *,
    early: dt.date,
    due: dt.date,
    clear: Callable[[], None],
    cleared_on: dt.date | None = None,
) -> Flag:
    """Nothing the day before; raised on `due` (dated `due`); a second run adds
    nothing; once `clear` has run, resolved as cleared, the history kept."""
    run(early, kind)
    assert open_flags(kind) == [], f"{kind} raised a day early"
    run(due, kind)
    (flag,) = open_flags(kind)
    assert flag.due_on == due
    run(due, kind)
    assert Flag.unscoped.filter(kind=kind).count() == 1
    clear()
    run(cleared_on or due, kind)
    (kept,) = Flag.unscoped.filter(kind=kind)
    assert kept.resolution == Flag.Resolution.CLEARED
    assert kept.resolved_at is not None
    return kept


def school_with_terms():
    school = SchoolFactory()
    for name, start, end in TERMS:
        SchoolTerm.unscoped.create(school=school, name=name, start=start, end=end)
    school_days_refresh(pairs={(school.pk, YEAR)})
    return school


def figures(pupil, school, as_at: dt.date, **flags: bool) -> PupilFigures:
    values = {
        "national_threshold_met": False,
        "persistent_absence": False,
        "severe_absence": False,
    }
    values.update(flags)
    row, _ = PupilFigures.unscoped.update_or_create(
        pupil=pupil,
        school=school,
        defaults={
            "as_at": as_at,
            "on_roll": True,
            "possible_sessions": 100,
            "attended_sessions": 40,
            "authorised_absence_sessions": 48,
            "unauthorised_absence_sessions": 12,
            "missing_marks": 0,
            "unauthorised_last_10_school_weeks": 12 if values["national_threshold_met"] else 2,
            "refreshed_at": timezone.now(),
            **values,
        },
    )
    return row


# The national threshold and the absence rates (rules A2, A3) ------------------


def test_threshold_without_a_case_is_due_the_school_day_after_the_figures_over_half_term():
    school = school_with_terms()
    pupil = PupilFactory(school=school)
    # Figures as at Friday 13 February, the last day before half term: the
    # next school day is Monday 23 February, not the Saturday or the holiday.
    figures(pupil, school, D(2026, 2, 13), national_threshold_met=True)

    def open_a_case() -> None:
        AttendanceCaseFactory(pupil=pupil, school=school)

    lifecycle("threshold_no_case", early=D(2026, 2, 22), due=D(2026, 2, 23), clear=open_a_case)
    # With the case open, the same figures raise the case's own flag.
    run(D(2026, 2, 23), "threshold_case")
    (flag,) = open_flags("threshold_case")
    assert flag.case is not None
    assert flag.case.pupil == pupil


def test_threshold_with_a_case_clears_when_the_count_falls():
    school = school_with_terms()
    case = AttendanceCaseFactory(school=school)
    row = figures(case.pupil, school, D(2026, 3, 3), national_threshold_met=True)

    def falls() -> None:
        row.national_threshold_met = False
        row.save()

    lifecycle("threshold_case", early=D(2026, 3, 3), due=D(2026, 3, 4), clear=falls)


@pytest.mark.parametrize("kind", ["persistent_absence", "severe_absence"])
def test_persistent_and_severe_absence_newly_reached(kind):
    school = school_with_terms()
    pupil = PupilFactory(school=school)
    row = figures(pupil, school, D(2026, 3, 6), **{kind: True})

    def improves() -> None:
        setattr(row, kind, False)
        row.save()

    # Figures as at Friday: due Monday, not on the weekend.
    lifecycle(kind, early=D(2026, 3, 8), due=D(2026, 3, 9), clear=improves)


# The case file ------------------------------------------------------------------


def test_plan_review_overdue_the_day_after_it_was_due():
    plan = ActionPlanFactory(agreed_on=D(2026, 1, 12))  # review due 26 January

    def reviewed() -> None:
        from cases.models import PlanReview

        PlanReview.unscoped.create(
            plan=plan,
            case=plan.case,
            reviewed_on=D(2026, 1, 28),
            next_review_due=D(2026, 2, 11),
            created_by=plan.created_by,
            updated_by=plan.created_by,
        )
        plan.next_review_due = D(2026, 2, 11)
        plan.save()

    lifecycle(
        "plan_review_overdue",
        early=D(2026, 1, 26),
        due=D(2026, 1, 27),
        clear=reviewed,
        cleared_on=D(2026, 1, 28),
    )


def test_fortnightly_contact_overdue_counts_calendar_days_weekends_included():
    case = AttendanceCaseFactory(opened_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))

    def contacted() -> None:
        Contact.unscoped.create(
            pupil=case.pupil,
            school=case.school,
            case=case,
            occurred_at=dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC),
            method="phone",
            made_by=case.lead_professional,
            reached=True,
        )

    # Opened Monday 5 January: contact due by Monday 19th; overdue Tuesday 20th.
    lifecycle("contact_overdue", early=D(2026, 1, 19), due=D(2026, 1, 20), clear=contacted)


def test_a_meeting_not_recorded_is_due_the_next_school_day():
    case = make_case()
    meeting = SupportMeeting.unscoped.create(
        case=case,
        sequence=1,
        scheduled_for=dt.datetime(2026, 2, 13, 10, tzinfo=dt.UTC),  # Friday before half term
        method="in_person",
        created_by=case.lead_professional,
        updated_by=case.lead_professional,
    )

    def recorded() -> None:
        meeting.held_on = D(2026, 2, 13)
        meeting.outcome = "Agreed a plan"
        meeting.save()

    lifecycle("meeting_not_recorded", early=D(2026, 2, 22), due=D(2026, 2, 23), clear=recorded)


def _timetable(**fields) -> PartTimeTimetable:
    case = AttendanceCaseFactory()
    values = {
        "pupil": case.pupil,
        "school": case.school,
        "case": case,
        "reason": "Anxiety: a phased return",
        "agreed_hours": "Mornings",
        "start": D(2026, 1, 5),
        "planned_end": D(2026, 2, 27),
        "next_review_due": D(2026, 1, 19),
        "la_notified_on": D(2026, 1, 5),
        "created_by": case.lead_professional,
    }
    values.update(fields)
    return PartTimeTimetable.unscoped.create(**values)


def test_part_time_timetable_review_overdue():
    timetable = _timetable(planned_end=D(2026, 6, 1))

    def reviewed() -> None:
        timetable.next_review_due = D(2026, 2, 2)
        timetable.save()

    lifecycle("timetable_review_overdue", early=D(2026, 1, 19), due=D(2026, 1, 20), clear=reviewed)


def test_part_time_timetable_past_its_planned_end():
    timetable = _timetable(next_review_due=D(2026, 6, 1))

    def ended() -> None:
        timetable.ended_on = D(2026, 3, 2)
        timetable.save()

    lifecycle("timetable_past_end", early=D(2026, 2, 27), due=D(2026, 2, 28), clear=ended)


def test_part_time_timetable_la_not_told():
    timetable = _timetable(la_notified_on=None, start=D(2026, 1, 12), next_review_due=D(2026, 6, 1))

    def told() -> None:
        timetable.la_notified_on = D(2026, 1, 13)
        timetable.save()

    lifecycle("timetable_la_not_told", early=D(2026, 1, 11), due=D(2026, 1, 12), clear=told)


def test_a_non_resident_parent_waits_for_the_dsls_decision():
    school = school_with_terms()
    pupil = PupilFactory(school=school)
    link = PupilCarerFactory(pupil=pupil, lives_with_pupil=False)

    def decided() -> None:
        link.included_in_correspondence = True
        link.save()

    run(D(2026, 3, 2), "correspondence_decision")
    (flag,) = open_flags("correspondence_decision")
    assert flag.school == school
    assert flag.pupil == pupil
    run(D(2026, 3, 3), "correspondence_decision")
    assert Flag.unscoped.filter(kind="correspondence_decision").count() == 1
    decided()
    run(D(2026, 3, 3), "correspondence_decision")
    assert open_flags("correspondence_decision") == []


# Notices to Improve and referrals ------------------------------------------------


def running_notice():
    case = make_case()
    with at(D(2026, 1, 5)):
        registers(case, absent_weekdays=())
    return case, notice(case, D(2026, 2, 2))  # period ends 23 March (half term inside)


def test_new_unauthorised_absence_during_the_notice_is_due_the_next_school_day():
    case, issued = running_notice()
    set_mark(case, D(2026, 2, 13), "PM", "O")  # Friday before half term

    def outcome() -> None:
        issued.outcome = "not_improved"
        issued.outcome_on = D(2026, 2, 23)
        issued.save()

    lifecycle("notice_new_unauthorised", early=D(2026, 2, 22), due=D(2026, 2, 23), clear=outcome)


def test_a_user_resolved_new_absence_flag_comes_back_after_the_next_new_session():
    case, _issued = running_notice()
    set_mark(case, D(2026, 2, 3), "AM", "O")
    run(D(2026, 2, 4), "notice_new_unauthorised")
    (flag,) = open_flags("notice_new_unauthorised")
    flag.resolved_at, flag.resolution = timezone.now(), Flag.Resolution.BY_USER
    flag.resolution_note = "Spoke to mum: a dentist's appointment"
    flag.save()
    run(D(2026, 2, 5), "notice_new_unauthorised")
    assert open_flags("notice_new_unauthorised") == []
    set_mark(case, D(2026, 2, 5), "AM", "O")
    run(D(2026, 2, 6), "notice_new_unauthorised")
    (again,) = open_flags("notice_new_unauthorised")
    assert again.due_on == D(2026, 2, 6)


def test_the_notice_period_ending_within_five_school_days():
    _case, issued = running_notice()
    assert issued.period_ends_on == D(2026, 3, 23)  # a Monday
    # 5 school days left counting 17, 18, 19, 20 and 23 March: from Monday 16th.

    def outcome() -> None:
        issued.outcome = "improved"
        issued.outcome_on = D(2026, 3, 17)
        issued.save()

    lifecycle("notice_period_ending", early=D(2026, 3, 15), due=D(2026, 3, 16), clear=outcome)


def test_the_period_ended_with_no_outcome():
    _case, issued = running_notice()

    def outcome() -> None:
        issued.outcome = "improved"
        issued.outcome_on = D(2026, 3, 24)
        issued.save()

    lifecycle("notice_no_outcome", early=D(2026, 3, 23), due=D(2026, 3, 24), clear=outcome)


def _referral(case, issued, **fields) -> LegalReferral:
    values = {
        "case": case,
        "notice": issued,
        "submitted_at": dt.datetime(2026, 3, 25, 10, tzinfo=dt.UTC),
        "submitted_by": case.lead_professional,
    }
    values.update(fields)
    return LegalReferral.unscoped.create(**values)


def test_parents_told_and_no_referral_after_15_school_days():
    case, issued = running_notice()
    # Told on Friday 6 February: 15 school days (half term skipped) end on
    # Friday 6 March; flagged on Monday 9 March.
    ParentsToldOfReferral.unscoped.create(
        notice=issued,
        told_on=D(2026, 2, 6),
        method="letter",
        told_by="Ms Patel",
        recorded_by=case.lead_professional,
    )
    lifecycle(
        "referral_not_made",
        early=D(2026, 3, 8),
        due=D(2026, 3, 9),
        clear=lambda: _referral(case, issued),
    )


def test_a_referral_returned_by_the_la_until_resubmitted():
    case, issued = running_notice()
    first = _referral(case, issued)
    officer = UserFactory(
        role=Role.LA_OFFICER, school=None, local_authority=case.school.local_authority
    )
    first.status = LegalReferral.Status.RETURNED
    first.returned_at = dt.datetime(2026, 3, 26, 10, tzinfo=dt.UTC)
    first.returned_by = officer
    first.return_reasons = "Add the second meeting's notes"
    first.save()
    # Due the day it was returned (the school's next step), until a new version.
    run(D(2026, 3, 26), "referral_returned")
    (flag,) = open_flags("referral_returned")
    assert flag.due_on == D(2026, 3, 26)
    run(D(2026, 3, 27), "referral_returned")
    assert Flag.unscoped.filter(kind="referral_returned").count() == 1
    _referral(case, issued, version=2)
    run(D(2026, 3, 27), "referral_returned")
    assert open_flags("referral_returned") == []


def test_the_la_referral_waiting_longer_than_its_target(settings):
    settings.LA_REFERRAL_TARGET_DAYS = 10
    case, issued = running_notice()
    referral = _referral(case, issued)  # submitted 25 March: target 4 April

    def accepted() -> None:
        referral.status = LegalReferral.Status.ACCEPTED
        referral.accepted_at = timezone.now()
        referral.save()

    lifecycle("la_referral_waiting", early=D(2026, 4, 4), due=D(2026, 4, 5), clear=accepted)


def _penalty(**fields) -> PenaltyNotice:
    case = AttendanceCaseFactory()
    values = {
        "case": case,
        "recipient": PupilCarerFactory(pupil=case.pupil),
        "issued_on": D(2026, 1, 5),
        "issued_by": case.lead_professional,
        "updated_by": case.lead_professional,
        "sequence": 1,
        "amount_if_paid_by_day_21": 8000,
        "reduced_due_on": D(2026, 1, 30),
        "amount_if_paid_by_day_28": 16000,
        "full_due_on": D(2026, 2, 6),
        "offence_first_day": D(2025, 12, 1),
        "offence_last_day": D(2025, 12, 12),
    }
    values.update(fields)
    return PenaltyNotice.unscoped.create(**values)


def test_a_penalty_notice_unpaid_after_its_payment_period():
    penalty = _penalty()

    def paid() -> None:
        penalty.status, penalty.paid_on, penalty.amount_paid = "paid", D(2026, 2, 9), 16000
        penalty.save()

    lifecycle("la_penalty_unpaid", early=D(2026, 2, 6), due=D(2026, 2, 7), clear=paid)


def test_the_prosecution_time_limit_at_four_then_five_months():
    # Offence ended 12 December 2025: lay by 12 June 2026, flagged from
    # 12 April (four months) and 12 May (five months).
    penalty = _penalty()
    run(D(2026, 4, 11), "la_prosecution_four_months")
    assert open_flags("la_prosecution_four_months") == []
    run(D(2026, 4, 12), "la_prosecution_four_months")
    (four,) = open_flags("la_prosecution_four_months")
    assert four.due_on == D(2026, 4, 12)
    run(D(2026, 5, 11), "la_prosecution_five_months")
    assert open_flags("la_prosecution_five_months") == []
    run(D(2026, 5, 12), "la_prosecution_five_months")
    (five,) = open_flags("la_prosecution_five_months")
    assert five.due_on == D(2026, 5, 12)
    run(D(2026, 5, 12), "la_prosecution_five_months")
    assert Flag.unscoped.filter(kind="la_prosecution_five_months").count() == 1
    # The prosecution is decided and the information laid: the limit is met.
    penalty.status, penalty.prosecution_decided_on = "prosecution", D(2026, 5, 13)
    penalty.information_laid_on = D(2026, 5, 13)
    penalty.save()
    run(D(2026, 5, 13), "la_prosecution_five_months")
    assert open_flags("la_prosecution_five_months") == []


# The gap list ----------------------------------------------------------------


def test_absence_rising_over_four_school_weeks_with_no_contact_half_term_skipped():
    # As at Monday 2 March 2026 the last four school weeks are 26-30 January,
    # 2-6 February, 9-13 February and 23-27 February (half term skipped).
    case = make_case()
    with at(D(2026, 1, 5)):
        registers(case, absent_weekdays=())
    set_mark(case, D(2026, 2, 3), "AM", "O")
    set_mark(case, D(2026, 2, 10), "AM", "I")
    set_mark(case, D(2026, 2, 26), "PM", "O")
    set_mark(case, D(2026, 2, 27), "AM", "O")
    set_mark(case, D(2026, 2, 27), "PM", "O")

    def contacted() -> None:
        Contact.unscoped.create(
            pupil=case.pupil,
            school=case.school,
            occurred_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
            method="phone",
            made_by=case.lead_professional,
            reached=True,
        )

    # On Friday 27th only Thursday's absence is in; over the weekend the next
    # school day is Monday: due Monday 2 March.
    run(D(2026, 2, 27), "absence_rising_no_contact")
    assert open_flags("absence_rising_no_contact") == []
    flag = lifecycle(
        "absence_rising_no_contact",
        early=D(2026, 3, 1),
        due=D(2026, 3, 2),
        clear=contacted,
        cleared_on=D(2026, 3, 3),
    )
    assert flag.pupil == case.pupil
    assert "0, 1, 1, 3" in flag.detail
