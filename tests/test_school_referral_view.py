"""The school's view of its referral (rule A4, rule A5): the case page's
referral section through return, resubmission, acceptance, the LA's decision
and a penalty notice; the caseload and home page flag a returned referral with
the LA's reasons; another school sees none of it."""

from __future__ import annotations

import datetime as dt
import html as entities
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from cases.models import AttendanceCase
from cases.selectors_cases import caseload
from notices.models import LegalReferral, PenaltyNotice
from notices.selectors import case_referral
from notices.services.penalties import penalty_notice_issue, penalty_notice_record_payment
from notices.services.referrals import (
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)
from pupils.models import PupilCarer

from .conftest import signed_in_client
from .factories import PupilCarerFactory, UserFactory
from .test_bundle import certified
from .test_pathway_rules import at
from .test_referrals import READY
from .test_referrals import case as case  # the fixture

pytestmark = pytest.mark.django_db

# The case of tests/test_referrals.py: notice issued 2 February 2026, period to
# 23 March without sufficient improvement, unauthorised absence every Monday
# and Friday of the spring term; ready to refer on 24 March.
REASONS = "Add the review of the plan held on 9 March and the school nurse's letter."
ACCEPTED = dt.date(2026, 3, 26)
ISSUED = dt.date(2026, 3, 30)


@pytest.fixture
def officer(case: AttendanceCase):
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


def text(html: bytes) -> str:
    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())))


def referral_section(html: bytes) -> str:
    match = re.search(rb'<section[^>]*id="referral".*?</section>', html, re.S)
    assert match, "no referral section"
    return text(match.group(0))


def case_page(case: AttendanceCase, user=None) -> bytes:
    client = signed_in_client(user or case.lead_professional)
    response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content


def returned(case: AttendanceCase, officer) -> LegalReferral:
    with at(READY):
        first = referral_submit(acting_user=case.lead_professional, case_id=case.pk)
        referral_return(acting_user=officer, referral_id=first.pk, reasons=REASONS)
    return first


def test_a_case_with_no_referral_says_so(case):
    with at(READY):
        assert "No referral has been submitted." in referral_section(case_page(case))


def test_a_returned_referral_shows_its_reasons_on_the_case_page(case, officer):
    """Version 1 submitted on 24 March 2026 and returned by the LA with reasons:
    the lead sees "Returned to the school", the LA's reasons and a link to
    resubmit on the case page; the case is back at the notice stage (the
    school adds what is missing)."""
    returned(case, officer)
    with at(READY):
        section = referral_section(case_page(case))
    assert "Returned to the school (version 1)" in section
    assert REASONS in section
    assert "Resubmit the referral" in section
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE


def test_caseload_and_home_flag_a_returned_referral_with_the_reasons(
    case, officer, django_assert_max_num_queries
):
    """A returned referral is found without typing its address: the caseload
    tags the case "Returned by the LA" with the reasons, and the lead's home
    page lists it under "Returned by the LA"; once resubmitted, both flags go."""
    returned(case, officer)
    lead = case.lead_professional
    client = signed_in_client(lead)
    with at(READY):
        # The order of every case, then the page's rows in full.
        with django_assert_max_num_queries(7):
            caseload_page = client.get(reverse("cases:caseload"))
        assert f'data-returned="{case.pk}"' in caseload_page.content.decode()
        assert "Returned by the LA" in text(caseload_page.content)
        assert REASONS in text(caseload_page.content)
        with django_assert_max_num_queries(7):  # 5, and the today list's flags and last run
            home = client.get(reverse("home"))
        assert "Returned by the LA" in text(home.content)
        assert REASONS in text(home.content)
        assert case.pupil.display_name in text(home.content)
        # The LA's officer sees its inbox, not this panel.
        assert "Returned by the LA" not in text(signed_in_client(officer).get("/").content)

        referral_submit(acting_user=lead, case_id=case.pk)
        assert caseload(user=lead)[0].returned is None
        assert "Returned by the LA" not in text(client.get(reverse("cases:caseload")).content)
        assert "Returned by the LA" not in text(client.get(reverse("home")).content)


def test_returned_referrals_come_first_among_the_leads_cases(case, officer):
    """The caseload puts what waits on the school first among the lead's own
    cases: a returned referral ranks with an overdue contact."""
    returned(case, officer)
    with at(READY):
        rows = caseload(user=case.lead_professional)
    assert rows[0].case.pk == case.pk
    assert rows[0].returned is not None
    assert (rows[0].returned.version, rows[0].returned.reasons) == (1, REASONS)
    assert rows[0].returned.returned_on == READY


def test_the_school_sees_every_version_the_decision_and_the_penalty_notices(
    case, officer, django_assert_max_num_queries, django_assert_num_queries
):
    """Returned (v1), resubmitted (v2), accepted on 26 March, penalty notice
    decided on 26 March with the ESO considered, two notices issued on 30
    March by hand for 23 February to 20 March (Mondays and Fridays absent):
    one paid at £80 on 10 April (within 21 days of receipt), one unpaid.

    On 1 May 2026 the unpaid one is past its 28-day period (received 30 March,
    due by 26 April) with no prosecution decided: "Withdrawal due" (regulation
    9 of the 2007 regulations as amended). On 21 July 2026 it is also 4 months
    since the last day of the offence (s127 Magistrates' Courts Act 1980: an
    information within 6 months)."""
    returned(case, officer)
    other_parent = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
    mother = PupilCarer.unscoped.filter(pupil=case.pupil).exclude(pk=other_parent.pk).get()
    case.notices.get().recipients.set([mother, other_parent])
    with at(READY):
        second = referral_submit(acting_user=case.lead_professional, case_id=case.pk)
    with at(ACCEPTED):
        referral_accept(acting_user=officer, referral_id=second.pk)
        case.refresh_from_db()
        assert case.stage == AttendanceCase.Stage.REFERRED
        decision = referral_decide(
            acting_user=officer,
            referral_id=second.pk,
            kind="penalty_notice",
            reason="Unauthorised absence continued after the notice.",
            decided_on=ACCEPTED,
            eso_considered=True,
            eso_note="The family has engaged with no order; a notice first.",
        )
    with at(ISSUED):
        notices = [
            penalty_notice_issue(
                acting_user=officer,
                case_id=case.pk,
                recipient_id=parent.pk,
                source_id=decision.pk,
                issued_on=ISSUED,
                offence_first_day=dt.date(2026, 2, 23),
                offence_last_day=dt.date(2026, 3, 20),
                service_method="hand",
                served_on=ISSUED,
            )
            for parent in (mother, other_parent)
        ]
    with at(dt.date(2026, 4, 10)):
        penalty_notice_record_payment(
            acting_user=officer, notice_id=notices[0].pk, paid_on=dt.date(2026, 4, 10), amount=8000
        )
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.REFERRED

    # The section's own reads are three, however many versions, decisions and
    # notices: the versions, their decisions, the penalty notices.
    lead = case.lead_professional
    with at(dt.date(2026, 5, 1)), django_assert_num_queries(3):
        found = case_referral(user=lead, case=case, day=dt.date(2026, 5, 1))
        assert [r.version for r in found.versions] == [2, 1]
        assert [d.kind for d in found.decisions] == ["penalty_notice"]
        assert len(found.penalties) == 2
    with at(dt.date(2026, 5, 1)), django_assert_max_num_queries(60):
        html = case_page(case)
    section = referral_section(html)
    assert "LA decision recorded (version 2)" in section
    assert "Version 2: submitted 24 March 2026" in section
    assert "Version 1: submitted 24 March 2026" in section
    assert REASONS in section  # the returned version keeps the LA's reasons
    assert "Resubmit the referral" not in section
    assert "Accepted by the LA 26 March 2026" in section
    assert "Penalty notice, 26 March 2026" in section
    assert "Unauthorised absence continued after the notice." in section
    assert "Education supervision order: considered" in section
    rows = dict(re.findall(r'data-penalty="(\d+)">(.*?)</tr>', html.decode(), re.S))
    assert "Paid" in rows[str(notices[0].pk)]
    assert "£80 on 10 Apr 2026" in rows[str(notices[0].pk)]
    assert "Withdrawal due" not in rows[str(notices[0].pk)]
    assert "Issued: not paid" in rows[str(notices[1].pk)]
    assert "Withdrawal due" in rows[str(notices[1].pk)]
    assert "regulation 9" in rows[str(notices[1].pk)]

    with at(dt.date(2026, 7, 21)):
        html = case_page(case)
    rows = dict(re.findall(r'data-penalty="(\d+)">(.*?)</tr>', html.decode(), re.S))
    assert 'data-limit="four_months"' in rows[str(notices[1].pk)]
    assert "data-limit" not in rows[str(notices[0].pk)]  # paid: no prosecution can follow


def test_a_prosecution_decision_shows_the_eso_and_the_contract(case, officer):
    """An accepted referral decided as a prosecution under s444(1A), with an
    ESO considered and an attendance contract explored (EA 1996 s447; the
    DfE's Working together to improve school attendance, 2024): the school
    sees the decision and both answers."""
    with at(READY):
        referral = referral_submit(acting_user=case.lead_professional, case_id=case.pk)
        certified(referral)
        referral_accept(acting_user=officer, referral_id=referral.pk)
        referral_decide(
            acting_user=officer,
            referral_id=referral.pk,
            kind="prosecution_444_1a",
            reason="Persistent absence after every offer of support.",
            decided_on=READY,
            eso_considered=True,
            eso_note="An order would add nothing: the parents refused every offer.",
            contract_explored=True,
            offence_first_day=dt.date(2026, 2, 3),
            offence_last_day=dt.date(2026, 3, 20),
        )
        section = referral_section(case_page(case))
    assert "Prosecution under section 444(1A), 24 March 2026" in section
    assert "Education supervision order: considered. An order would add nothing" in section
    assert "Attendance contract: explored" in section
    # Its six-month limit, from the offence period's last day (s127 MCA 1980).
    assert "Offence period: 3 February 2026 to 20 March 2026" in section
    assert "Lay the information by 20 September 2026" in section


def test_another_schools_lead_cannot_see_the_referral(case, officer):
    """Scoping: a lead at another school gets a 404 for the case page, and
    neither their caseload nor their home page shows the returned referral."""
    returned(case, officer)
    stranger = UserFactory(role=Role.ATTENDANCE_LEAD)
    assert stranger.school_id != case.school_id
    client = signed_in_client(stranger)
    with at(READY):
        assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
        assert REASONS not in text(client.get(reverse("cases:caseload")).content)
        assert "Returned by the LA" not in text(client.get(reverse("home")).content)
        assert caseload(user=stranger) == []


def test_penalty_notices_of_another_case_are_not_shown(case, officer):
    """The section reads the case's own notices: none here, so no table."""
    with at(READY):
        section = referral_section(case_page(case))
    assert "Penalty notices" not in section
    assert not PenaltyNotice.unscoped.exists()
