"""A running Notice to Improve's improvement period is counted again when the
school's school days change (rule A3, rule A4): its calendar is added, or later
registers show which days it was open. The new date is audited and noted in the
case's chronology."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.models import SchoolTerm
from attendance.services.calendars import school_days_after, school_days_refresh
from cases.models import CaseHistoryNote
from cases.selectors_chronology import case_chronology
from core.models import AuditEvent
from notices.models import NoticeToImprove

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, UserFactory
from .test_school_days_estimated import LATEST_MARK, YEAR, marks_until

pytestmark = pytest.mark.django_db

EASTER_HOLIDAY = {dt.date(2026, 3, 30) + dt.timedelta(days=i) for i in range(12)}


def running_notice(case, *, outcome: str = "") -> NoticeToImprove:
    return NoticeToImprove.unscoped.create(
        case=case,
        issued_on=LATEST_MARK,
        issued_by=case.lead_professional,
        period_ends_on=school_days_after(school_id=case.school_id, day=LATEST_MARK, count=30),
        sufficient_improvement="No unauthorised absence",
        consequence="A referral",
        staff_contact="Ms Patel",
        outcome=outcome,
        outcome_on=LATEST_MARK if outcome else None,
    )


def add_calendar(school, acting_user=None) -> None:
    SchoolTerm.unscoped.create(
        school=school, name="Spring 2", start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)
    )
    SchoolTerm.unscoped.create(
        school=school, name="Summer 1", start=dt.date(2026, 4, 13), end=dt.date(2026, 5, 22)
    )
    school_days_refresh(pairs={(school.pk, YEAR)}, acting_user=acting_user)


def test_adding_the_calendar_recounts_the_running_notice_and_notes_it_in_the_chronology():
    """Issued Wednesday 4 March 2026 at a school with no calendar and marks to
    that day: the period ends Friday 17 April (working days, less Good Friday and
    Easter Monday). The school's terms then arrive (Spring 2 to 27 March, Summer
    1 from 13 April): 5-27 March is 17 school days, 13-29 April 13 more, so the
    30th school day is Wednesday 29 April 2026."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    notice = running_notice(case)
    assert notice.period_ends_on == dt.date(2026, 4, 17)
    admin = UserFactory(admin=True)

    add_calendar(case.school, acting_user=admin)

    notice.refresh_from_db()
    assert notice.period_ends_on == dt.date(2026, 4, 29)
    audit = AuditEvent.objects.filter(
        target_type="notices.NoticeToImprove", target_id=str(notice.pk)
    ).get()
    assert audit.changes["period_ends_on"] == ["2026-04-17", "2026-04-29"]
    assert audit.actor == admin
    _, entries = case_chronology(user=case.lead_professional, case_id=case.pk, kinds=["history"])
    (entry,) = entries
    assert entry.title == "Improvement period end date recalculated"
    assert "now ends on Wednesday 29 April 2026, not Friday 17 April 2026" in entry.detail
    assert "the school's calendar changed" in entry.detail


def test_later_registers_that_show_the_easter_holiday_recount_it_too():
    """No calendar; the registers arrive to Friday 17 April with no marks from
    30 March to 10 April (the Easter holiday). Marked days: 5-27 March (17),
    13-17 April (22); then working days: 20-24 April (27), 27-29 April (30).
    The period now ends Wednesday 29 April 2026."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    notice = running_notice(case)

    marks_until(case, dt.date(2026, 4, 17), skip=EASTER_HOLIDAY)

    notice.refresh_from_db()
    assert notice.period_ends_on == dt.date(2026, 4, 29)
    note = CaseHistoryNote.unscoped.get(case=case)
    assert "the school's registers changed" in note.text


def test_nothing_moves_when_the_date_is_unchanged_or_the_notice_has_its_outcome():
    """A day's marks that change no date write nothing; a notice whose outcome
    is recorded keeps the date it ran to."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    running_notice(case)

    marks_until(case, LATEST_MARK)  # the same file again
    assert not CaseHistoryNote.unscoped.exists()

    other = AttendanceCaseFactory()
    marks_until(other, LATEST_MARK)
    ended = running_notice(other, outcome=NoticeToImprove.Outcome.NOT_IMPROVED)
    add_calendar(other.school)
    ended.refresh_from_db()
    assert ended.period_ends_on == dt.date(2026, 4, 17)
    assert not CaseHistoryNote.unscoped.filter(case=other).exists()


def test_a_term_added_through_the_admin_recounts_the_notice():
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    notice = running_notice(case)
    SchoolTerm.unscoped.create(
        school=case.school, name="Spring 2", start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)
    )
    admin = UserFactory(admin=True)

    response = signed_in_client(admin).post(
        "/admin/attendance/schoolterm/add/",
        {"school": case.school_id, "name": "Summer 1", "start": "2026-04-13", "end": "2026-05-22"},
    )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.period_ends_on == dt.date(2026, 4, 29)
    assert CaseHistoryNote.unscoped.get(case=case).by == admin
