"""The notice and referral pages in a real browser, both sides: axe (WCAG 2.2
AA) finds nothing on the school's case page with its notice and readiness
panel, the daily review, the form recording that the parents were told of the
referral, the referral submission and detail, and on the LA's inbox, referral
page and frozen bundle."""

import datetime as dt

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
