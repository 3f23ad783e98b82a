"""Counting school days forward at a school with no term calendar (rule A3):
the dates with register marks up to the latest mark, then working days
(weekdays less England and Wales bank holidays), flagged as estimated so the
notice pages ask for the school's term dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import (
    school_days_after,
    school_days_estimated,
    school_days_refresh,
)
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import AttendanceCase
from notices.models import NoticeToImprove
from notices.selectors import case_notices

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, UserFactory
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db

YEAR = 2025
LATEST_MARK = dt.date(2026, 3, 4)  # a Wednesday


def marks_until(case: AttendanceCase, last: dt.date, *, skip=()) -> None:
    """Present every weekday from 5 January 2026 to `last`, except the dates in
    `skip` (days the school was closed: no mark)."""
    chars = list(empty_marks(YEAR))
    day = dt.date(2026, 1, 5)
    while day <= last:
        if day.weekday() < 5 and day not in skip:
            chars[mark_index(day, "AM")] = "/"
            chars[mark_index(day, "PM")] = "\\"
        day += dt.timedelta(days=1)
    registers_merge(
        incoming=[IncomingRegister(case.pupil_id, case.school_id, YEAR, "".join(chars))]
    )
    school_days_refresh(pairs={(case.school_id, YEAR)}, after_marks_change=True)


HALF_TERM = {dt.date(2026, 2, 16) + dt.timedelta(days=i) for i in range(5)}


def test_beyond_the_latest_mark_school_days_are_working_days_less_bank_holidays():
    """No calendar, marks up to Wednesday 4 March 2026. Counting by hand from
    Thursday 5 March, weekdays only: 5-6 Mar (2), 9-13 (7), 16-20 (12), 23-27
    (17), 30 Mar-2 Apr (21); Good Friday 3 April and Easter Monday 6 April are
    bank holidays (Banking and Financial Dealings Act 1971, Sch. 1); 7-10 Apr
    (25), 13-17 Apr (30). So the 30th school day, the end of a Notice to
    Improve's period (rule A4), is Friday 17 April 2026, and the 15th, the
    referral deadline, is Wednesday 25 March 2026. Before this was fixed, days
    without marks were never school days and the 30th came out as 12 October
    2026, the 15th as 21 September 2026."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)

    thirtieth = school_days_after(school_id=case.school_id, day=LATEST_MARK, count=30)
    fifteenth = school_days_after(school_id=case.school_id, day=LATEST_MARK, count=15)

    assert thirtieth == dt.date(2026, 4, 17)
    assert fifteenth == dt.date(2026, 3, 25)
    assert school_days_estimated(school_id=case.school_id, day=LATEST_MARK, count=30)
    assert school_days_estimated(school_id=case.school_id, day=LATEST_MARK, until=thirtieth)


def test_up_to_the_latest_mark_the_registers_decide_and_are_not_an_estimate():
    """Half term 16 to 20 February 2026 has no marks: counting from Friday 13
    February, the next school day is Monday 23 February, not the 16th, and the
    5th is Friday 27 February; all of it before the latest mark, so no estimate."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK, skip=HALF_TERM)

    day = dt.date(2026, 2, 13)
    assert school_days_after(school_id=case.school_id, day=day, count=1) == dt.date(2026, 2, 23)
    assert school_days_after(school_id=case.school_id, day=day, count=5) == dt.date(2026, 2, 27)
    assert not school_days_estimated(school_id=case.school_id, day=day, count=5)


def test_a_calendar_is_used_where_there_is_one_and_is_not_an_estimate():
    """With Spring 2 to 27 March and Summer 1 from 13 April (Easter holiday
    between), counted from 4 March: 5-6 Mar (2), 9-27 Mar (17), 13-17 Apr (22),
    20-24 Apr (27), 27-29 Apr (30): Wednesday 29 April 2026."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    SchoolTerm.unscoped.create(
        school=case.school, name="Spring 2", start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)
    )
    SchoolTerm.unscoped.create(
        school=case.school, name="Summer 1", start=dt.date(2026, 4, 13), end=dt.date(2026, 5, 22)
    )
    school_days_refresh(pairs={(case.school_id, YEAR)})

    end = school_days_after(school_id=case.school_id, day=LATEST_MARK, count=30)

    assert end == dt.date(2026, 4, 29)
    assert not school_days_estimated(school_id=case.school_id, day=LATEST_MARK, until=end)


def test_a_calendar_counts_what_it_says_even_a_bank_holiday_left_open():
    """A school's calendar is taken as entered (rule A3): the Early May bank
    holiday, Monday 4 May 2026, is a school day unless entered as a closure."""
    case = AttendanceCaseFactory()
    SchoolTerm.unscoped.create(
        school=case.school, name="Summer 1", start=dt.date(2026, 4, 13), end=dt.date(2026, 5, 22)
    )
    school_days_refresh(pairs={(case.school_id, YEAR)})
    friday = dt.date(2026, 5, 1)
    assert school_days_after(school_id=case.school_id, day=friday, count=1) == dt.date(2026, 5, 4)
    SchoolClosure.unscoped.create(school=case.school, date=dt.date(2026, 5, 4), kind="bank_holiday")
    school_days_refresh(pairs={(case.school_id, YEAR)})
    assert school_days_after(school_id=case.school_id, day=friday, count=1) == dt.date(2026, 5, 5)


def test_the_running_notice_counts_its_days_left_the_same_way():
    """The case page's "school days left" counts the same estimate: on the day
    of issue, 4 March 2026, all 30 are left (before, none were after the last
    mark, and the period looked over)."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    NoticeToImprove.unscoped.create(
        case=case,
        issued_on=LATEST_MARK,
        issued_by=case.lead_professional,
        period_ends_on=school_days_after(school_id=case.school_id, day=LATEST_MARK, count=30),
        sufficient_improvement="No unauthorised absence",
        consequence="A referral",
        staff_contact="Ms Patel",
    )

    found = case_notices(case=case, day=LATEST_MARK)

    assert found.school_days_left == 30


def test_the_notice_pages_say_the_dates_are_estimated_and_ask_for_term_dates():
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    sentence = "These dates are estimated from weekdays less bank holidays"

    with at(LATEST_MARK):
        page = signed_in_client(case.lead_professional).get(
            reverse("notices:notice_new", args=[case.pk])
        )
    text = " ".join(page.content.decode().split())
    assert sentence in text
    assert "Ask your system administrator to add the school's term dates" in text.replace(
        "&#x27;", "'"
    )

    SchoolTerm.unscoped.create(
        school=case.school, name="Spring 2", start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)
    )
    SchoolTerm.unscoped.create(
        school=case.school, name="Summer 1", start=dt.date(2026, 4, 13), end=dt.date(2026, 5, 22)
    )
    school_days_refresh(pairs={(case.school_id, YEAR)})
    with at(LATEST_MARK):
        page = signed_in_client(case.lead_professional).get(
            reverse("notices:notice_new", args=[case.pk])
        )
    assert sentence not in page.content.decode()


def test_the_case_page_links_an_administrator_to_the_schools_term_dates():
    """A system administrator (who keeps the calendars) gets the link to the
    school's terms on the case page's running notice."""
    case = AttendanceCaseFactory()
    marks_until(case, LATEST_MARK)
    NoticeToImprove.unscoped.create(
        case=case,
        issued_on=LATEST_MARK,
        issued_by=case.lead_professional,
        period_ends_on=dt.date(2026, 4, 17),
        sufficient_improvement="No unauthorised absence",
        consequence="A referral",
        staff_contact="Ms Patel",
    )
    with at(LATEST_MARK):
        page = signed_in_client(UserFactory(admin=True)).get(
            reverse("cases:case_detail", args=[case.pk])
        )
    calendar = reverse("admin:attendance_schoolterm_changelist")
    assert f"{calendar}?school__id__exact={case.school_id}" in page.content.decode()
