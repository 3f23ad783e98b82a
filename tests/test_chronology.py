"""The chronology: everything in the case, from its records, in date order."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import Barrier, Contact, SupportMeeting, WishesAndFeelings
from cases.services.casework import record_create

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(dt.datetime(2025, 10, 3, 16, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case():
    case = AttendanceCaseFactory()
    lead = case.lead_professional
    Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        made_by=lead,
        reached=True,
        method="phone",
        occurred_at=dt.datetime(2025, 9, 22, 9, 5, tzinfo=dt.UTC),
        reason_established="Stomach ache",
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=WishesAndFeelings,
        gathered_on=dt.date(2025, 9, 17),
        gathered_by=lead,
        relationship="Form tutor",
        setting="Library",
        why_hard="Lunchtimes are noisy",
        what_would_help="A quiet space",
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=Barrier,
        kind="anxiety",
        factor="push",
        description="Worried about lunchtimes",
        identified_on=dt.date(2025, 9, 24),
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=SupportMeeting,
        sequence=1,
        scheduled_for=dt.datetime(2025, 9, 29, 15, 30, tzinfo=dt.UTC),
        method="in_person",
    )
    chars = list(empty_marks(2025))
    for day in (15, 16, 17, 18, 19, 22):
        chars[mark_index(dt.date(2025, 9, day), "AM")] = "/"
        chars[mark_index(dt.date(2025, 9, day), "PM")] = "N" if day == 19 else "\\"
    registers_merge(
        incoming=[IncomingRegister(case.pupil_id, case.school_id, 2025, "".join(chars))]
    )
    school_days_refresh(pairs={(case.school_id, 2025)})
    return case


def test_everything_in_the_case_appears_once_in_date_order(case):
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:chronology", args=[case.pk])
    )
    entries = response.context["entries"]
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    titles = [e.title for e in entries]
    assert titles[0] == "Case opened"
    assert "Wishes and feelings recorded" in titles
    assert "Phone call with the family (reached)" in titles
    assert "Barrier identified: Anxiety or emotional wellbeing (Push (away from school))" in titles
    assert "Support First meeting 1 scheduled" in titles
    week = next(e for e in entries if e.title == "Attendance, week of 15 September")
    assert week.detail == "9 of 10 sessions attended (90.0%); 1 unauthorised"


def test_the_chronology_can_be_filtered(case):
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:chronology", args=[case.pk]), {"kind": ["voice", "contact"]}
    )
    assert {e.kind for e in response.context["entries"]} == {"voice", "contact"}


def test_another_schools_lead_gets_404(case):
    outsider = UserFactory(school=SchoolFactory())
    response = signed_in_client(outsider).get(reverse("cases:chronology", args=[case.pk]))
    assert response.status_code == 404


def test_entries_on_the_same_day_are_in_time_order(case):
    lead = case.lead_professional
    for hour in (12, 9):
        Contact.unscoped.create(
            pupil=case.pupil,
            school=case.school,
            case=case,
            made_by=lead,
            reached=False,
            method="text",
            occurred_at=dt.datetime(2025, 9, 23, hour, 15, tzinfo=dt.UTC),
        )
    response = signed_in_client(lead).get(
        reverse("cases:chronology", args=[case.pk]), {"kind": "contact"}
    )
    times = [e.time.hour for e in response.context["entries"] if e.date == dt.date(2025, 9, 23)]
    assert times == [10, 13]  # 09:15 and 12:15 UTC are 10:15 and 13:15 in London (BST)
