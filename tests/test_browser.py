"""The main journeys in a real browser (Debian's Chromium, driven by Playwright),
with axe-core checking WCAG 2.2 AA on each page visited."""

import pytest
from django.urls import reverse

from . import browser_helpers
from .browser_helpers import axe_violations
from .factories import TEST_PASSWORD, PupilFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The shared Chromium fixtures, made visible to pytest in this module.
browser = browser_helpers.browser
page = browser_helpers.page


def test_lead_signs_in_and_opens_the_pupil_list(live_server, page, axe_source):
    lead = UserFactory(email="lead@riverside.example.org", full_name="Priya Shah")
    PupilFactory(school=lead.school, legal_forename="Amara", legal_surname="Okafor")

    page.goto(live_server.url + reverse("login"))
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Email address").fill(lead.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(live_server.url + reverse("home"))
    assert page.get_by_text("Priya Shah").first.is_visible()
    assert axe_violations(page, axe_source) == []

    page.get_by_role("link", name="Pupils", exact=True).first.click()
    page.wait_for_url(live_server.url + reverse("cases:pupil_list"))
    assert page.get_by_role("heading", level=1).inner_text() == "Pupils"
    assert page.get_by_role("link", name="Amara Okafor").is_visible()
    assert axe_violations(page, axe_source) == []


def test_sign_in_works_with_javascript_switched_off(live_server, browser):
    lead = UserFactory(email="nojs@riverside.example.org")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email address").fill(lead.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("home"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + reverse("login"))
    context.close()


def test_lead_makes_and_revokes_an_api_token(live_server, page, axe_source):
    lead = UserFactory(email="tokens@riverside.example.org")
    browser_helpers.sign_in(page, live_server.url, lead.email)

    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Manage your API tokens").click()
    page.wait_for_url(live_server.url + reverse("api_tokens"))
    assert axe_violations(page, axe_source) == []
    page.get_by_label("What is the token for?").fill("School MIS")
    page.get_by_role("button", name="Make token").click()
    assert page.get_by_text("Copy it now: it will not be shown again").is_visible()
    assert page.locator("[data-new-token]").inner_text().startswith("ap_")
    assert axe_violations(page, axe_source) == []

    page.get_by_role("button", name="Revoke the token for School MIS").click()
    assert page.get_by_text("is revoked").is_visible()
    assert page.get_by_text("Revoked", exact=True).is_visible()
