"""GET /api/v1/pupils/{upn}/attendance/: the same figures as the command, for
callers with a token, scoped like every page (ADR 0001), and documented in the
public OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ApiToken, Role, School, User
from accounts.services.tokens import api_token_create
from core.models import AuditEvent
from pupils.models import Pupil

from .conftest import signed_in_client
from .factories import (
    EnrolmentFactory,
    LocalAuthorityFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_attendance_figures_command import (
    FIGURE_KEYS,
    FRIDAY,
    MONDAY,
    eight_present_one_ill_one_unexplained,
    give_marks,
    week_of,
)

pytestmark = pytest.mark.django_db

UNKNOWN_UPN = "A123456789012"


@pytest.fixture
def pupil(school: School) -> Pupil:
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    return pupil


def url(upn: str) -> str:
    return reverse("pupil-attendance", kwargs={"upn": upn})


def token_client(user: User) -> Client:
    """A client that is never signed in: it sends the user's token on every request."""
    _, key = api_token_create(user=user, name="Tests", acting_user=user)
    return Client(headers={"Authorization": f"Token {key}"})


def command_json(upn: str, on: str) -> dict[str, object]:
    out = StringIO()
    call_command("attendance_figures", "--upn", upn, "--on", on, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_returns_the_same_json_as_the_command(lead, pupil):
    response = token_client(lead).get(url(pupil.upn), {"on": FRIDAY.isoformat()})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == FIGURE_KEYS
    assert body == command_json(pupil.upn, FRIDAY.isoformat())
    assert body["attendance_rate"] == 80.0
    assert body["persistent_absence"] is True


def test_rates_are_null_with_no_possible_sessions(lead, school):
    pupil = PupilFactory(school=school)
    body = token_client(lead).get(url(pupil.upn), {"on": FRIDAY.isoformat()}).json()
    assert body == command_json(pupil.upn, FRIDAY.isoformat())
    assert body["attendance_rate"] is None
    assert body["absence_rate"] is None


def test_a_pupil_who_moved_school_counts_marks_from_both(lead, school):
    """The figures cover every enrolment (rule A2), and the new school may read
    the marks the old school recorded."""
    old_school = SchoolFactory()
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=old_school, end=dt.date(2025, 1, 10))
    EnrolmentFactory(pupil=pupil, school=school, start=dt.date(2025, 1, 13))
    give_marks(pupil, old_school, eight_present_one_ill_one_unexplained())
    give_marks(pupil, school, week_of(MONDAY + dt.timedelta(days=7), ["/", "\\"] * 5))

    body = token_client(lead).get(url(pupil.upn), {"on": "2025-01-17"}).json()

    assert body["possible_sessions"] == 20
    assert body["attended_sessions"] == 18
    assert body == command_json(pupil.upn, "2025-01-17")


def test_on_defaults_to_today_in_england(lead, pupil):
    # 23:30 UTC on Friday 13 June is already Saturday in London (BST).
    with time_machine.travel(dt.datetime(2025, 6, 13, 23, 30, tzinfo=dt.UTC), tick=False):
        body = token_client(lead).get(url(pupil.upn)).json()
    assert body["as_at"] == "2025-06-14"
    assert body["possible_sessions"] == 10


def test_upn_is_matched_whatever_its_case(lead, pupil):
    body = token_client(lead).get(url(pupil.upn.lower()), {"on": FRIDAY.isoformat()}).json()
    assert body["upn"] == pupil.upn


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("10/01/2025", "Enter the date as YYYY-MM-DD, for example 2025-01-31."),
        ("2025-02-30", "Enter the date as YYYY-MM-DD, for example 2025-01-31."),
        ("yesterday", "Enter the date as YYYY-MM-DD, for example 2025-01-31."),
        ("9999-12-31", "Enter a date from 1 September 2000 to 31 August 2100."),
    ],
)
def test_a_bad_date_is_a_400_that_says_what_is_wrong(lead, pupil, on, message):
    response = token_client(lead).get(url(pupil.upn), {"on": on})
    assert response.status_code == 400
    assert response.json() == {"on": [message]}


# Tenancy: who may see the figures of a pupil at `school`.


def _same_school(school: School) -> User:
    return UserFactory(role=Role.SCHOOL_STAFF, school=school)


def _same_la(school: School) -> User:
    return UserFactory(la_user=True, local_authority=school.local_authority)


def _manager_same_la(school: School) -> User:
    return UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=school.local_authority)


def _admin(school: School) -> User:
    return UserFactory(admin=True)


def _other_school(school: School) -> User:
    return UserFactory(role=Role.ATTENDANCE_LEAD, school=SchoolFactory())


def _other_la(school: School) -> User:
    return UserFactory(la_user=True, local_authority=LocalAuthorityFactory(code="801"))


@pytest.mark.parametrize(
    "make_user", [_same_school, _same_la, _manager_same_la, _admin], ids=lambda f: f.__name__
)
def test_colleagues_their_la_and_admins_see_the_figures(school, pupil, make_user):
    response = token_client(make_user(school)).get(url(pupil.upn), {"on": FRIDAY.isoformat()})
    assert response.status_code == 200
    assert response.json()["possible_sessions"] == 10


@pytest.mark.parametrize("make_user", [_other_school, _other_la], ids=lambda f: f.__name__)
def test_outside_the_scope_is_exactly_as_missing_as_an_unknown_upn(school, pupil, make_user):
    client = token_client(make_user(school))

    not_yours = client.get(url(pupil.upn), {"on": FRIDAY.isoformat()})
    not_there = client.get(url(UNKNOWN_UPN), {"on": FRIDAY.isoformat()})

    assert not_yours.status_code == not_there.status_code == 404
    assert not_yours.content == not_there.content
    assert not_yours["Content-Type"] == not_there["Content-Type"] == "application/json"


def test_no_token_is_a_401_in_json_not_the_sign_in_page(pupil):
    response = Client().get(url(pupil.upn))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_wrong_token_is_a_401(pupil):
    response = Client(headers={"Authorization": "Token not-a-real-token"}).get(url(pupil.upn))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "That token is not valid: it may have expired or been revoked."
    }


def test_a_deactivated_users_token_stops_working(lead, pupil):
    client = token_client(lead)
    lead.is_active = False
    lead.save()
    assert client.get(url(pupil.upn)).status_code == 401


def test_the_browser_session_works_too(lead, pupil):
    response = signed_in_client(lead).get(url(pupil.upn), {"on": FRIDAY.isoformat()})
    assert response.status_code == 200
    assert response.json() == command_json(pupil.upn, FRIDAY.isoformat())


def test_a_role_without_the_view_pupil_permission_is_refused(lead, pupil, monkeypatch):
    # Every role may view pupils today; the check guards roles added later.
    monkeypatch.setattr(User, "has_perm", lambda self, perm, obj=None: False)
    response = token_client(lead).get(url(pupil.upn))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow you to view pupils' records."}


def test_only_get_is_allowed(lead, pupil):
    assert token_client(lead).post(url(pupil.upn)).status_code == 405


@pytest.mark.parametrize("classmates", [0, 25])
def test_query_count_does_not_grow_with_the_school_or_the_years(
    lead, school, classmates, django_assert_max_num_queries
):
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    give_marks(pupil, school, week_of(dt.date(2023, 10, 2), ["N"] * 10))
    for _ in range(classmates):
        give_marks(PupilFactory(school=school), school, eight_present_one_ill_one_unexplained())
    client = token_client(lead)

    # Token and user, pupil, enrolments, calendars, registers, school names.
    with django_assert_max_num_queries(6):
        response = client.get(url(pupil.upn), {"on": FRIDAY.isoformat()})
    assert response.status_code == 200


def _api_views(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


def test_every_api_view_is_left_to_drf_to_authenticate():
    """LoginRequiredMiddleware would send a token-only request to the HTML sign-in
    page. DRF's views exempt themselves (DRF 3.16+); a plain Django view added
    under /api/, or an older DRF, would not, and fails here."""
    api = [
        (route, view)
        for route, view in _api_views(get_resolver().url_patterns)
        if route.startswith("api/")
    ]
    assert len(api) >= 2
    for route, view in api:
        assert getattr(view, "login_required", True) is False, route


# The OpenAPI schema.


def test_schema_is_public_and_documents_the_endpoint():
    response = Client().get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/pupils/{upn}/attendance/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"upn", "on"}
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}
    figures = schema["components"]["schemas"]["AttendanceFigures"]
    assert set(figures["properties"]) == FIGURE_KEYS
    assert set(figures["required"]) == FIGURE_KEYS
    assert figures["properties"]["attendance_rate"]["type"] == "number"
    assert figures["properties"]["attendance_rate"]["nullable"] is True
    assert figures["properties"]["persistent_absence"]["type"] == "boolean"
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_matches_the_figures_dataclass():
    """A figure added to `Figures` must be added to the API too, or the API and
    the command would stop returning the same object."""
    from dataclasses import fields

    from attendance.api.serializers import AttendanceFiguresSerializer
    from attendance.figures import Figures

    assert set(AttendanceFiguresSerializer().fields) == {f.name for f in fields(Figures)}


# manage.py create_api_token


def create_api_token(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_create_api_token_prints_a_token_that_works_and_stores_only_its_hash(lead, pupil):
    key = create_api_token(lead.email.upper())

    token = ApiToken.objects.get(user=lead)
    assert key not in str(ApiToken.objects.values())
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    response = Client(headers={"Authorization": f"Token {key}"}).get(url(pupil.upn))
    assert response.status_code == 200


def test_create_api_token_makes_a_new_token_each_time_and_audits_it_without_the_key(lead):
    first = create_api_token(lead.email)
    again = create_api_token(lead.email, "--name", "Data warehouse")

    assert again != first
    assert sorted(ApiToken.objects.filter(user=lead).values_list("name", flat=True)) == [
        "Data warehouse",
        "Made with create_api_token",
    ]
    events = AuditEvent.objects.filter(target_type="accounts.User", target_id=str(lead.pk))
    assert [e.action for e in events] == [AuditEvent.Action.CREATE] * 2
    assert "Data warehouse" in events.order_by("pk").last().note  # type: ignore[union-attr]
    # The key is the secret: it must not be copied into the audit trail.
    assert first not in str(events.values())
    assert again not in str(events.values())


def test_create_api_token_rotate_revokes_the_old_tokens(lead, pupil):
    old = create_api_token(lead.email)
    new = create_api_token(lead.email, "--rotate")

    assert new != old
    assert Client(headers={"Authorization": f"Token {old}"}).get(url(pupil.upn)).status_code == 401
    assert Client(headers={"Authorization": f"Token {new}"}).get(url(pupil.upn)).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, target_id=str(lead.pk))


def test_create_api_token_refuses_unknown_and_deactivated_users(lead):
    with pytest.raises(
        CommandError, match=re.escape("No user with email address nobody@example.org.")
    ):
        create_api_token("nobody@example.org")
    lead.is_active = False
    lead.save()
    with pytest.raises(CommandError, match="is deactivated"):
        create_api_token(lead.email)
    assert not ApiToken.objects.filter(user=lead).exists()
