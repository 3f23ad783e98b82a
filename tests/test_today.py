"""Each role's today page, the home page: the flags grouped by kind, oldest
first, with counts and a link to the form that resolves each (issue 13, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from cases.models import Flag
from cases.nightly import run_nightly

from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_flags_kinds import _penalty, figures
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 9)


def school_with_flags(school=None, pupils: int = 2):
    school = school or SchoolFactory()
    for _ in range(pupils):
        figures(
            PupilFactory(school=school),
            school,
            MONDAY - dt.timedelta(days=1),
            national_threshold_met=True,
        )
    AttendanceCaseFactory(school=school, opened_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    PupilCarerFactory(pupil=PupilFactory(school=school), lives_with_pupil=False)
    return school


def page(client_for, user) -> str:
    with at(MONDAY):
        response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_leads_today_page_groups_the_flags_with_counts_and_links(client_for):
    school = school_with_flags()
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    html = page(client_for, lead)
    assert '<h1 class="govuk-heading-l">Today</h1>' in html
    assert 'data-kind="threshold_no_case"' in html
    assert 'data-kind="contact_overdue"' in html
    # National threshold first, then casework, then the DSL's.
    assert (
        html.index("threshold_no_case")
        < html.index("contact_overdue")
        < html.index("correspondence_decision")
    )
    flag = Flag.unscoped.filter(kind="threshold_no_case").first()
    assert reverse("cases:case_open", args=[flag.pupil_id]) in html
    assert reverse("cases:flag_resolve", args=[flag.pk]) in html
    assert 'data-total="4"' in html


def test_the_dsl_sees_their_decisions_first(client_for):
    school = school_with_flags()
    dsl = UserFactory(role=Role.DSL, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    html = page(client_for, dsl)
    assert html.index("correspondence_decision") < html.index("threshold_no_case")


def test_read_only_staff_see_the_list_without_actions(client_for):
    school = school_with_flags()
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    html = page(client_for, staff)
    assert 'data-kind="threshold_no_case"' in html
    assert "/resolve/" not in html
    flag = Flag.unscoped.first()
    with at(MONDAY):
        response = client_for(staff).get(reverse("cases:flag_resolve", args=[flag.pk]))
    assert response.status_code == 403


def test_another_schools_flags_are_not_shown(client_for):
    school_with_flags()
    other = UserFactory(role=Role.ATTENDANCE_LEAD, school=SchoolFactory())
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    html = page(client_for, other)
    assert "data-kind" not in html
    assert "Nothing on your list today." in html


def test_the_la_officer_sees_penalty_notices_and_the_ways_to_the_inbox(client_for):
    penalty = _penalty()
    officer = UserFactory(
        role=Role.LA_OFFICER, school=None, local_authority=penalty.case.school.local_authority
    )
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    html = page(client_for, officer)
    assert 'data-kind="la_penalty_unpaid"' in html
    assert reverse("notices:inbox") in html
    assert reverse("notices:penalty_notices", args=[penalty.case_id]) in html
    assert penalty.case.school.name in html


def test_the_la_manager_sees_the_figures(client_for):
    manager = UserFactory(
        role=Role.LA_MANAGER, school=None, local_authority=SchoolFactory().local_authority
    )
    html = page(client_for, manager)
    assert reverse("attendance:la_overview") in html
    assert "/resolve/" not in html


def test_a_system_administrator_keeps_the_schools_home_page(client_for):
    admin = UserFactory(role=Role.SYSTEM_ADMIN, school=None)
    html = page(client_for, admin)
    assert '<h1 class="govuk-heading-l">Home</h1>' in html


def test_a_flag_resolved_on_its_page_leaves_the_list_and_is_kept(client_for):
    school = school_with_flags(pupils=1)
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    flag = Flag.unscoped.get(kind="threshold_no_case")
    client = client_for(lead)
    url = reverse("cases:flag_resolve", args=[flag.pk])
    with at(MONDAY):
        assert client.get(url).status_code == 200
        response = client.post(url, {"note": ""})
        assert response.status_code == 200
        assert (
            "Say how it was dealt with" in response.content.decode()
            or "required" in response.content.decode()
        )
        response = client.post(url, {"note": "Her family moves away on Friday"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolution == Flag.Resolution.BY_USER
    assert 'data-kind="threshold_no_case"' not in page(client_for, lead)


def test_the_today_page_reads_a_bounded_number_of_queries(
    client_for, django_assert_max_num_queries
):
    school = school_with_flags(pupils=3)
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    client = client_for(lead)
    with at(MONDAY), django_assert_max_num_queries(14):
        client.get(reverse("home"))
    school_with_flags(school, pupils=40)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    with at(MONDAY), django_assert_max_num_queries(14):
        html = client.get(reverse("home")).content.decode()
    assert "And 18 more." in html  # 43 needing a case, 25 listed


def test_a_user_turns_the_morning_digest_off_and_gets_none(client_for):
    from django.core import mail

    from cases.tasks import nightly
    from core.models import AuditEvent

    school = school_with_flags(pupils=1)
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    client = client_for(lead)
    assert f'href="{reverse("email_settings")}"' in page(client_for, lead)
    assert client.get(reverse("email_settings")).status_code == 200
    response = client.post(reverse("email_settings"), {"morning_digest": "no"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.morning_digest is False
    assert AuditEvent.objects.filter(target_type="accounts.User", target_id=str(lead.pk)).exists()
    others = {u.email for u in school.staff.exclude(pk=lead.pk)}
    with at(MONDAY):
        nightly.delay().get()
    assert lead.email not in {m.to[0] for m in mail.outbox}
    assert {m.to[0] for m in mail.outbox} <= others
