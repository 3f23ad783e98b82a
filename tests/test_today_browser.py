"""Each role signs in to the demo and lands on its today page with the demo's
flags (seed_demo ends with the nightly run); axe finds no WCAG 2.2 AA
violation on any of them (issue 13, item 3)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-pathway-2026"
TODAY = dt.date(2026, 11, 20)  # a Friday in the autumn term, as tests/test_seed_demo.py

ROLES = {
    "lead@brookfield.example.org": "school",
    "dsl@brookfield.example.org": "dsl",
    "staff@brookfield.example.org": "read only",
    "officer@northmoor-council.example.org": "officer",
    "manager@northmoor-council.example.org": "manager",
}


def test_each_role_finds_its_today_page_with_the_demos_flags(
    live_server,
    page,
    axe_source,
):
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(8), tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", "--pupils-per-school", "20", stdout=io.StringIO())
        for email, role in ROLES.items():
            page.goto(live_server.url + reverse("login"))
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(live_server.url + reverse("home"))
            assert page.get_by_role("heading", name="Today", level=1).is_visible(), email
            kinds = page.locator("[data-kind]")
            if role in ("school", "dsl", "read only"):
                assert kinds.count() > 0, f"{email} sees no flags"
            if role == "dsl":
                assert kinds.first.get_attribute("data-kind") == "correspondence_decision"
            if role == "read only":
                assert page.locator("a[href*='/resolve/']").count() == 0
            elif role in ("school", "dsl"):
                assert page.locator("a[href*='/resolve/']").count() > 0
            if role == "officer":
                assert page.get_by_role(
                    "link", name="Referrals and requests waiting for a decision"
                ).is_visible()
            if role == "manager":
                assert page.get_by_role(
                    "link", name="Attendance across the LA's schools"
                ).is_visible()
            assert axe_violations(page, axe_source) == [], email
            screenshot(page, f"today-{role.replace(' ', '-')}")
            page.context.clear_cookies()
