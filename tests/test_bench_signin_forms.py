"""The load test (bench/locustfile.py) signs in by reading the sign-in page as a
browser would, and follows a one-time-code step if the page asks for one, so it
keeps working when two-factor sign-in arrives."""

import sys
from pathlib import Path

import pytest
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from signin_forms import code_form, form_with


@pytest.mark.django_db
def test_the_real_sign_in_page_is_read_and_asks_for_no_code(client):
    page = client.get(reverse("login")).content.decode()

    action, fields, hidden = form_with(page, "password")

    assert action == reverse("login")
    assert fields == ["username", "password"]
    assert hidden["csrfmiddlewaretoken"]
    assert code_form(page) is None


def test_a_code_page_is_detected_with_its_field_and_hidden_fields():
    page = (
        '<form method="post" action="/sign-in/code/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="a&amp;b">'
        '<input class="govuk-input" id="id_otp_token" name="otp_token" type="text">'
        "</form>"
    )

    assert code_form(page) == ("/sign-in/code/", "otp_token", {"csrfmiddlewaretoken": "a&b"})


def test_a_step_of_a_multi_step_form_is_detected_but_its_first_step_is_not():
    first = (
        '<form method="post"><input type="hidden" name="login_view-current_step" value="auth">'
        '<input type="email" name="auth-username"><input type="password" name="auth-password">'
        "</form>"
    )
    second = (
        '<form method="post"><input type="hidden" name="login_view-current_step" value="token">'
        '<input type="text" name="token-otp_token"></form>'
    )

    assert code_form(first) is None
    assert form_with(first, "password") == (
        "",
        ["auth-username", "auth-password"],
        {"login_view-current_step": "auth"},
    )
    assert code_form(second) == ("", "token-otp_token", {"login_view-current_step": "token"})
