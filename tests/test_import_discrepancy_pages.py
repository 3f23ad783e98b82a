"""The school that holds a pupil sees what another school's file said
differently, and deals with it: for a pupil who really left, recording the
leaving date lets the other school's file import when it is sent again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from attendance.models import ImportDiscrepancy
from core.models import AuditEvent
from pupils.models import Enrolment, Pupil

from .conftest import signed_in_client
from .factories import UserFactory
from .test_import_ownership import (
    ABSENT_WEEK,
    PRESENT_WEEK,
    brookfield_file,
    brookfield_week,
    northmoor_pupil,
    northmoor_week,
    run_for,
)

pytestmark = pytest.mark.django_db

LIST = reverse("attendance:discrepancy_list")


@pytest.fixture
def refused(northmoor, brookfield):
    pupil = northmoor_pupil(northmoor)
    data = brookfield_file(pupil.upn, northmoor_week(ABSENT_WEEK), brookfield_week(PRESENT_WEEK))
    run_for(brookfield, data)
    return pupil, data


def test_the_holding_school_sees_the_differences_and_the_other_school_does_not(
    refused, northmoor, brookfield
):
    pupil, _ = refused
    ours = signed_in_client(UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor))
    theirs = signed_in_client(UserFactory(role=Role.ATTENDANCE_LEAD, school=brookfield))

    dashboard = ours.get(reverse("attendance:school_dashboard", args=[northmoor.pk])).text
    assert "Another school's file differs from your records for 1 pupil" in dashboard
    page = ours.get(LIST).text
    assert str(pupil) in page
    assert "Brookfield Academy imported" in page
    assert "Mark on 8 September 2025 AM" in page
    assert "1 Moor Lane" in page  # what Northmoor holds, shown to Northmoor

    assert str(pupil) not in theirs.get(LIST).text
    discrepancy = ImportDiscrepancy.unscoped.get()
    forged = theirs.get(reverse("attendance:discrepancy_resolve", args=[discrepancy.pk]))
    assert forged.status_code == 404


def test_an_la_officer_sees_it_too_and_school_staff_may_not_deal_with_it(refused, northmoor, la):
    officer = signed_in_client(UserFactory(role=Role.LA_OFFICER, local_authority=la, school=None))
    assert "Northmoor High" in officer.get(LIST).text
    staff = signed_in_client(UserFactory(role=Role.SCHOOL_STAFF, school=northmoor))
    discrepancy = ImportDiscrepancy.unscoped.get()
    assert (
        staff.get(reverse("attendance:discrepancy_resolve", args=[discrepancy.pk])).status_code
        == 403
    )


def test_recording_the_leaving_date_lets_the_other_schools_file_import(
    refused, northmoor, brookfield
):
    pupil, data = refused
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor)
    client = signed_in_client(lead)
    discrepancy = ImportDiscrepancy.unscoped.get()
    url = reverse("attendance:discrepancy_resolve", args=[discrepancy.pk])

    empty = client.post(url, {"resolution": ""})
    assert "Enter what was done" in empty.text
    too_early = client.post(
        url,
        {"resolution": "Moved", "left_on_0": "1", "left_on_1": "8", "left_on_2": "2025"},
    )
    assert "The leaving date must be on or after 1 September 2025" in too_early.text

    done = client.post(
        url,
        {
            "resolution": "Moved to Brookfield",
            "left_on_0": "12",
            "left_on_1": "9",
            "left_on_2": "2025",
        },
    )

    assert done.status_code == 302
    enrolment = Enrolment.unscoped.get(pupil=pupil, school=northmoor)
    assert enrolment.end == dt.date(2025, 9, 12)
    discrepancy.refresh_from_db()
    assert (discrepancy.resolved_by, discrepancy.resolution) == (lead, "Moved to Brookfield")
    assert AuditEvent.objects.filter(target_type="pupils.Enrolment", actor=lead).exists()
    # Posting the same form again (a second tab) changes nothing.
    assert client.post(url, {"resolution": "again"}).status_code == 404

    report, _ = run_for(brookfield, data)
    assert report.counts.pupils_not_imported == 0
    assert (
        Pupil.objects.for_user(UserFactory(role=Role.ATTENDANCE_LEAD, school=brookfield))
        .filter(pk=pupil.pk)
        .exists()
    )


def test_the_list_makes_a_fixed_number_of_queries(
    refused, northmoor, brookfield, django_assert_max_num_queries
):
    _, data = refused
    for _ in range(3):
        run_for(brookfield, data)
    client = signed_in_client(UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor))
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.text.count("Deal with this") == 4


def test_a_long_list_pages_25_at_a_time_oldest_first(refused, northmoor, brookfield):
    _, data = refused
    for _ in range(27):
        run_for(brookfield, data)
    client = signed_in_client(UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor))

    first = client.get(LIST)
    assert "To check (28)" in first.text
    assert "Showing 1 to 25 of 28" in first.text
    assert first.text.count("Deal with this") == 25
    assert 'href="?page=2#waiting-heading"' in first.text
    second = client.get(LIST, {"page": "2"})
    assert second.text.count("Deal with this") == 3
    shown = [d.pk for d in first.context["waiting"]] + [d.pk for d in second.context["waiting"]]
    assert shown == list(
        ImportDiscrepancy.unscoped.order_by("created_at", "pk").values_list("pk", flat=True)
    )
