"""On PostgreSQL the nightly run judges most kinds of flag in the database
(cases.hooks.SqlJudge) and their Python detectors judge on SQLite: the two
must find the same subjects, due on the same day, in the same words. Checked
day by day from before half term to after Easter (the clocks change on 29
March), at a school with term dates and one whose school days are estimated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role, School
from attendance.models import PupilFigures
from cases.hooks import Due, Night, all_flag_kinds
from cases.models import ActionPlan, Contact, PartTimeTimetable, SupportMeeting
from notices.models import LegalReferral, ParentsToldOfReferral, PenaltyNotice

from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_notices import set_mark
from .test_pathway_rules import at, make_case, notice, registers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
D = dt.date
UTC = dt.UTC


def _figures(pupil, school, as_at: dt.date, **flags: bool) -> None:
    PupilFigures.unscoped.create(
        pupil=pupil,
        school=school,
        as_at=as_at,
        on_roll=True,
        possible_sessions=160,
        attended_sessions=120,
        authorised_absence_sessions=16,
        unauthorised_absence_sessions=24,  # 25% missed: the rate's words exact
        missing_marks=0,
        unauthorised_last_10_school_weeks=12,
        refreshed_at=timezone.now(),
        national_threshold_met=flags.get("threshold", False),
        persistent_absence=flags.get("persistent", False),
        severe_absence=flags.get("severe", False),
    )


def _meeting(case, when: dt.datetime, **fields) -> None:
    SupportMeeting.unscoped.create(
        case=case,
        sequence=SupportMeeting.unscoped.filter(case=case).count() + 1,
        scheduled_for=when,
        method="in_person",
        created_by=case.lead_professional,
        updated_by=case.lead_professional,
        **fields,
    )


def _contact(case, when: dt.datetime) -> None:
    Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        occurred_at=when,
        method="phone",
        made_by=case.lead_professional,
        reached=True,
    )


def _caseload() -> None:
    """A little of everything every kind reads, with dates on the edges."""
    with at(D(2026, 1, 5)):
        calendar = make_case()  # a school with term dates
    school = calendar.school
    estimated = SchoolFactory()  # no term dates, no marks: working days
    for where, as_at in ((school, D(2026, 2, 13)), (estimated, D(2026, 3, 27))):
        _figures(PupilFactory(school=where), where, as_at, threshold=True, persistent=True)
        _figures(PupilFactory(school=where), where, as_at - dt.timedelta(days=20), severe=True)
    with_case = AttendanceCaseFactory(school=school)
    _figures(with_case.pupil, school, D(2026, 3, 4), threshold=True)

    # Plans: never reviewed, reviewed, and a next review date sooner than the
    # first; contacts and meetings just either side of midnight in England.
    for agreed, next_due, every in (
        (D(2026, 2, 2), D(2026, 2, 23), 14),
        (D(2026, 2, 16), D(2026, 2, 20), 21),
        (D(2026, 3, 2), D(2026, 4, 1), 0),
    ):
        case = AttendanceCaseFactory(school=school)
        ActionPlan.unscoped.create(
            case=case,
            target_attendance=95,
            agreed_on=agreed,
            target_date=agreed + dt.timedelta(days=60),
            review_every_days=every,
            next_review_due=next_due,
            created_by=case.lead_professional,
            updated_by=case.lead_professional,
        )
    for opened, contacted in (
        (dt.datetime(2026, 2, 9, 9, tzinfo=UTC), dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),
        (dt.datetime(2026, 3, 1, 23, 30, tzinfo=UTC), None),
        (dt.datetime(2026, 2, 2, 9, tzinfo=UTC), dt.datetime(2026, 3, 29, 23, 30, tzinfo=UTC)),
    ):
        case = AttendanceCaseFactory(school=estimated, opened_at=opened)
        if contacted:
            _contact(case, contacted)
        _meeting(case, dt.datetime(2026, 3, 12, 23, 30, tzinfo=UTC))
        _meeting(
            case,
            dt.datetime(2026, 2, 13, 10, tzinfo=UTC),
            held_on=D(2026, 2, 13),
            outcome="Agreed a plan",
        )
    _meeting(calendar, dt.datetime(2026, 2, 13, 15, tzinfo=UTC))
    _meeting(calendar, dt.datetime(2026, 3, 27, 23, 30, tzinfo=UTC), held_on=D(2026, 3, 28))

    for start, end, review, told in (
        (D(2026, 2, 16), D(2026, 3, 20), D(2026, 3, 2), None),
        (D(2026, 2, 23), D(2026, 4, 10), D(2026, 2, 27), D(2026, 2, 24)),
    ):
        case = AttendanceCaseFactory(school=school)
        PartTimeTimetable.unscoped.create(
            pupil=case.pupil,
            school=school,
            case=case,
            reason="A phased return",
            agreed_hours="Mornings",
            start=start,
            planned_end=end,
            next_review_due=review,
            la_notified_on=told,
            created_by=case.lead_professional,
        )
    PupilCarerFactory(pupil=with_case.pupil, lives_with_pupil=False)

    # A notice with unauthorised sessions in its period, one told of a
    # referral, referrals submitted and returned, penalty notices.
    with at(D(2026, 1, 5)):
        registers(calendar, absent_weekdays=())
    issued = notice(calendar, D(2026, 2, 2))
    for day, session in ((D(2026, 2, 3), "AM"), (D(2026, 2, 13), "PM"), (D(2026, 3, 10), "PM")):
        set_mark(calendar, day, session, "O")
    second = make_case()
    with at(D(2026, 1, 5)):
        registers(second, absent_weekdays=())
    # Absence rising over the four school weeks to 27 February: 0, 1, 1, 3.
    for day, session in (
        (D(2026, 2, 3), "AM"),
        (D(2026, 2, 10), "AM"),
        (D(2026, 2, 26), "PM"),
        (D(2026, 2, 27), "AM"),
        (D(2026, 2, 27), "PM"),
    ):
        set_mark(second, day, session, "O")
    told = notice(second, D(2026, 1, 19))
    ParentsToldOfReferral.unscoped.create(
        notice=told,
        told_on=D(2026, 2, 6),
        method="letter",
        told_by="Ms Patel",
        recorded_by=second.lead_professional,
    )
    officer = UserFactory(role=Role.LA_OFFICER, school=None, local_authority=school.local_authority)
    for case, version, status, at_time in (
        (calendar, 1, LegalReferral.Status.RETURNED, dt.datetime(2026, 3, 29, 23, 30, tzinfo=UTC)),
        (second, 1, LegalReferral.Status.SUBMITTED, dt.datetime(2026, 2, 27, 23, 30, tzinfo=UTC)),
    ):
        returned = status == LegalReferral.Status.RETURNED
        LegalReferral.unscoped.create(
            case=case,
            notice=issued if case == calendar else told,
            version=version,
            status=status,
            submitted_at=dt.datetime(2026, 2, 26, 10, tzinfo=UTC),
            submitted_by=case.lead_professional,
            returned_at=at_time if returned else None,
            returned_by=officer if returned else None,
            return_reasons="Add the meeting notes" if returned else "",
        )
    for full_due in (D(2026, 2, 6), D(2026, 3, 31)):
        case = AttendanceCaseFactory(school=school)
        PenaltyNotice.unscoped.create(
            case=case,
            recipient=PupilCarerFactory(pupil=case.pupil),
            issued_on=full_due - dt.timedelta(days=32),
            issued_by=case.lead_professional,
            updated_by=case.lead_professional,
            sequence=1,
            amount_if_paid_by_day_21=8000,
            reduced_due_on=full_due - dt.timedelta(days=7),
            amount_if_paid_by_day_28=16000,
            full_due_on=full_due,
            offence_first_day=D(2025, 12, 1),
            offence_last_day=D(2025, 12, 12),
        )


def _in_database(night: Night, judge) -> dict[str, Due]:  # type: ignore[no-untyped-def]
    sql, params = judge.due(night)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**night.sql_params(), **params})
        rows = cursor.fetchall()
    found = {}
    for row in rows:
        due = judge.build(night, tuple(row))
        assert due is not None, f"the database found {row[0]} due; its rule does not"
        assert due.subject == row[0]
        found[due.subject] = due
    assert len(found) == len(rows), "a subject due twice"
    return found


def test_every_kind_judged_in_the_database_finds_what_its_detector_finds():
    _caseload()
    kinds = {code: kind for code, kind in all_flag_kinds().items() if kind.judge is not None}
    assert len(kinds) >= 17
    schools = list(School.objects.order_by("pk").values_list("pk", flat=True))
    raised: set[str] = set()
    day = D(2026, 2, 9)
    while day <= D(2026, 4, 20):
        with at(day):
            night = Night(day, schools)
            for code, kind in kinds.items():
                expected: dict[str, Due] = {}
                for found in kind.detect(night):
                    expected.setdefault(found.subject, found)
                assert _in_database(night, kind.judge) == expected, f"{code} on {day}"
                if expected:
                    raised.add(code)
        day += dt.timedelta(days=1)
    # The caseload raised nearly every kind at some point: the comparison
    # was not between two empty lists.
    assert raised == set(kinds), set(kinds) - raised
