"""A pupil's access log (issue 14, item 3): the school's DSL and the LA's
manager see who opened or changed the pupil's record, from where; nobody
else does, and nobody outside the pupil's school or LA."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from core.audit import record_view
from core.models import AuditEvent

from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import penalty_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(school):
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school, full_name="Priya Shah")
    return AttendanceCaseFactory(school=school, lead_professional=lead)


def log_url(case) -> str:
    return reverse("cases:access_log", args=[case.pupil_id])


def test_the_dsl_sees_who_opened_the_pupil_page_the_case_file_and_the_referral(case, school):
    lead = case.lead_professional
    client = signed_in_client(lead)
    client.get(reverse("cases:pupil_detail", args=[case.pupil_id]))
    client.get(reverse("cases:case_detail", args=[case.pk]))
    # The referral bundle is the notices app's record: found through the hook.
    decision = penalty_route(case, PupilCarerFactory(pupil=case.pupil))
    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    request = type("R", (), {"user": officer, "META": {"REMOTE_ADDR": "10.1.2.3"}})()
    record_view(request, target=decision.referral, what="referral bundle opened")  # type: ignore[arg-type]
    # Another pupil's record is not in this pupil's log.
    other = AttendanceCaseFactory(school=school, lead_professional=lead)
    client.get(reverse("cases:case_detail", args=[other.pk]))

    dsl = UserFactory(role=Role.DSL, school=school)
    page = signed_in_client(dsl).get(log_url(case))

    assert page.status_code == 200
    events = list(page.context["page"])
    assert [e.note.split(" (from")[0] for e in events] == [
        "referral bundle opened",
        "case file",
        "pupil and family page",
    ]
    assert "Priya Shah" in page.text
    assert "School attendance lead" in page.text
    assert "from 10.1.2.3" in page.text
    assert events[0].actor == officer


def test_the_la_manager_sees_it_and_the_pupil_page_links_to_it(case, school):
    manager = UserFactory(
        la_user=True, role=Role.LA_MANAGER, local_authority=school.local_authority
    )
    client = signed_in_client(manager)
    assert client.get(log_url(case)).status_code == 200
    pupil_page = client.get(reverse("cases:pupil_detail", args=[case.pupil_id])).text
    assert log_url(case) in pupil_page


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.SCHOOL_STAFF, Role.LA_OFFICER])
def test_other_roles_may_not_open_it_nor_see_the_link(case, school, role):
    where = (
        {"la_user": True, "local_authority": school.local_authority}
        if role == Role.LA_OFFICER
        else {"school": school}
    )
    client = signed_in_client(UserFactory(role=role, **where))
    assert client.get(log_url(case)).status_code == 403
    assert log_url(case) not in client.get(reverse("cases:pupil_detail", args=[case.pupil_id])).text


def test_a_dsl_of_another_school_gets_not_found(case):
    elsewhere = UserFactory(role=Role.DSL, school=SchoolFactory())
    assert signed_in_client(elsewhere).get(log_url(case)).status_code == 404


def test_the_log_pages_with_a_fixed_number_of_queries(case, school, django_assert_max_num_queries):
    dsl = UserFactory(role=Role.DSL, school=school)
    client = signed_in_client(dsl)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=case.lead_professional,
            action=AuditEvent.Action.VIEW_SENSITIVE,
            target_type="cases.AttendanceCase",
            target_id=str(case.pk),
            target_label="case",
            note=f"case file (from 10.0.0.{n})",
        )
        for n in range(60)
    )
    with django_assert_max_num_queries(14):
        first = client.get(log_url(case))
    assert "Showing 1 to 50 of 60 entries" in first.text
    assert len(client.get(log_url(case), {"page": 2}).context["page"]) == 10
