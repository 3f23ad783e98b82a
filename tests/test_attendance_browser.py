"""The attendance pages in a real browser (Debian's Chromium, driven by
Playwright), with axe-core checking WCAG 2.2 AA on each: the school dashboard,
a pupil's page with the herringbone, and the LA overview; and the dashboard's
filters with JavaScript switched off."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .factories import CarerFactory, PupilCarerFactory, SchoolFactory, UserFactory
from .test_attendance_pages import (
    LONDON,
    CodeFor,
    _present,
    early_week_n,
    fridays_pm,
    ill_mondays,
    load,
    pupil,
    register,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The shared Chromium fixtures, made visible to pytest in this module.
browser = browser_helpers.browser
page = browser_helpers.page

# The pupil page's figures are "as at today": the registers end on Friday
# 22 November 2024. Time moves on from there (tick) so the browser's waits work.
TRAVEL_TO = dt.datetime(2024, 11, 22, 16, 0, tzinfo=LONDON)


HALF_TERM = (dt.date(2024, 10, 28), dt.date(2024, 11, 1))


def term_time(code_for: CodeFor) -> CodeFor:
    """`code_for` with the October half term closed ("#"): not a school week."""

    def codes(day: dt.date, session: str) -> str | None:
        if HALF_TERM[0] <= day <= HALF_TERM[1]:
            return "#"
        return code_for(day, session)

    return codes


def fridays_and_appointments(day: dt.date, session: str) -> str | None:
    """Friday afternoons unauthorised; ill three Monday mornings in September,
    and one medical appointment: a herringbone with more than one bar."""
    if day in (dt.date(2024, 9, 2), dt.date(2024, 9, 9), dt.date(2024, 9, 16)) and session == "AM":
        return "I"
    if day == dt.date(2024, 10, 9) and session == "PM":
        return "M"
    return fridays_pm(day, session)


def from_october(code_for: CodeFor) -> CodeFor:
    """Absence that starts after the first month: the weekly trend falls."""
    return lambda day, session: code_for(day, session) if day.month != 9 else None


def a_school_with_registers():
    lead = UserFactory(email="lead@riverside.example.org", full_name="Priya Shah")
    school = lead.school
    school.name = "Riverside Primary"
    school.save()
    other = SchoolFactory(name="Hillside Academy", local_authority=school.local_authority)
    freddie = pupil(school, "Freddie Okafor")
    amara = pupil(school, "Amara Okafor", year_group="3")
    tobi = pupil(other, "Tobi Okafor", year_group="9")
    severe = pupil(school, "Sam Whitfield", year_group="6", free_school_meals=True)
    ill = pupil(school, "Ivy Nowak")
    regular = pupil(school, "Rosie Patel")
    mother = CarerFactory(forename="Grace", surname="Okafor")
    for child in (freddie, amara, tobi):
        PupilCarerFactory(pupil=child, carer=mother)
    PupilCarerFactory(pupil=freddie, carer__forename="Tomasz", relationship="father")
    load(
        [
            register(freddie, school, term_time(fridays_and_appointments)),
            register(amara, school, term_time(ill_mondays)),
            register(tobi, other, term_time(_present)),
            register(severe, school, term_time(early_week_n)),
            register(ill, school, term_time(from_october(ill_mondays))),
            register(regular, school, term_time(_present)),
        ],
        [school, other],
    )
    return lead, school, freddie


def test_lead_opens_the_dashboard_then_a_pupils_herringbone(live_server, page, axe_source):
    lead, school, freddie = a_school_with_registers()
    # Signed in at the real time: cookies set under a frozen 2024 clock would
    # already have expired for the browser.
    sign_in(page, live_server.url, lead.email)

    with time_machine.travel(TRAVEL_TO, tick=True):
        page.get_by_role("link", name="Riverside Primary").click()
        page.wait_for_url(
            live_server.url + reverse("attendance:school_dashboard", args=[school.pk])
        )
        assert page.get_by_role("heading", level=1).inner_text() == "Riverside Primary"
        assert page.get_by_text("Figures as at 22 November 2024").is_visible()
        assert page.get_by_role("img", name="Attendance by week, Riverside Primary").is_visible()
        screenshot(page, "school_dashboard")
        assert axe_violations(page, axe_source) == []

        page.get_by_role("region", name="Meeting the national threshold (2)").get_by_role(
            "link", name="Freddie Okafor"
        ).click()
        page.wait_for_url(
            live_server.url + reverse("attendance:pupil_attendance", args=[freddie.pk])
        )
        herringbone = page.get_by_role("img", name="Absence by weekday and session")
        assert herringbone.is_visible()
        box = herringbone.bounding_box()
        assert box is not None
        assert box["width"] > 300
        friday_pm = page.get_by_role("row").filter(has_text="Friday PM").inner_text()
        # 11 Friday afternoons: the one in half term was not a school day.
        assert friday_pm.split() == ["Friday", "PM", "Highest", "11", "11", "11", "100.0%"]
        assert page.get_by_text("Meets the national threshold").is_visible()
        assert page.get_by_text("1 more brother or sister at a school you cannot see").is_visible()
        screenshot(page, "pupil_attendance")
        assert axe_violations(page, axe_source) == []


def test_la_officer_opens_the_overview_and_sorts_it(live_server, page, axe_source):
    _, school, _ = a_school_with_registers()
    officer = UserFactory(
        la_user=True, local_authority=school.local_authority, email="officer@la.example.org"
    )
    sign_in(page, live_server.url, officer.email)
    page.goto(live_server.url + reverse("attendance:la_overview"))
    assert page.get_by_role("row", name="Riverside Primary").is_visible()
    screenshot(page, "la_overview")
    assert axe_violations(page, axe_source) == []

    page.locator("#main-content").get_by_role("link", name="Attendance", exact=True).click()
    page.wait_for_url("**/attendance/schools/?sort=attendance")
    header = page.get_by_role("columnheader", name="Attendance")
    assert header.get_attribute("aria-sort") == "ascending"
    first = page.locator("tbody tr").first.get_by_role("rowheader").inner_text()
    assert first == "Riverside Primary"  # below Hillside's 100.0%


def test_dashboard_filters_and_charts_work_without_javascript(live_server, browser):
    lead, school, _ = a_school_with_registers()
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    no_js = context.new_page()
    sign_in(no_js, live_server.url, lead.email)
    no_js.goto(live_server.url + reverse("attendance:school_dashboard", args=[school.pk]))
    no_js.get_by_label("Year group").select_option(label="Year 6")
    no_js.get_by_role("button", name="Apply filters").click()
    no_js.wait_for_url("**year_group=6**")
    persistent = no_js.get_by_role("region", name="Persistent absence (1)")
    assert persistent.get_by_role("link", name="Sam Whitfield").is_visible()
    assert no_js.get_by_role("img", name="Attendance by week, Riverside Primary").is_visible()
    context.close()
