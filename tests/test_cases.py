"""The case itself: opening, the case page, changing and closing, and who may."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from cases.models import AttendanceCase, Barrier
from cases.services.casework import CaseClosed, StaleEdit, case_close, case_update, record_create
from cases.services.sharing import case_share
from core.models import AuditEvent

from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    LocalAuthorityFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def autumn_term():
    with time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_a_lead_opens_a_case_from_the_pupil_and_it_keeps_the_figures(lead, school):
    pupil = PupilFactory(school=school, legal_forename="Amara")
    client = signed_in_client(lead)

    response = client.post(
        reverse("cases:case_open", args=[pupil.pk]),
        {"reason": "Missing most Fridays.", "stage": "targeted", "lead_professional": lead.pk},
        follow=True,
    )

    case = AttendanceCase.unscoped.get(pupil=pupil)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    assert "Meetings held: 0 of the minimum 3" in response.text
    assert case.opened_by == lead
    assert case.opening_figures["upn"] == pupil.upn
    assert AuditEvent.objects.filter(action="create", target_id=str(case.pk)).exists()


def test_one_open_case_per_pupil_per_school(lead, school):
    case = AttendanceCaseFactory(school=school, lead_professional=lead)
    response = signed_in_client(lead).get(reverse("cases:case_open", args=[case.pupil.pk]))
    assert response.status_code == 302
    assert response.url == reverse("cases:case_detail", args=[case.pk])


def test_discouraged_words_are_saved_with_a_gentle_warning(lead, school):
    pupil = PupilFactory(school=school)
    response = signed_in_client(lead).post(
        reverse("cases:case_open", args=[pupil.pk]),
        {
            "reason": "Mum says it is School Refusal.",
            "stage": "targeted",
            "lead_professional": lead.pk,
        },
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    assert (
        AttendanceCase.unscoped.get(pupil=pupil).opening_reason == "Mum says it is School Refusal."
    )


@pytest.mark.parametrize("name", ["cases:case_detail", "cases:case_change", "cases:case_close"])
def test_a_lead_of_another_school_gets_404_for_every_case_url(name):
    case = AttendanceCaseFactory()
    outsider = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    assert signed_in_client(outsider).get(reverse(name, args=[case.pk])).status_code == 404


def test_read_only_staff_see_the_case_but_cannot_change_it():
    case = AttendanceCaseFactory()
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    client = signed_in_client(staff)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Change lead or stage" not in page.text
    assert client.get(reverse("cases:case_change", args=[case.pk])).status_code == 403
    with pytest.raises(Exception, match="see this case but not change it"):
        case_update(acting_user=staff, case_id=case.pk, version=case.version, stage="support_first")


def test_the_las_officer_can_read_a_case_shared_with_their_la():
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    other_la = UserFactory(la_user=True, local_authority=LocalAuthorityFactory(code="999"))
    # Need to know: not before the school shares it (tests/test_need_to_know.py).
    assert (
        signed_in_client(officer).get(reverse("cases:case_detail", args=[case.pk])).status_code
        == 404
    )
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM")
    assert (
        signed_in_client(officer).get(reverse("cases:case_detail", args=[case.pk])).status_code
        == 200
    )
    assert (
        signed_in_client(other_la).get(reverse("cases:case_detail", args=[case.pk])).status_code
        == 404
    )


def test_a_closed_case_refuses_every_change_with_a_clear_message():
    case = AttendanceCaseFactory(closed=True)
    lead = case.lead_professional
    with pytest.raises(CaseClosed, match="closed on 1 December 2025"):
        case_update(acting_user=lead, case_id=case.pk, version=case.version, stage="support_first")
    with pytest.raises(CaseClosed):
        record_create(
            acting_user=lead,
            case_id=case.pk,
            model=Barrier,
            kind="transport",
            factor="push",
            description="Bus route cut",
            identified_on=dt.date(2025, 10, 1),
        )
    page = signed_in_client(lead).get(reverse("cases:case_detail", args=[case.pk]))
    assert "A closed case cannot be changed" in page.text


def test_a_stale_edit_is_refused_and_changes_nothing():
    case = AttendanceCaseFactory()
    lead = case.lead_professional
    case_update(acting_user=lead, case_id=case.pk, version=1, stage="support_first")
    with pytest.raises(StaleEdit):
        case_update(acting_user=lead, case_id=case.pk, version=1, stage="universal")
    assert AttendanceCase.unscoped.get(pk=case.pk).stage == "support_first"


def test_closing_records_who_why_and_moves_the_case_off_the_open_caseload():
    case = AttendanceCaseFactory()
    lead = case.lead_professional
    case_close(acting_user=lead, case_id=case.pk, version=case.version, reason="improved")
    closed = AttendanceCase.unscoped.get(pk=case.pk)
    assert (closed.status, closed.stage, closed.closed_by) == ("closed", "closed", lead)
    client = signed_in_client(lead)
    assert case.pupil.display_name not in client.get(reverse("cases:caseload")).text
    assert case.pupil.display_name in client.get(reverse("cases:caseload") + "?status=closed").text


def test_the_notice_stages_are_not_reached_from_the_change_form():
    case = AttendanceCaseFactory()
    with pytest.raises(Exception, match="Notice to Improve or a referral moves the case on"):
        case_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            version=case.version,
            stage="notice_to_improve",
        )


@pytest.mark.parametrize("cases", [1, 15])
def test_caseload_and_case_page_query_counts_do_not_grow(cases, django_assert_max_num_queries):
    school = SchoolFactory()
    lead = UserFactory(school=school)
    made = [AttendanceCaseFactory(school=school, lead_professional=lead) for _ in range(cases)]
    client = signed_in_client(lead)
    with django_assert_max_num_queries(10):
        client.get(reverse("cases:caseload"))
    with django_assert_max_num_queries(30):
        client.get(reverse("cases:case_detail", args=[made[0].pk]))


def test_the_caseload_pages_through_many_cases_with_the_count_shown():
    """55 open cases: 50 on the first page, the other 5 on the second, none twice."""
    school = SchoolFactory()
    lead = UserFactory(school=school)
    made = [AttendanceCaseFactory(school=school, lead_professional=lead) for _ in range(55)]
    client = signed_in_client(lead)

    first = client.get(reverse("cases:caseload"))
    assert "Showing 1 to 50 of 55 cases" in first.text
    assert 'href="?page=2"' in first.text
    second = client.get(reverse("cases:caseload"), {"page": "2"})
    assert "Showing 51 to 55 of 55 cases" in second.text
    shown = [row.case.pk for row in first.context["page"]] + [
        row.case.pk for row in second.context["page"]
    ]
    assert sorted(shown) == sorted(c.pk for c in made)


def test_error_summary_links_go_to_the_first_radio_of_a_group(lead, school):
    pupil = PupilFactory(school=school)
    response = signed_in_client(lead).post(
        reverse("cases:case_open", args=[pupil.pk]), {"reason": "", "lead_professional": lead.pk}
    )
    assert 'href="#id_stage_1"' in response.text
    assert 'id="id_stage_1"' in response.text
    assert 'href="#id_reason"' in response.text


def test_opening_a_case_brings_in_this_years_first_day_calls(lead, school):
    from cases.models import Contact

    pupil = PupilFactory(school=school)
    call = Contact.unscoped.create(
        pupil=pupil,
        school=school,
        made_by=lead,
        reached=False,
        method="phone",
        occurred_at=dt.datetime(2025, 9, 22, 8, 45, tzinfo=dt.UTC),
    )
    signed_in_client(lead).post(
        reverse("cases:case_open", args=[pupil.pk]),
        {"reason": "Three Mondays missed.", "stage": "targeted", "lead_professional": lead.pk},
    )
    call.refresh_from_db()
    assert call.case == AttendanceCase.unscoped.get(pupil=pupil)


def test_the_case_page_contents_link_to_every_section():
    case = AttendanceCaseFactory()
    page = (
        signed_in_client(case.lead_professional)
        .get(reverse("cases:case_detail", args=[case.pk]))
        .text
    )
    for anchor in ("voice", "contacts", "meetings", "support", "plan", "timetables", "chronology"):
        assert f'href="#{anchor}"' in page
        assert f'id="{anchor}"' in page


def test_la_users_find_referrals_in_the_navigation_and_schools_the_daily_review():
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    home = signed_in_client(officer).get(reverse("home")).text
    assert f'href="{reverse("notices:inbox")}"' in home
    caseload = signed_in_client(case.lead_professional).get(reverse("cases:caseload")).text
    assert f'href="{reverse("notices:review")}"' in caseload
    assert f'href="{reverse("notices:inbox")}"' not in caseload
