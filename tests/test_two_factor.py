"""Two-factor authentication (issue "Safeguarding-grade security", item 1):
required for LA officers and managers, DSLs and system administrators, offered
to everyone else; recovery codes; wrong codes paused; the admin behind it."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from core.models import AuditEvent

from .factories import TEST_PASSWORD, LocalAuthorityFactory, SchoolFactory, UserFactory
from .test_settings import run_manage
from .two_factor_helpers import authenticator_for, current_code

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 9, 9, 0, 10, tzinfo=dt.UTC)
VERIFY = reverse("two_factor_verify")
SET_UP = reverse("two_factor_set_up")
API = "/api/v1/pupils/A123456789012/attendance/"


def user_with_role(role: Role) -> User:
    if role in (Role.LA_OFFICER, Role.LA_MANAGER):
        return UserFactory(role=role, school=None, local_authority=LocalAuthorityFactory())
    if role == Role.SYSTEM_ADMIN:
        return UserFactory(admin=True)
    return UserFactory(role=role, school=SchoolFactory())


def password_only(user: User, *, next_url: str = "") -> Client:
    """A client past the password, as a person is before the code."""
    client = Client()
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def secret_shown(html: str) -> bytes:
    """The setup key as a person would type it from the page."""
    match = re.search(r'<code id="setup-key">([A-Z2-7 ]+)</code>', html)
    assert match, "no setup key on the page"
    b32 = match.group(1).replace(" ", "")
    return base64.b32decode(b32 + "=" * (-len(b32) % 8))


def codes_on(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", html)


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    return f"{totp(key, drift=steps_ahead):06d}"


def audit_actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk), action__startswith="second_factor")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Who must use it ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LA_OFFICER, Role.LA_MANAGER, Role.DSL, Role.SYSTEM_ADMIN])
def test_roles_that_need_it_are_taken_to_set_it_up_before_anything_else(role):
    user = user_with_role(role)
    client = password_only(user)

    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url == f"{SET_UP}?next=/"
    # Every signed-in page, the API's session sign-in and the admin alike.
    for url in [reverse("cases:pupil_list"), reverse("account"), API, "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(SET_UP), url
    page = client.get(SET_UP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up two-factor authentication" in html
    assert "Your role lets you see safeguarding records" in html
    # The navigation is hidden until the second factor is done; signing out is not.
    assert 'aria-label="Menu"' not in html
    assert reverse("logout") in html


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.SCHOOL_STAFF])
def test_school_leads_and_staff_sign_in_with_the_password_alone_until_they_choose_it(role):
    user = user_with_role(role)
    client = password_only(user)
    assert client.get(reverse("home")).status_code == 200
    account = client.get(reverse("account")).content.decode()
    assert "Off. You sign in with your password alone." in account
    assert f'href="{SET_UP}"' in account


# Setting up ----------------------------------------------------------------------


def test_an_la_officer_sets_up_with_the_key_shown_and_gets_ten_recovery_codes():
    officer = user_with_role(Role.LA_OFFICER)
    client = password_only(officer)
    start = client.get(reverse("cases:threshold_list"))
    assert start.url == f"{SET_UP}?next=/cases/threshold/"
    page = client.get(start.url)
    key = secret_shown(page.content.decode())
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()

    wrong = client.post(SET_UP, {"code": "000000", "next": "/cases/threshold/"})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()

    done = client.post(SET_UP, {"code": code_for(key), "next": "/cases/threshold/"})
    assert done.status_code == 302
    codes_page = client.get(done.url).content.decode()

    codes = codes_on(codes_page)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert "You will not see these codes again" in codes_page
    assert 'href="/cases/threshold/"' in codes_page
    # Shown once: the page again has no codes.
    again = client.get(reverse("recovery_codes")).content.decode()
    assert codes_on(again) == []
    assert "shown only once" in again
    # Now fully signed in.
    assert client.get(reverse("cases:threshold_list")).status_code == 200
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed
    assert device.bin_key == key
    assert audit_actions(officer) == ["second_factor_set_up"]


def test_the_code_used_to_set_up_cannot_be_used_again_to_sign_in():
    officer = user_with_role(Role.LA_OFFICER)
    client = password_only(officer)
    key = secret_shown(client.get(SET_UP).content.decode())
    code = code_for(key)
    client.post(SET_UP, {"code": code})
    replay = password_only(officer).post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "The code is not right" in replay.content.decode()


# The code after the password -----------------------------------------------------


def test_someone_with_an_app_is_asked_for_the_code_and_goes_on_to_the_page_they_wanted():
    officer = user_with_role(Role.LA_OFFICER)
    device = authenticator_for(officer)
    client = password_only(officer)
    pupils = client.get(reverse("cases:pupil_list"))
    assert pupils.url == f"{VERIFY}?next=/pupils/"
    page = client.get(pupils.url).content.decode()
    assert "Enter your security code" in page
    assert 'autocomplete="one-time-code"' in page
    assert 'aria-label="Menu"' not in page
    # Signing out needs no code.
    assert client.post(reverse("logout")).status_code == 302
    client = password_only(officer)
    response = client.post(VERIFY, {"code": current_code(device), "next": "/pupils/"})
    assert response.status_code == 302
    assert response.url == "/pupils/"
    assert client.get("/pupils/").status_code == 200
    assert audit_actions(officer) == ["second_factor_verified"]


def test_the_code_page_sends_nowhere_outside_the_service():
    officer = user_with_role(Role.LA_OFFICER)
    device = authenticator_for(officer)
    client = password_only(officer)
    response = client.post(
        VERIFY, {"code": current_code(device), "next": "https://attacker.example/"}
    )
    assert response.url == reverse("home")


def test_an_optional_user_with_an_app_is_asked_for_the_code_too():
    lead = user_with_role(Role.ATTENDANCE_LEAD)
    device = authenticator_for(lead)
    client = password_only(lead)
    assert client.get(reverse("home")).url == f"{VERIFY}?next=/"
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_five_wrong_codes_pause_codes_for_fifteen_minutes_even_the_right_one():
    officer = user_with_role(Role.LA_OFFICER)
    device = authenticator_for(officer)
    with time_machine.travel(START, tick=False):
        client = password_only(officer)
        for n in range(4):
            wrong = client.post(VERIFY, {"code": f"00000{n}"})
            assert wrong.status_code == 200
            assert "The code is not right" in wrong.content.decode()
        fifth = client.post(VERIFY, {"code": "000009"})
        refused = client.post(VERIFY, {"code": current_code(device)})
        still = client.get(reverse("home"))
        paused_page = client.get(VERIFY)
    assert fifth.status_code == 429
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Security codes are paused" in html
    assert "until 09:15 on 9 March 2026" in html
    assert "ask your administrator to reset" in html
    assert still.url.startswith(VERIFY)
    assert paused_page.status_code == 429
    assert audit_actions(officer) == ["second_factor_failed"] * 5 + ["second_factor_locked_out"]
    locked = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_LOCKED_OUT)
    assert "codes paused until 09 Mar 2026 09:15" in locked.note

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        authenticator_for(officer)
        accepted = client.post(VERIFY, {"code": current_code(device)})
        assert accepted.status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_a_right_code_clears_the_count_of_wrong_ones():
    officer = user_with_role(Role.LA_OFFICER)
    device = authenticator_for(officer)
    with time_machine.travel(START, tick=False):
        client = password_only(officer)
        for _ in range(4):
            client.post(VERIFY, {"code": "000000"})
        client.post(VERIFY, {"code": current_code(device)})
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client = password_only(officer)
        for _ in range(4):
            assert client.post(VERIFY, {"code": "000000"}).status_code == 200


# Recovery codes ------------------------------------------------------------------


def set_up_through_the_pages(user: User) -> tuple[Client, bytes, list[str]]:
    client = password_only(user)
    key = secret_shown(client.get(SET_UP).content.decode())
    done = client.post(SET_UP, {"code": code_for(key)})
    return client, key, codes_on(client.get(done.url).content.decode())


def test_a_recovery_code_signs_in_once_instead_of_the_app():
    dsl = user_with_role(Role.DSL)
    _, _, codes = set_up_through_the_pages(dsl)
    client = password_only(dsl)
    # Typed with capitals and a space instead of the dash: still the code.
    used = client.post(VERIFY, {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert used.status_code == 200
    assert "You used a recovery code. It will not work again. You have 9 left" in (
        used.content.decode()
    )
    again = password_only(dsl).post(VERIFY, {"code": codes[0]})
    assert "The code is not right" in again.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECOVERY_CODE_USED,
        target_id=str(dsl.pk),
        note__startswith="9 left",
    ).exists()


def test_new_recovery_codes_replace_the_old_ones():
    manager = user_with_role(Role.LA_MANAGER)
    client, _, old = set_up_through_the_pages(manager)
    account = client.get(reverse("account")).content.decode()
    assert "You have 10 recovery codes left." in account
    renewed = client.post(reverse("recovery_codes_renew"))
    new = codes_on(client.get(renewed.url).content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    refused = password_only(manager).post(VERIFY, {"code": old[1]})
    accepted = password_only(manager).post(VERIFY, {"code": new[1]})
    assert "The code is not right" in refused.content.decode()
    assert accepted.status_code == 302
    assert StaticToken.objects.filter(device__user=manager).count() == 9
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECOVERY_CODES_RENEWED, actor=manager
    ).exists()


# Offered to everyone else -----------------------------------------------------------


def test_a_school_lead_turns_it_on_from_their_account_page_and_can_turn_it_off():
    lead = user_with_role(Role.ATTENDANCE_LEAD)
    client, key, _ = set_up_through_the_pages(lead)
    account = client.get(reverse("account")).content.decode()
    assert "On. After your password" in account
    assert reverse("two_factor_remove") in account

    next_time = password_only(lead)
    assert next_time.get(reverse("home")).url == f"{VERIFY}?next=/"
    # The set-up code cannot be used again: the app's next one.
    next_time.post(VERIFY, {"code": code_for(key, steps_ahead=1)})

    confirm = next_time.get(reverse("two_factor_remove"))
    assert "Are you sure" in confirm.content.decode()
    next_time.post(reverse("two_factor_remove"))
    assert not TOTPDevice.objects.filter(user=lead).exists()
    assert password_only(lead).get(reverse("home")).status_code == 200
    assert audit_actions(lead) == [
        "second_factor_set_up",
        "second_factor_verified",
        "second_factor_removed",
    ]


def test_a_role_that_needs_it_cannot_turn_it_off(client_for):
    officer = user_with_role(Role.LA_OFFICER)
    client = client_for(officer)
    account = client.get(reverse("account")).content.decode()
    assert "cannot be turned off" in account
    assert reverse("two_factor_remove") not in account
    assert client.post(reverse("two_factor_remove")).url == reverse("account")
    assert TOTPDevice.objects.filter(user=officer).exists()


# The admin -------------------------------------------------------------------------


def test_the_admin_uses_the_service_sign_in_and_the_second_factor(client_for):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    anonymous = Client().get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0] == reverse("login") + "?next=/admin/"

    # Password alone: the admin sends to the code page, as every page does.
    authenticator_for(admin)
    unverified = password_only(admin).get("/admin/")
    assert unverified.url == f"{VERIFY}?next=/admin/"
    assert client_for(admin).get("/admin/").status_code == 200


def test_someone_who_is_not_an_administrator_is_refused_the_admin(client_for):
    lead = user_with_role(Role.ATTENDANCE_LEAD)
    response = client_for(lead).get("/admin/", follow=True)
    assert response.status_code == 403


def test_an_administrator_resets_a_lost_phone_and_the_person_sets_up_again(client_for):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    officer = user_with_role(Role.LA_OFFICER)
    authenticator_for(officer)
    response = client_for(admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert "Two-factor authentication reset for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_RESET)
    assert event.actor == admin
    assert event.target_id == str(officer.pk)
    assert password_only(officer).get(reverse("home")).url == f"{SET_UP}?next=/"


def test_a_reset_ends_a_pause_on_codes(client_for):
    officer = user_with_role(Role.LA_OFFICER)
    authenticator_for(officer)
    client = password_only(officer)
    for _ in range(5):
        client.post(VERIFY, {"code": "000000"})
    assert client.get(VERIFY).status_code == 429
    client_for(user_with_role(Role.SYSTEM_ADMIN)).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
    )
    assert client.get(reverse("home")).url == f"{SET_UP}?next=/"


# The demo setting ------------------------------------------------------------------


@override_settings(SECOND_FACTOR_REQUIRED=False)
def test_the_demo_setting_lets_an_la_officer_in_with_the_password_alone():
    officer = user_with_role(Role.LA_OFFICER)
    assert password_only(officer).get(reverse("home")).status_code == 200


def test_production_refuses_to_start_with_the_second_factor_off():
    result = run_manage(
        "check",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 64 + "-a-long-random-production-key",
        ALLOWED_HOSTS="attendance.example.gov.uk",
        SECOND_FACTOR_REQUIRED="0",
    )
    assert result.returncode != 0
    assert "SECOND_FACTOR_REQUIRED=0 is for the local demo" in result.stderr


# Cost ------------------------------------------------------------------------------


def test_the_code_page_and_a_verified_page_make_few_queries(
    client_for, django_assert_max_num_queries
):
    officer = user_with_role(Role.LA_OFFICER)
    device = authenticator_for(officer)
    client = password_only(officer)
    with django_assert_max_num_queries(6):
        assert client.get(VERIFY).status_code == 200
    client.post(VERIFY, {"code": current_code(device)})
    with django_assert_max_num_queries(8):
        assert client.get(reverse("account")).status_code == 200


def test_time_is_what_the_codes_are_made_from():
    # A guard for the tests above: time_machine moves the clock TOTP reads.
    with time_machine.travel(START, tick=False):
        assert time.time() == START.timestamp()
