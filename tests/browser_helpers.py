"""Playwright fixtures and helpers shared by the browser tests: Debian's
Chromium, and axe-core checking WCAG 2.2 AA on a page.

Import the fixtures into a test module (`from .browser_helpers import browser,
page`); tests/test_browser.py keeps its own copies of the same few lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services.two_factor import has_second_factor, second_factor_required

from .factories import TEST_PASSWORD
from .two_factor_helpers import authenticator_for, current_code

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

# Set SCREENSHOT_DIR to keep a full-page screenshot of each page a test
# checks, for a person to look at; unset (as in CI), nothing is written.
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR", "")


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server
    # and the ORM calls in the test body are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Any, axe_source: str) -> list[str]:
    """Every WCAG 2.2 A/AA violation axe finds on the page, one line each."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern:
    # an injected <script> would (rightly) be refused.
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]


def sign_in(page: Any, base_url: str, email: str) -> None:
    """Sign in through the form, and, for a role that needs it, type the code
    the person's authenticator app would show (one is made if they have none)."""
    user = User.objects.get(email__iexact=email)
    device = (
        authenticator_for(user) if second_factor_required(user) or has_second_factor(user) else None
    )
    page.goto(base_url + reverse("login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url(base_url + reverse("two_factor_verify") + "**")
        page.get_by_label("Security code").fill(current_code(device))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base_url + reverse("home"))


def screenshot(page: Any, name: str) -> None:
    """`name`.png at the page's width and `name`-narrow.png at a phone's (320
    CSS pixels, the width WCAG 1.4.10 reflow asks pages to work at)."""
    if not SCREENSHOT_DIR:
        return
    folder = Path(SCREENSHOT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    page.screenshot(path=str(folder / f"{name}-narrow.png"), full_page=True)
    page.set_viewport_size(size)
