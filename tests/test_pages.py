"""The pages a lead opens every day: what they show, and that their cost does not
grow with the number of pupils."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import signed_in_client
from .factories import EnrolmentFactory, PupilCarerFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_home_lists_the_schools_the_user_can_see_with_pupils_on_roll(lead, school):
    PupilFactory.create_batch(3, school=school)
    left = PupilFactory()
    EnrolmentFactory(pupil=left, school=school, end=dt.date(2024, 12, 20))
    SchoolFactory(name="A school in the same LA", local_authority=school.local_authority)

    response = signed_in_client(lead).get(reverse("home"))

    assert response.status_code == 200
    rows = {s.name: s.pupils_on_roll for s in response.context["schools"]}
    assert rows == {school.name: 3}


def test_pupil_list_shows_pupils_on_roll_and_finds_them_by_name_or_upn(lead, school):
    amara = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    PupilFactory(school=school, legal_forename="Jack", legal_surname="Whitfield")
    client = signed_in_client(lead)

    everyone = client.get(reverse("cases:pupil_list"))
    assert "Okafor" in everyone.text
    assert "Whitfield" in everyone.text

    by_name = client.get(reverse("cases:pupil_list"), {"q": "okaf"})
    assert "Okafor" in by_name.text
    assert "Whitfield" not in by_name.text

    by_upn = client.get(reverse("cases:pupil_list"), {"q": amara.upn.lower()})
    assert [p.pk for p in by_upn.context["page"]] == [amara.pk]


def test_pupil_list_pages_through_a_large_school(lead, school):
    PupilFactory.create_batch(60, school=school)
    client = signed_in_client(lead)
    first = client.get(reverse("cases:pupil_list"))
    second = client.get(reverse("cases:pupil_list"), {"page": 2})
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 10
    assert not {p.pk for p in first.context["page"]} & {p.pk for p in second.context["page"]}


def test_pupil_page_shows_every_parent_and_carer(lead, school):
    pupil = PupilFactory(school=school)
    PupilCarerFactory(pupil=pupil, carer__forename="Grace", carer__interpreter_needed=True)
    PupilCarerFactory(
        pupil=pupil,
        carer__forename="Tomasz",
        relationship="father",
        lives_with_pupil=False,
    )
    response = signed_in_client(lead).get(reverse("cases:pupil_detail", args=[pupil.pk]))
    assert "Grace" in response.text
    assert "Tomasz" in response.text
    assert "Interpreter needed" in response.text


@pytest.mark.parametrize("pupils", [1, 40])
def test_pupil_list_query_count_does_not_grow_with_pupils(
    lead, school, pupils, django_assert_max_num_queries
):
    PupilFactory.create_batch(pupils, school=school)
    client = signed_in_client(lead)
    with django_assert_max_num_queries(8):
        client.get(reverse("cases:pupil_list"))


@pytest.mark.parametrize("carers", [1, 6])
def test_pupil_page_query_count_does_not_grow_with_family_size(
    lead, school, carers, django_assert_max_num_queries
):
    pupil = PupilFactory(school=school)
    PupilCarerFactory.create_batch(carers, pupil=pupil)
    client = signed_in_client(lead)
    with django_assert_max_num_queries(8):
        client.get(reverse("cases:pupil_detail", args=[pupil.pk]))


@pytest.mark.parametrize("schools", [1, 12])
def test_home_query_count_does_not_grow_with_schools(schools, django_assert_max_num_queries):
    from .factories import LocalAuthorityFactory, UserFactory

    la = LocalAuthorityFactory()
    for _ in range(schools):
        PupilFactory(school=SchoolFactory(local_authority=la))
    client = signed_in_client(UserFactory(la_user=True, local_authority=la))
    # One of them loads the officer's authenticator app (two-factor sign-in),
    # one counts the LA's schools for the pages of its list.
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))


def test_an_las_schools_page_25_at_a_time_each_with_its_pupils_on_roll():
    from .factories import LocalAuthorityFactory, UserFactory

    la = LocalAuthorityFactory()
    schools = [SchoolFactory(local_authority=la, name=f"School {n:02d}") for n in range(27)]
    for _ in range(3):
        PupilFactory(school=schools[0])
    EnrolmentFactory(school=schools[0], start=dt.date(2019, 9, 1), end=dt.date(2020, 7, 20))
    client = signed_in_client(UserFactory(la_user=True, local_authority=la))

    first = client.get(reverse("home"))
    assert "Showing 1 to 25 of 27 schools" in first.text
    assert [s.name for s in first.context["schools"]][:2] == ["School 00", "School 01"]
    # Pupils on roll today: the pupil who left in 2020 is not counted.
    assert first.context["schools"][0].pupils_on_roll == 3
    assert 'href="?page=2#schools-heading"' in first.text
    second = client.get(reverse("home"), {"page": "2"})
    assert "Showing 26 to 27 of 27 schools" in second.text
    assert [s.name for s in second.context["schools"]] == ["School 25", "School 26"]


def test_a_page_that_does_not_exist_gets_the_services_own_404(lead):
    response = signed_in_client(lead).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_sign_in_page_is_public_and_every_other_page_is_not():
    assert Client().get(reverse("login")).status_code == 200
    assert Client().get(reverse("password_reset")).status_code == 200


def test_server_error_page_needs_nothing_that_might_have_failed(rf):
    from core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
