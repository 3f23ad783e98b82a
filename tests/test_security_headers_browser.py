"""In a real browser the policy lets our own scripts run and refuses others."""

import pytest
from django.urls import reverse

from . import browser_helpers
from .browser_helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = browser_helpers.browser
page = browser_helpers.page


def test_our_scripts_run_under_the_policy_and_an_injected_one_does_not(live_server, page, lead):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server.url, lead.email)
    page.goto(live_server.url + reverse("cases:pupil_list"))

    # The nonce'd inline script and GOV.UK Frontend's module both ran.
    classes = page.evaluate("document.body.className")
    assert "js-enabled" in classes
    assert "govuk-frontend-supported" in classes
    button = page.locator("[data-module=govuk-button]").first
    assert button.get_attribute("data-govuk-button-init") is not None
    assert refused == []

    # A script an attacker managed to put in the page is refused.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.injected") is None
    page.wait_for_timeout(100)
    assert any("script-src" in text for text in refused)
