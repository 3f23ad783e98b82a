"""Every pupil page checked against every kind of visitor.

Someone outside the pupil's school (or its LA) gets exactly the page a missing
pupil gets, so a forged URL tells them nothing.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role

from .conftest import signed_in_client
from .factories import LocalAuthorityFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    home_la = LocalAuthorityFactory(code="926")
    school_a = SchoolFactory(local_authority=home_la, name="Riverside Academy")
    school_b = SchoolFactory(local_authority=home_la, name="Hillcrest Primary")
    other_la_school = SchoolFactory(local_authority=LocalAuthorityFactory(code="873"))
    pupil = PupilFactory(school=school_a, legal_forename="Amara", legal_surname="Okafor")
    return {
        "pupil": pupil,
        "visitors": {
            "lead of the pupil's school": UserFactory(school=school_a),
            "DSL of the pupil's school": UserFactory(role=Role.DSL, school=school_a),
            "read-only staff of the pupil's school": UserFactory(
                role=Role.SCHOOL_STAFF, school=school_a
            ),
            "LA officer of the pupil's LA": UserFactory(la_user=True, local_authority=home_la),
            "LA manager of the pupil's LA": UserFactory(
                la_user=True, role=Role.LA_MANAGER, local_authority=home_la
            ),
            "lead of another school in the LA": UserFactory(school=school_b),
            "lead of a school in another LA": UserFactory(school=other_la_school),
            "LA officer of another LA": UserFactory(
                la_user=True, local_authority=other_la_school.local_authority
            ),
        },
    }


ALLOWED = {
    "lead of the pupil's school",
    "DSL of the pupil's school",
    "read-only staff of the pupil's school",
    "LA officer of the pupil's LA",
    "LA manager of the pupil's LA",
}


@pytest.mark.parametrize(
    "visitor",
    [
        "lead of the pupil's school",
        "DSL of the pupil's school",
        "read-only staff of the pupil's school",
        "LA officer of the pupil's LA",
        "LA manager of the pupil's LA",
        "lead of another school in the LA",
        "lead of a school in another LA",
        "LA officer of another LA",
    ],
)
def test_pupil_page_is_shown_only_within_scope(world, visitor):
    client = signed_in_client(world["visitors"][visitor])
    response = client.get(reverse("cases:pupil_detail", args=[world["pupil"].pk]))
    if visitor in ALLOWED:
        assert response.status_code == 200
        assert "Amara Okafor" in response.text
    else:
        assert response.status_code == 404
        assert "Amara" not in response.text


def test_lead_of_school_b_asking_for_school_a_pupil_gets_the_same_404_as_a_missing_pupil(world):
    client = signed_in_client(world["visitors"]["lead of another school in the LA"])

    forbidden = client.get(reverse("cases:pupil_detail", args=[world["pupil"].pk]))
    missing = client.get(reverse("cases:pupil_detail", args=[world["pupil"].pk + 1000]))

    assert forbidden.status_code == missing.status_code == 404
    assert without_csrf_token(forbidden.text) == without_csrf_token(missing.text)


def without_csrf_token(html):
    # The sign-out form's token is masked afresh on every page, and the script's
    # CSP nonce is new on every response; nothing else may differ.
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_pupil_list_never_lists_another_schools_pupils(world):
    client = signed_in_client(world["visitors"]["lead of another school in the LA"])
    response = client.get(reverse("cases:pupil_list"))
    assert response.status_code == 200
    assert "Okafor" not in response.text
    response = client.get(reverse("cases:pupil_list"), {"q": world["pupil"].upn})
    assert "Okafor" not in response.text


@pytest.mark.parametrize("name", ["cases:pupil_list", "home"])
def test_signed_out_visitors_are_sent_to_sign_in(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signed_out_visitor_asking_for_a_pupil_is_sent_to_sign_in_not_told_anything(world):
    response = Client().get(reverse("cases:pupil_detail", args=[world["pupil"].pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
