"""An LA officer sets up two-factor authentication in Chromium and signs in
again with a code; axe finds nothing on the pages; and the same without
JavaScript."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import Role

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot
from .factories import TEST_PASSWORD, LocalAuthorityFactory, UserFactory
from .two_factor_helpers import authenticator_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = browser_helpers.browser
page = browser_helpers.page


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def key_shown(page) -> bytes:
    shown = page.locator("#setup-key").inner_text().replace(" ", "")
    return base64.b32decode(shown + "=" * (-len(shown) % 8))


def password(page, base: str, email: str) -> None:
    page.goto(base + reverse("login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_la_officer_sets_up_the_app_and_signs_in_with_a_code(live_server, page, axe_source):
    base = live_server.url
    officer = UserFactory(
        role=Role.LA_OFFICER, school=None, local_authority=LocalAuthorityFactory()
    )

    password(page, base, officer.email)
    page.wait_for_url(base + reverse("two_factor_set_up") + "**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor authentication"
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "two-factor-set-up")

    # A wrong code first: the GOV.UK error summary, still accessible.
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page, axe_source) == []

    # The key shown as text, typed into an "app": the code it makes.
    key = key_shown(page)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + reverse("recovery_codes") + "**")
    codes = page.locator("ol code, ul code").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page, axe_source) == []
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url(base + reverse("home"))

    page.get_by_role("link", name="Your account").click()
    assert "You have 10 recovery codes left." in page.content()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "two-factor-account")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + reverse("login"))

    # Again: the password, then the code page. The set-up code cannot be
    # replayed, so the app's next code (one step ahead, which is accepted).
    password(page, base, officer.email)
    page.wait_for_url(base + reverse("two_factor_verify") + "**")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your security code"
    assert page.locator("nav[aria-label=Menu]").count() == 0
    assert axe_violations(page, axe_source) == []
    screenshot(page, "two-factor-code")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Security code").fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + reverse("home"))
    assert page.locator("nav[aria-label=Menu]").count() == 1


def test_the_paused_page_passes_axe(live_server, page, axe_source):
    base = live_server.url
    dsl = UserFactory(role=Role.DSL)
    authenticator_for(dsl)
    password(page, base, dsl.email)
    page.wait_for_url(base + reverse("two_factor_verify") + "**")
    for _ in range(5):
        page.get_by_label("Security code").fill("000000")
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Security codes are paused"
    assert axe_violations(page, axe_source) == []
    screenshot(page, "two-factor-paused")


def test_sign_in_helper_passes_the_code_page(live_server, browser):
    # The shared helper other browser tests use signs a DSL in past the code,
    # twice within 30 seconds (two browsers), as some tests do.
    dsl = UserFactory(role=Role.DSL)
    for _ in range(2):
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        browser_helpers.sign_in(page, live_server.url, dsl.email)
        assert page.url == live_server.url + reverse("home")
        context.close()


def test_setting_up_and_the_code_work_without_javascript(live_server, page_without_js):
    page, base = page_without_js, live_server.url
    manager = UserFactory(
        role=Role.LA_MANAGER, school=None, local_authority=LocalAuthorityFactory()
    )
    password(page, base, manager.email)
    page.wait_for_url(base + reverse("two_factor_set_up") + "**")
    key = key_shown(page)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + reverse("recovery_codes") + "**")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url(base + reverse("home"))
    page.get_by_role("button", name="Sign out").click()
    password(page, base, manager.email)
    page.wait_for_url(base + reverse("two_factor_verify") + "**")
    page.get_by_label("Security code").fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + reverse("home"))
