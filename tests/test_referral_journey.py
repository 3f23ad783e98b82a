"""The referral journey across school and LA, in a real browser: the lead issues
a Notice to Improve; unauthorised absence continues, so the lead records that
the parents were told a referral will be made and refers early with a reason;
the LA officer returns it with a reason; the lead resubmits; the officer
accepts it and records a penalty-notice decision; both see the history, and
the submitted bundle does not change when the case is edited afterwards."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from cases.models import Contact
from notices.models import LegalReferral

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import UserFactory
from .test_pathway_rules import make_case, registers
from .test_pathway_walk import first_meeting, more_support

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def frozen(day, *, tick=False):
    return time_machine.travel(dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC), tick=tick)


def fill_date(page, name, day):
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def through_check_page(page, axe_source, confirm):
    """The check page lists the answers; only its "Confirm" acts."""
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert not summary.count(), summary.inner_text()
    assert page.get_by_role("heading", name=re.compile("Check your answers")).is_visible()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name=confirm).click()


def go(page, base, url, axe_source):
    page.goto(base + url)
    assert axe_violations(page, axe_source) == [], url


def test_notice_referral_return_resubmit_accept_and_decide(live_server, page, axe_source):
    with frozen(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)  # absent (O) every Monday and Friday, all spring
    with frozen(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    lead = case.lead_professional
    officer = UserFactory(
        la_user=True, local_authority=case.school.local_authority, email="officer@la.example.org"
    )
    base = live_server.url
    case_url = reverse("cases:case_detail", args=[case.pk])

    # The lead issues the Notice to Improve.
    with frozen(dt.date(2026, 2, 2), tick=True):
        sign_in(page, base, lead.email)
        go(page, base, case_url, axe_source)
        page.get_by_role("link", name="Issue a Notice to Improve").click()
        fill_date(page, "issued_on", dt.date(2026, 2, 2))
        page.locator("#id_sufficient_improvement").fill(
            "No unauthorised absence, and attendance of at least 90% over the period."
        )
        page.get_by_role("button", name="Continue", exact=True).click()
        through_check_page(page, axe_source, "Confirm and issue the notice")
        page.wait_for_load_state()
        summary = page.locator(".govuk-error-summary")
        assert not summary.count(), summary.inner_text()
        assert page.locator("#notice-to-improve").get_by_text("23 March 2026").first.is_visible()

    # Unauthorised absence continues, so the lead refers before the period ends.
    with frozen(dt.date(2026, 3, 3), tick=True):
        # A month later: signed-in sessions end after a working day.
        sign_in(page, base, lead.email)
        go(page, base, case_url, axe_source)
        # First the parents are told that a referral will be made: the 15
        # school days run from today.
        page.get_by_role("link", name=re.compile("Record that the parents were told")).click()
        fill_date(page, "told_on", dt.date(2026, 3, 3))
        page.get_by_label("Letter").check()
        page.get_by_label("Who told them?").fill("Ms Patel, attendance lead")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        summary = page.locator(".govuk-error-summary")
        assert not summary.count(), summary.inner_text()
        assert (
            page.locator("#notice-to-improve")
            .get_by_text("3 March 2026 (letter, by Ms Patel, attendance lead)")
            .is_visible()
        )
        page.get_by_role("link", name="Prepare a referral to the LA Attendance Team").click()
        page.get_by_label(re.compile("Reason for referring before the improvement period")).fill(
            "Absent every Monday and Friday since the notice, with no reason given."
        )
        page.get_by_role("button", name="Continue", exact=True).click()
        through_check_page(page, axe_source, "Confirm and submit the referral")
        page.wait_for_url(re.compile(r".*/notices/referrals/\d+/$"))
        first = LegalReferral.unscoped.get(case=case)
        bundle_url = reverse("notices:referral_bundle", args=[first.pk])
        page.goto(base + bundle_url)
        bundle_before = page.locator("main").inner_text()

        # The officer returns it with a reason.
        page.context.clear_cookies()
        sign_in(page, base, officer.email)
        go(page, base, reverse("notices:inbox"), axe_source)
        go(page, base, reverse("notices:referral_detail", args=[first.pk]), axe_source)
        page.get_by_label("What the school needs to add or change").fill(
            "Add the notes of the third meeting."
        )
        page.get_by_role("button", name="Continue to return it").click()
        page.wait_for_load_state()
        assert page.get_by_text("Add the notes of the third meeting.").first.is_visible()
        through_check_page(page, axe_source, "Confirm and return the referral")
        page.wait_for_url(re.compile(r".*/notices/referrals/\d+/$"))

        # The lead sees why, and resubmits.
        page.context.clear_cookies()
        sign_in(page, base, lead.email)
        go(page, base, reverse("notices:referral_detail", args=[first.pk]), axe_source)
        assert page.get_by_text("Add the notes of the third meeting.").first.is_visible()
        page.get_by_role("link", name="resubmit the referral").click()
        page.get_by_label(re.compile("Reason for referring before the improvement period")).fill(
            "Absent every Monday and Friday since the notice; meeting notes added."
        )
        page.get_by_role("button", name="Continue", exact=True).click()
        through_check_page(page, axe_source, "Confirm and submit the referral")
        page.wait_for_url(re.compile(r".*/notices/referrals/\d+/$"))
        second = LegalReferral.unscoped.filter(case=case).order_by("-version").first()
        assert second.version == 2

        # The officer accepts it and records a penalty-notice decision.
        page.context.clear_cookies()
        sign_in(page, base, officer.email)
        detail = reverse("notices:referral_detail", args=[second.pk])
        go(page, base, detail, axe_source)
        page.get_by_role("button", name="Continue to accept").click()
        through_check_page(page, axe_source, "Confirm and accept the referral")
        page.wait_for_load_state()
        assert axe_violations(page, axe_source) == []
        page.get_by_label("Penalty notice").check()
        page.get_by_label("Reason for the decision").fill(
            "Support offered and not engaged with; unauthorised absence continues."
        )
        fill_date(page, "decided_on", dt.date(2026, 3, 3))
        page.get_by_role("button", name="Continue", exact=True).click()
        through_check_page(page, axe_source, "Confirm and record the decision")
        page.wait_for_load_state()
        assert page.get_by_text("Penalty notice").first.is_visible()

        # Both sides see the history: two versions, the return and the decision.
        for user in (lead, officer):
            page.context.clear_cookies()
            sign_in(page, base, user.email)
            page.goto(base + detail)
            assert page.get_by_text("Version 1").first.is_visible()
            assert page.get_by_text("Version 2").first.is_visible()
            assert page.get_by_text("Penalty notice").first.is_visible()

        # Editing the case afterwards leaves the submitted bundle as it was.
        Contact.unscoped.create(
            pupil=case.pupil,
            school=case.school,
            case=case,
            made_by=lead,
            reached=True,
            method="phone",
            occurred_at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC),
            reason_established="A new reason, after the referral",
        )
        page.goto(base + bundle_url)
        assert page.locator("main").inner_text() == bundle_before
