"""Sign-in lockout, idle sessions and control characters (issue "Safeguarding-
grade security", items 1 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


def attempt(client: Client, email: str, password: str, *, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
    )


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(lead):
    with time_machine.travel(START, tick=False):
        client = Client()
        for _ in range(4):
            assert attempt(client, lead.email, "wrong").status_code == 200
        fifth = attempt(client, lead.email, "wrong")
        refused = attempt(client, lead.email, TEST_PASSWORD)
        signed_in = "_auth_user_id" in client.session

    assert fifth.status_code == 429
    assert refused.status_code == 429
    assert "Signing in is paused" in refused.content.decode()
    assert "15 minutes" in refused.content.decode()
    assert not signed_in
    # The lockout, and the refused attempt during it, each leave a row.
    locked_rows = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_LOCKED_OUT)
    assert locked_rows.count() == 2
    locked = locked_rows.first()
    assert lead.email in locked.note
    assert "paused until 09 Mar 2026 09:15" in locked.note


def test_the_pause_ends_after_the_cool_off(lead):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(Client(), lead.email, "wrong")
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        client = Client()
        response = attempt(client, lead.email, TEST_PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(lead.pk)


def test_one_address_trying_many_accounts_is_paused(school):
    users = [UserFactory(school=school) for _ in range(6)]
    with time_machine.travel(START, tick=False):
        for user in users[:5]:
            attempt(Client(), user.email, "wrong", address="203.0.113.9")
        from_there = attempt(Client(), users[5].email, TEST_PASSWORD, address="203.0.113.9")
        from_elsewhere = attempt(Client(), users[5].email, TEST_PASSWORD, address="10.0.0.2")
    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_admin_sign_in_is_paused_the_same_way(school):
    # The admin has no sign-in form of its own: it sends people to the
    # service's, which is counted and paused like any other sign-in.
    admin = UserFactory(admin=True)
    assert Client().get(reverse("admin:login")).url == reverse("login") + "?next=/admin/"
    with time_machine.travel(START, tick=False):
        client = Client()
        for _ in range(5):
            attempt(client, admin.email, "wrong", address="10.0.0.3")
        response = attempt(client, admin.email, TEST_PASSWORD, address="10.0.0.3")
    assert response.status_code == 429


def test_a_session_ends_after_thirty_minutes_idle_and_use_keeps_it_alive(lead):
    client = Client()
    pupils = reverse("cases:pupil_list")
    with time_machine.travel(START, tick=False):
        attempt(client, lead.email, TEST_PASSWORD)
    with time_machine.travel(START + dt.timedelta(minutes=25), tick=False):
        assert client.get(pupils).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=50), tick=False):
        assert client.get(pupils).status_code == 200  # 25 minutes after the last use
    with time_machine.travel(START + dt.timedelta(minutes=81), tick=False):
        idle = client.get(pupils)
    assert idle.status_code == 302
    assert idle["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("query", ["%00", "a%00b", "%1b[31m", "x%7f"])
def test_a_control_character_in_a_search_is_a_clear_400_not_a_500(lead, client_for, query):
    response = client_for(lead).get(f"{reverse('cases:pupil_list')}?q={query}")
    assert response.status_code == 400
    assert "a character that cannot be typed" in response.content.decode()


def test_a_control_character_in_a_form_is_refused_and_nothing_happens(lead, client_for):
    response = client_for(lead).post(
        reverse("login"), {"username": "a\x00b@example.org", "password": "x"}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED).exists()


def test_ordinary_whitespace_is_still_text(lead, client_for):
    assert client_for(lead).get(reverse("cases:pupil_list"), {"q": "a\tb"}).status_code == 200
