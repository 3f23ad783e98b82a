"""The case page's readiness panel shows the next step's checks only (rule A4,
docs/rules.md#a4-the-support-first-pathway): no notice yet, the Notice to
Improve's; a notice running or ended, the referral's; a referral with the LA,
its status. What the attendance lead reads at each step, as page text, with the
page's queries bounded.

The case is the pathway walk's: ready for a notice on 30 January 2026, a notice
issued on Monday 2 February (its period ends 23 March; the referral is due
within 15 school days of telling the parents that it will be made)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from notices.services.notices import notice_outcome_record, parents_told_record
from notices.services.referrals import (
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, UserFactory
from .test_notices import issue, ready_case
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db

# The whole case page, with a term of registers, a school calendar, meetings, a
# plan, a notice and referrals: 31 to 41 queries across the steps (the panel
# before it showed the next step only: 35 to 40). A referral with the LA needs
# no checks, so none of the figures' queries. The referral section adds its
# versions, their decisions and the penalty notices: three at most. Opening the
# case file is audited: one insert.
MAX_QUERIES = 46
NOTICE_BUTTON = "Issue a Notice to Improve</a>"
REFERRAL_BUTTON = "Prepare a referral to the LA Attendance Team"
WARNING = "Not met (a warning: it does not stop the referral)"
EARLY = "Absent every Monday and Friday since the notice"


def panel(client: Client, case, day: dt.date, django_assert_max_num_queries) -> str:
    """The panel's text and markup as the lead sees it on `day`."""
    with at(day):
        client.get(reverse("cases:case_detail", args=[case.pk]))  # session and permissions
        with django_assert_max_num_queries(MAX_QUERIES):
            page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    found = re.search(r'<section[^>]*id="readiness".*?</section>', html, re.S)
    assert found, "no readiness panel"
    return found.group(0)


def checks(html: str) -> list[str]:
    return re.findall(r'data-check="([a-z_]+)"', html)


def words(html: str) -> str:
    """The panel's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


NTI = [
    "compulsory_school_age",
    "national_threshold",
    "meetings_held",
    "voice_recorded",
    "plan_in_place",
    "support_exhausted",
    "parents_not_engaging",
]
# The referral's: the threshold stored at issue, not today's, and the parents
# assessed as not engaging (no override), then the notice's own.
REFERRAL = [
    "compulsory_school_age",
    "threshold_at_notice",
    "meetings_held",
    "voice_recorded",
    "plan_in_place",
    "support_exhausted",
    "parents_assessed_not_engaging",
    "notice_issued",
    "notice_not_heeded",
    "referral_on_time",
]


def test_a_new_case_shows_the_notice_to_improve_checks_only(django_assert_max_num_queries):
    with at(dt.date(2026, 3, 3)):
        case = AttendanceCaseFactory()
    html = panel(
        signed_in_client(case.lead_professional),
        case,
        dt.date(2026, 3, 3),
        django_assert_max_num_queries,
    )
    text = words(html)
    assert "Ready to issue a Notice to Improve: no" in text
    assert checks(html) == NTI
    # The referral's checks cannot apply yet: no 15-day check, no warning.
    assert "Ready to submit a referral" not in text
    assert "No Notice to Improve has been issued" not in text
    assert WARNING not in text
    assert NOTICE_BUTTON not in html
    assert REFERRAL_BUTTON not in html


def test_what_the_lead_sees_from_ready_to_referred(django_assert_max_num_queries):
    case = ready_case()
    lead = case.lead_professional
    client = signed_in_client(lead)
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)

    # Ready, with no notice: the notice's checks and its button.
    html = panel(client, case, dt.date(2026, 1, 30), django_assert_max_num_queries)
    text = words(html)
    assert "Ready to issue a Notice to Improve: yes" in text
    assert checks(html) == NTI
    assert NOTICE_BUTTON in html
    assert "Ready to submit a referral" not in text
    assert REFERRAL_BUTTON not in html

    # The notice is running: the referral's checks, and no second notice.
    notice = issue(case)
    html = panel(client, case, dt.date(2026, 2, 10), django_assert_max_num_queries)
    text = words(html)
    assert "Ready to issue a Notice to Improve" not in text
    assert NOTICE_BUTTON not in html
    assert checks(html) == REFERRAL
    assert (
        "Notice to Improve issued 2 February 2026: its improvement period runs until "
        "23 March 2026." in text
    )
    assert "Ready to submit a referral: no" in text
    # The parents have not been told a referral will be made: the deadline
    # check says what to do, as a warning.
    assert 'data-check="referral_on_time" data-met="false"' in html
    assert "Record the day the parents were told that a referral will be made" in text
    assert REFERRAL_BUTTON in html

    # The outcome is recorded early, on 3 March (absent since the notice): the
    # panel does not go back to "ready to issue a Notice to Improve".
    with at(dt.date(2026, 3, 3)):
        notice_outcome_record(
            acting_user=lead,
            notice_id=notice.pk,
            outcome="not_improved",
            note="Absent every Monday and Friday since the notice",
            on=dt.date(2026, 3, 3),
        )
    html = panel(client, case, dt.date(2026, 3, 3), django_assert_max_num_queries)
    text = words(html)
    assert "Ready to issue a Notice to Improve" not in text
    assert NOTICE_BUTTON not in html
    assert (
        "Notice to Improve issued 2 February 2026: not sufficient improvement, recorded "
        "3 March 2026." in text
    )
    # Inside the period an early referral needs a reason, given on the submit page.
    assert "Ready to submit a referral: no" in text
    assert "The improvement period runs until 23 March 2026: to refer early, record a reason" in (
        text
    )
    assert checks(html) == REFERRAL
    assert WARNING in text
    assert REFERRAL_BUTTON in html

    # The parents are told the same day: the deadline is met, not a warning.
    with at(dt.date(2026, 3, 3)):
        parents_told_record(
            acting_user=lead,
            notice_id=notice.pk,
            told_on=dt.date(2026, 3, 3),
            method="letter",
            told_by="Ms Patel, attendance lead",
        )
    html = panel(client, case, dt.date(2026, 3, 3), django_assert_max_num_queries)
    assert 'data-check="referral_on_time" data-met="true"' in html
    assert WARNING not in words(html)

    # Submitted with the reason: its status, and no checks or buttons.
    with at(dt.date(2026, 3, 3)):
        referral = referral_submit(acting_user=lead, case_id=case.pk, early_referral_reason=EARLY)
    html = panel(client, case, dt.date(2026, 3, 4), django_assert_max_num_queries)
    text = words(html)
    assert "Referral submitted on 3 March 2026: awaiting the LA" in text
    assert reverse("notices:referral_detail", args=[referral.pk]) in html
    assert checks(html) == []
    assert "Ready to" not in text
    assert NOTICE_BUTTON not in html
    assert REFERRAL_BUTTON not in html

    # Returned: the referral's checks again, with the LA's reasons.
    with at(dt.date(2026, 3, 4)):
        referral_return(acting_user=officer, referral_id=referral.pk, reasons="Add the plan review")
    html = panel(client, case, dt.date(2026, 3, 5), django_assert_max_num_queries)
    text = words(html)
    assert "The LA returned the referral on 4 March 2026: Add the plan review" in text
    assert "Ready to submit a referral: no" in text
    assert checks(html) == REFERRAL
    assert REFERRAL_BUTTON in html
    assert NOTICE_BUTTON not in html

    # Resubmitted, accepted, decided.
    with at(dt.date(2026, 3, 5)):
        second = referral_submit(acting_user=lead, case_id=case.pk, early_referral_reason=EARLY)
    with at(dt.date(2026, 3, 6)):
        referral_accept(acting_user=officer, referral_id=second.pk)
    html = panel(client, case, dt.date(2026, 3, 6), django_assert_max_num_queries)
    assert (
        "Referral submitted on 5 March 2026 (version 2): accepted by the LA on 6 March 2026"
        in words(html)
    )
    with at(dt.date(2026, 3, 9)):
        referral_decide(
            acting_user=officer,
            referral_id=second.pk,
            kind="penalty_notice",
            reason="Support was not engaged with",
            decided_on=dt.date(2026, 3, 9),
            eso_considered=False,
        )
    html = panel(client, case, dt.date(2026, 3, 9), django_assert_max_num_queries)
    text = words(html)
    assert "Referral submitted on 5 March 2026 (version 2): the LA has decided" in text
    assert "The LA decided on 9 March 2026: Penalty notice." in text
    assert checks(html) == []
    assert NOTICE_BUTTON not in html
    assert REFERRAL_BUTTON not in html


def test_after_sufficient_improvement_the_next_step_is_a_notice_again(
    django_assert_max_num_queries,
):
    case = ready_case()
    client = signed_in_client(case.lead_professional)
    notice = issue(case)
    with at(dt.date(2026, 3, 24)):
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=notice.pk,
            outcome="improved",
            note="Attending every day since half term",
            on=dt.date(2026, 3, 24),
        )
    html = panel(client, case, dt.date(2026, 3, 24), django_assert_max_num_queries)
    text = words(html)
    assert (
        "The Notice to Improve issued 2 February 2026 ended with sufficient improvement on "
        "24 March 2026: the case is back in Support First." in text
    )
    # The registers still show absence every Monday and Friday, so a new notice
    # is ready; the referral of the old one is not offered.
    assert "Ready to issue a Notice to Improve: yes" in text
    assert checks(html) == NTI
    assert NOTICE_BUTTON in html
    assert "Ready to submit a referral" not in text
    assert REFERRAL_BUTTON not in html
