"""The main journeys in a real browser (Debian's Chromium, driven by Playwright),
with axe-core checking WCAG 2.2 AA on each page visited."""

import os

import pytest
from django.urls import reverse

from .factories import TEST_PASSWORD, PupilFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium cannot reach the outside world here; these flags stop it trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server
    # and the ORM calls in the test body are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, axe_source):
    page.evaluate(axe_source)  # not a <script>: the page's CSP refuses those
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]


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
