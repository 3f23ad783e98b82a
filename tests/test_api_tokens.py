"""API tokens (issue 14, item 6): stored hashed, shown once, expiring after
API_TOKEN_LIFETIME_DAYS, revocable by their user and an administrator,
throttled per token, and reading only what their user may."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Role
from accounts.services.tokens import api_token_create
from core.models import AuditEvent

from .conftest import signed_in_client
from .factories import PupilFactory, SchoolFactory, UserFactory
from .test_attendance_api import url
from .test_attendance_figures_command import eight_present_one_ill_one_unexplained, give_marks

pytestmark = pytest.mark.django_db

MADE = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pupil(school):
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    return pupil


def with_key(key: str) -> Client:
    return Client(headers={"Authorization": f"Token {key}"})


def test_a_token_made_on_the_page_is_shown_once_and_reads_the_api(lead, pupil):
    client = signed_in_client(lead)
    made = client.post(reverse("api_tokens"), {"name": "School MIS"}, follow=True)

    key = made.context["new"]["key"]
    assert key in made.text
    assert "it will not be shown again" in made.text
    token = ApiToken.objects.get(user=lead)
    assert token.name == "School MIS"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values())
    # Shown once: the list opened again no longer has it.
    assert key not in client.get(reverse("api_tokens")).text
    assert with_key(key).get(url(pupil.upn)).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, target_id=str(lead.pk), note__contains="School MIS"
    ).exists()


def test_the_same_form_posted_twice_makes_one_token(lead):
    client = signed_in_client(lead)
    client.post(reverse("api_tokens"), {"name": "Warehouse"})
    again = client.post(reverse("api_tokens"), {"name": "Warehouse"}, follow=True)
    assert ApiToken.objects.filter(user=lead).count() == 1
    assert "already saved" in again.text


def test_a_token_without_a_name_is_refused_with_a_message(lead):
    response = signed_in_client(lead).post(reverse("api_tokens"), {"name": ""})
    assert "Enter what the token is for" in response.text
    assert not ApiToken.objects.exists()


def test_a_token_stops_working_when_it_expires(lead, pupil, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    with time_machine.travel(MADE, tick=False):
        token, key = api_token_create(user=lead, name="MIS", acting_user=lead)
    assert token.expires_at == MADE + dt.timedelta(days=30)
    with time_machine.travel(MADE + dt.timedelta(days=29, hours=23), tick=False):
        assert with_key(key).get(url(pupil.upn)).status_code == 200
    with time_machine.travel(MADE + dt.timedelta(days=30), tick=False):
        response = with_key(key).get(url(pupil.upn))
        assert response.status_code == 401
        assert "expired or been revoked" in response.json()["detail"]
        page = signed_in_client(lead).get(reverse("api_tokens"))
        assert "Expired" in page.text


def test_the_user_revokes_their_own_token_and_it_stops_at_once(lead, pupil):
    token, key = api_token_create(user=lead, name="MIS", acting_user=lead)
    client = signed_in_client(lead)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.text
    assert with_key(key).get(url(pupil.upn)).status_code == 401
    token.refresh_from_db()
    assert (token.revoked_by, token.status) == (lead, "Revoked")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, actor=lead, note__contains="revoked"
    ).exists()


def test_another_users_token_cannot_be_revoked_by_a_forged_address(lead, school):
    other = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    token, _ = api_token_create(user=other, name="Theirs", acting_user=other)
    response = signed_in_client(lead).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Theirs" not in signed_in_client(lead).get(reverse("api_tokens")).text


def test_an_administrator_revokes_a_token_in_the_admin(lead, pupil):
    admin_user = UserFactory(admin=True)
    token, key = api_token_create(user=lead, name="MIS", acting_user=lead)
    response = signed_in_client(admin_user).post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert with_key(key).get(url(pupil.upn)).status_code == 401


def test_a_token_reads_only_what_its_user_may(lead):
    elsewhere = PupilFactory(school=SchoolFactory())
    _, key = api_token_create(user=lead, name="MIS", acting_user=lead)
    assert with_key(key).get(url(elsewhere.upn)).status_code == 404


def test_each_token_is_throttled_on_its_own(lead, pupil, settings):
    """At 3 requests a minute, the 4th from one token is refused with 429 and a
    wait; a second token of the same user, and the minute after, are not."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
    }
    cache.clear()
    _, first = api_token_create(user=lead, name="One", acting_user=lead)
    _, second = api_token_create(user=lead, name="Two", acting_user=lead)
    with time_machine.travel(MADE, tick=False):
        answers = [with_key(first).get(url(pupil.upn)).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert with_key(second).get(url(pupil.upn)).status_code == 200
    with time_machine.travel(MADE + dt.timedelta(seconds=61), tick=False):
        assert with_key(first).get(url(pupil.upn)).status_code == 200
    cache.clear()


def test_the_api_keeps_answering_when_the_throttles_cache_is_down(lead, pupil, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    _, key = api_token_create(user=lead, name="MIS", acting_user=lead)
    assert with_key(key).get(url(pupil.upn)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_from_before_hashing_keep_working(school):
    """A deployment upgraded from DRF's plain-text tokens: the migration stores
    each by its hash and drops the plain-text table."""
    from importlib import import_module

    from django.apps import apps as global_apps

    migration = import_module("accounts.migrations.0002_api_tokens")
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    plain = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [plain, MADE, lead.pk],
        )
    with connection.schema_editor() as editor:
        migration.hash_plain_tokens(global_apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=lead)
    assert plain not in str(ApiToken.objects.values())
    assert token.is_usable()
    assert with_key(plain).get(url(pupil.upn)).status_code == 200
