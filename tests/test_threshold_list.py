"""The LA-wide list of pupils meeting the national threshold (rule A3), with
their school and case stage: filtered, paginated and scoped."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import registers_merge
from attendance.services.snapshots import figures_refresh
from cases.services.sharing import case_share

from .factories import (
    AttendanceCaseFactory,
    EnrolmentFactory,
    LocalAuthorityFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_figures_refresh import YEAR, register, week_of

pytestmark = pytest.mark.django_db
AS_AT = dt.date(2025, 9, 19)


def truant(school, name, weeks):
    """A pupil with every session of `weeks` marked O (unauthorised): 10 sessions a week."""
    pupil = PupilFactory(legal_surname=name)
    EnrolmentFactory(pupil=pupil, school=school, start=dt.date(2025, 9, 1))
    sessions = {}
    for monday in weeks:
        sessions.update(week_of(monday, "O", "O"))
    for monday in ("2025-09-01", "2025-09-08", "2025-09-15"):
        if monday not in weeks:
            sessions.update(week_of(monday, "/", "\\"))
    return pupil, register(pupil, school, sessions)


@pytest.fixture
def borough(la, northmoor, brookfield):
    """Two schools of the LA with threshold pupils, one school of another LA."""
    other_la = LocalAuthorityFactory(code="873")
    elsewhere = SchoolFactory(local_authority=other_la, name="Faraway School")
    absent_two_weeks, r1 = truant(northmoor, "Adeyemi", ["2025-09-01", "2025-09-08"])
    __, r2 = truant(brookfield, "Baker", ["2025-09-15"])
    __, r3 = truant(northmoor, "Chowdhury", [])
    __, r4 = truant(elsewhere, "Dunne", ["2025-09-01"])
    registers_merge(incoming=[r1, r2, r3, r4])
    school_days_refresh(pairs={(s.pk, YEAR) for s in (northmoor, brookfield, elsewhere)})
    figures_refresh(as_at=AS_AT)
    case = AttendanceCaseFactory(school=northmoor, pupil=absent_two_weeks, stage="support_first")
    return {"case": case, "names": ("Adeyemi", "Baker", "Chowdhury", "Dunne")}


def test_la_officer_sees_every_threshold_pupil_of_their_la_with_school_and_stage(
    borough, la, client_for
):
    officer = UserFactory(la_user=True, local_authority=la)
    page = client_for(officer).get(reverse("cases:threshold_list"))

    html = page.content.decode()
    assert page.status_code == 200
    # 20 unauthorised sessions first, then 10; below the threshold and the other
    # LA's pupil are not listed.
    assert html.index("Adeyemi") < html.index("Baker")
    assert "Chowdhury" not in html
    assert "Dunne" not in html
    assert "Northmoor High" in html
    assert "Brookfield Academy" in html
    assert "Support First" in html
    # The stage, but not the case file until the school shares it (need to know).
    assert reverse("cases:case_detail", args=[borough["case"].pk]) not in html
    assert "Case file not shared with the LA" in html
    assert "No open case" in html
    assert "Showing 1 to 2 of 2 pupils" in html
    case = borough["case"]
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM")
    html = client_for(officer).get(reverse("cases:threshold_list")).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in html
    assert "Case file not shared with the LA" not in html


def test_filters_by_school_and_by_having_no_case(borough, la, brookfield, client_for):
    client = client_for(UserFactory(la_user=True, local_authority=la))
    url = reverse("cases:threshold_list")

    at_brookfield = client.get(url, {"school": brookfield.pk}).content.decode()
    assert "Baker" in at_brookfield
    assert "Adeyemi" not in at_brookfield

    without_case = client.get(url, {"stage": "none"}).content.decode()
    assert "Baker" in without_case
    assert "Adeyemi" not in without_case

    in_support_first = client.get(url, {"stage": "support_first"}).content.decode()
    assert "Adeyemi" in in_support_first
    assert "Baker" not in in_support_first


def test_a_school_lead_sees_only_their_own_school(borough, northmoor, client_for):
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor)
    html = client_for(lead).get(reverse("cases:threshold_list")).content.decode()
    assert "Adeyemi" in html
    assert "Baker" not in html


def test_a_forged_school_filter_shows_nothing_from_outside_the_scope(borough, client_for, la):
    officer = UserFactory(la_user=True, local_authority=la)
    elsewhere = SchoolFactory(name="Elsewhere")
    html = client_for(officer).get(reverse("cases:threshold_list"), {"school": elsewhere.pk})
    assert "No pupils meeting the threshold match these filters" in html.content.decode()


def test_la_menu_offers_the_threshold_list_and_managers_their_figures(la, client_for):
    officer = UserFactory(la_user=True, local_authority=la)
    manager = UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=la)
    officer_home = client_for(officer).get(reverse("home")).content.decode()
    manager_home = client_for(manager).get(reverse("home")).content.decode()
    assert reverse("cases:threshold_list") in officer_home
    assert reverse("notices:referral_figures") in manager_home
    assert reverse("notices:referral_figures") not in officer_home


def test_query_count_does_not_grow_with_pupils(
    borough, la, northmoor, client_for, django_assert_max_num_queries
):
    client = client_for(UserFactory(la_user=True, local_authority=la))
    url = reverse("cases:threshold_list")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(8):
        client.get(url)
