"""The notice and referral pages in a real browser, both sides: axe (WCAG 2.2
AA) finds nothing on the school's case page with its notice and readiness
panel, the daily review, the form recording that the parents were told of the
referral, the referral submission and detail, and on the LA's inbox, referral
page and frozen bundle."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from notices.services.referrals import referral_submit

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import UserFactory
from .test_pathway_rules import make_case, registers
from .test_pathway_walk import first_meeting, issue, more_support

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def frozen(day, *, tick=False):
    return time_machine.travel(dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC), tick=tick)


def test_the_notice_and_referral_pages_pass_axe_for_the_school_and_the_la(
    live_server, page, axe_source
):
    with frozen(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with frozen(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    with frozen(dt.date(2026, 2, 2)):
        # Not sufficient improvement, recorded once the period ended on 23 March.
        notice = issue(case, outcome="not_improved", outcome_on=dt.date(2026, 3, 24))
    lead = case.lead_professional
    officer = UserFactory(
        la_user=True, local_authority=case.school.local_authority, email="officer@la.example.org"
    )
    with frozen(dt.date(2026, 3, 24), tick=True):
        sign_in(page, live_server.url, lead.email)
        for url in (
            reverse("cases:case_detail", args=[case.pk]),
            reverse("notices:review"),
            reverse("notices:parents_told", args=[notice.pk]),
            reverse("notices:referral_submit", args=[case.pk]),
        ):
            page.goto(live_server.url + url)
            assert axe_violations(page, axe_source) == [], url
        referral = referral_submit(acting_user=lead, case_id=case.pk)
        page.goto(live_server.url + reverse("notices:referral_detail", args=[referral.pk]))
        assert axe_violations(page, axe_source) == []

        page.context.clear_cookies()
        sign_in(page, live_server.url, officer.email)
        for url in (
            reverse("notices:inbox"),
            reverse("notices:referral_detail", args=[referral.pk]),
            reverse("notices:referral_bundle", args=[referral.pk]),
        ):
            page.goto(live_server.url + url)
            assert axe_violations(page, axe_source) == [], url
        assert page.get_by_text(case.pupil.display_name).first.is_visible()


def fill_date(page, name, day):
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def check_page(page, axe_source):
    """On a check page, with no errors and nothing for axe to find."""
    page.wait_for_load_state()
    errors = page.locator(".govuk-error-summary")
    assert not errors.count(), errors.inner_text()
    assert page.get_by_role("heading", name=re.compile("Check your answers")).is_visible()
    assert axe_violations(page, axe_source) == [], page.url


def test_a_notice_issued_through_its_check_page_then_corrected_and_withdrawn(
    live_server, page, axe_source
):
    """Without JavaScript's help: the form, its check page (with "Change" back
    to the form keeping what was typed), "Confirm"; then the correction and the
    withdrawal, each through its own check page."""
    from notices.models import NoticeToImprove

    with frozen(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with frozen(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    base = live_server.url
    case_url = reverse("cases:case_detail", args=[case.pk])
    with frozen(dt.date(2026, 2, 4), tick=True):
        sign_in(page, base, case.lead_professional.email)
        page.goto(base + reverse("notices:notice_new", args=[case.pk]))
        fill_date(page, "issued_on", dt.date(2026, 2, 2))
        page.locator("#id_sufficient_improvement").fill("No unauthorised absence.")
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        assert page.get_by_text("The day after issue until 23 March 2026").is_visible()
        # "Change" goes back to the form with what was typed.
        page.get_by_role("button", name=re.compile("Change what sufficient improvement")).click()
        page.wait_for_load_state()
        assert page.locator("#id_sufficient_improvement").input_value() == (
            "No unauthorised absence."
        )
        assert not NoticeToImprove.unscoped.exists()
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        page.get_by_role("button", name="Confirm and issue the notice").click()
        page.wait_for_url(re.compile(r".*/cases/\d+/.*"))
        first = NoticeToImprove.unscoped.get()

        page.goto(base + reverse("notices:notice_correct", args=[first.pk]))
        assert axe_violations(page, axe_source) == []
        fill_date(page, "issued_on", dt.date(2026, 2, 3))
        page.get_by_label("What was wrong with the notice?").fill("Handed over a day later.")
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        page.get_by_role("button", name="Confirm and correct the notice").click()
        page.wait_for_url(re.compile(r".*/cases/\d+/.*"))
        second = NoticeToImprove.unscoped.get(corrects=first)
        page.goto(base + case_url)
        assert axe_violations(page, axe_source) == []
        assert page.locator("#notice-to-improve").get_by_text("Superseded").first.is_visible()

        page.goto(base + reverse("notices:notice_withdraw", args=[second.pk]))
        assert axe_violations(page, axe_source) == []
        page.get_by_label("Why is the notice withdrawn?").fill("Sent to the wrong address.")
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        page.get_by_role("button", name="Confirm and withdraw the notice").click()
        page.wait_for_url(re.compile(r".*/cases/\d+/.*"))
    second.refresh_from_db()
    assert second.status == "withdrawn"


def test_the_penalty_check_pages_pass_axe(live_server, page, axe_source):
    from notices.models import PenaltyNotice

    from .factories import AttendanceCaseFactory, PupilCarerFactory
    from .penalty_helpers import absent, penalty_route

    today = dt.date(2025, 12, 1)
    with frozen(today):
        case = AttendanceCaseFactory()
        mother = PupilCarerFactory(pupil=case.pupil)
        absent(case, dt.date(2025, 9, 8), dt.date(2025, 9, 26))
        penalty_route(case, mother)
        officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    base = live_server.url
    with frozen(today, tick=True):
        sign_in(page, base, officer.email)
        page.goto(base + reverse("notices:penalty_notices", args=[case.pk]))
        page.get_by_label(str(mother.carer)).check()
        fill_date(page, "offence_first_day", dt.date(2025, 9, 8))
        fill_date(page, "offence_last_day", dt.date(2025, 9, 26))
        fill_date(page, "issued_on", dt.date(2025, 10, 1))
        page.get_by_label("By hand").check()
        fill_date(page, "served_on", dt.date(2025, 10, 1))
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        page.get_by_role("button", name="Confirm and issue the penalty notice").click()
        page.wait_for_load_state()
        notice = PenaltyNotice.unscoped.get()

        page.goto(base + reverse("notices:penalty_prosecute", args=[notice.pk]))
        fill_date(page, "decided_on", dt.date(2025, 10, 29))
        page.get_by_label("An education supervision order was considered").check()
        page.get_by_label("Why an education supervision order is not used").fill(
            "The parents declined every offer of support."
        )
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue", exact=True).click()
        check_page(page, axe_source)
        page.get_by_role("button", name="Confirm and record the decision to prosecute").click()
        page.wait_for_load_state()
    notice.refresh_from_db()
    assert notice.status == "prosecution"
