"""The six-month limit's new pages in a real browser: the LA records the
information laid on a prosecuted penalty notice through its form and check
page, then sees the limit met on the case's notices and in its list, and a
referral decision to prosecute shows its offence period and limit. Every page
has no axe (WCAG 2.2 AA) violation.

The worked example of tests/test_information_laid.py: offence period 8 to
26 September 2025, prosecution decided 3 November 2025, the information laid
by 26 March 2026; laid on 20 February 2026."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from notices.services.penalties import penalty_notice_prosecute

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import AttendanceCaseFactory, PupilCarerFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def frozen(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC), tick=True)


def check_axe(page, axe_source):
    assert axe_violations(page, axe_source) == [], page.url


def test_recording_the_information_laid(live_server, page, axe_source):
    with frozen(dt.date(2025, 12, 1)):
        case = AttendanceCaseFactory()
        mother = PupilCarerFactory(pupil=case.pupil)
        absent(case, dt.date(2025, 9, 8), dt.date(2025, 9, 26))
        officer = UserFactory(
            la_user=True, local_authority=case.school.local_authority, email="o@la.example.org"
        )
        notice = issue_on_route(
            officer,
            case,
            mother,
            decision=penalty_route(case, mother),
            issued_on=dt.date(2025, 10, 1),
            first=dt.date(2025, 9, 8),
            last=dt.date(2025, 9, 26),
        )
        penalty_notice_prosecute(
            acting_user=officer,
            notice_id=notice.pk,
            decided_on=dt.date(2025, 11, 3),
            note="",
            eso_considered=True,
            eso_note="Support was refused.",
            contract_explored=True,
        )
    base = live_server.url
    with frozen(dt.date(2026, 2, 27)):
        sign_in(page, base, officer.email)
        page.goto(base + reverse("notices:la_penalty_notices"))
        check_axe(page, axe_source)
        assert page.get_by_text("5 months since the offence").first.is_visible()
        page.goto(base + reverse("notices:penalty_notices", args=[case.pk]))
        check_axe(page, axe_source)
        page.get_by_role("link", name=re.compile("Record that the information was laid")).click()
        check_axe(page, axe_source)
        page.locator("#id_laid_on_0").fill("20")
        page.locator("#id_laid_on_1").fill("2")
        page.locator("#id_laid_on_2").fill("2026")
        page.get_by_label("Notes").fill("Northmoor Magistrates' Court")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == "Check your answers before you record that the information was laid"
        check_axe(page, axe_source)
        page.get_by_role("button", name="Confirm and record the information laid").click()
        page.wait_for_url(re.compile(r".*/penalty-notices/$"))
        check_axe(page, axe_source)
        assert page.locator("[data-information-laid]").is_visible()
        assert page.get_by_text("5 months since the offence").count() == 0
        page.goto(base + reverse("notices:la_penalty_notices"))
        assert page.get_by_text("Limit met").first.is_visible()
        check_axe(page, axe_source)
    notice.refresh_from_db()
    assert notice.information_laid_on == dt.date(2026, 2, 20)
