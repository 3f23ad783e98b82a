import re

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from core.models import AuditEvent

from .factories import TEST_PASSWORD, LocalAuthorityFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password}, follow=True)


def test_staff_sign_in_with_their_email_in_any_capitalisation(lead):
    client = Client()
    response = sign_in(client, lead.email.upper(), TEST_PASSWORD)
    assert response.status_code == 200
    assert response.context["user"] == lead
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.SIGN_IN).exists()


def test_a_wrong_password_says_so_without_saying_whether_the_account_exists(lead):
    wrong_password = sign_in(Client(), lead.email, "not-the-password")
    no_account = sign_in(Client(), "nobody@example.org", "not-the-password")
    for response in (wrong_password, no_account):
        assert not response.context["user"].is_authenticated
        assert "Enter a correct email address and password" in response.text
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert sorted(failures.values_list("note", flat=True)) == sorted(
        [lead.email, "nobody@example.org"]
    )


def test_sign_out_is_a_post_and_is_audited(lead):
    client = Client()
    sign_in(client, lead.email, TEST_PASSWORD)
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.SIGN_OUT).exists()


def test_password_reset_emails_a_link_that_sets_a_new_password(
    lead, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": lead.email}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The link redirects once to a token-free URL (Django keeps the token in the session).
    form_page = client.get(link.group(1), follow=True)
    assert "new_password1" in form_page.text
    new_password = "a-brand-new-passphrase-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert done.status_code == 200
    lead.refresh_from_db()
    assert lead.check_password(new_password)
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.PASSWORD_RESET).exists()


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(reverse("password_reset"), {"email": lead.email}, follow=True)
        unknown = Client().post(
            reverse("password_reset"), {"email": "who@example.org"}, follow=True
        )
    assert known.redirect_chain == unknown.redirect_chain
    assert [m.to for m in mail.outbox] == [[lead.email]]


@pytest.mark.parametrize(
    ("role", "org"),
    [
        (Role.ATTENDANCE_LEAD, "la"),
        (Role.DSL, None),
        (Role.LA_OFFICER, "school"),
        (Role.LA_MANAGER, None),
        (Role.SYSTEM_ADMIN, "school"),
    ],
)
def test_a_user_belongs_to_the_kind_of_organisation_their_role_needs(role, org):
    kwargs = {"school": SchoolFactory() if org == "school" else None}
    kwargs["local_authority"] = LocalAuthorityFactory() if org == "la" else None
    with pytest.raises(IntegrityError):
        User.objects.create(email="x@example.org", full_name="X", role=role, **kwargs)


def test_passwords_are_stored_with_argon2_outside_tests(settings):
    from attendance_site import settings as real_settings

    assert real_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_every_role_has_a_demo_friendly_label():
    assert UserFactory.build(role=Role.SCHOOL_STAFF).get_role_display() == (
        "School staff (read only)"
    )


def test_an_empty_sign_in_form_says_what_to_enter(db):
    response = Client().post(reverse("login"), {"username": "", "password": ""})
    assert "Enter your email address" in response.text
    assert "Enter your password" in response.text
    assert 'class="govuk-error-summary' in response.text


def test_a_stale_form_gets_a_page_that_says_nothing_was_changed(lead):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": lead.email, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert "Nothing has been changed" in response.text
    assert "_auth_user_id" not in client.session
