"""The threshold list in a real browser: axe on the page, and the filters
working with JavaScript switched off."""

import pytest

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import UserFactory
from .test_threshold_list import borough  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = browser_helpers.browser
page = browser_helpers.page


def test_la_officer_finds_the_threshold_list_in_the_menu_and_axe_passes(
    borough,  # noqa: F811
    la,
    live_server,
    page,
    axe_source,
):
    officer = UserFactory(la_user=True, local_authority=la, email="officer@la.example.org")
    sign_in(page, live_server.url, officer.email)
    page.get_by_role("link", name="Threshold", exact=True).click()
    assert page.get_by_role("heading", name="Pupils meeting the national threshold").is_visible()
    assert axe_violations(page, axe_source) == []


def test_filters_work_without_javascript(borough, la, live_server, browser):  # noqa: F811
    officer = UserFactory(la_user=True, local_authority=la, email="officer2@la.example.org")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    no_js = context.new_page()
    try:
        sign_in(no_js, live_server.url, officer.email)
        no_js.goto(live_server.url + "/cases/threshold/")
        no_js.get_by_label("School").select_option(label="Brookfield Academy")
        no_js.get_by_role("button", name="Filter").click()
        assert no_js.get_by_text("Showing 1 to 1 of 1 pupil").is_visible()
        assert no_js.locator("tbody").get_by_text("Brookfield Academy").is_visible()
    finally:
        context.close()
