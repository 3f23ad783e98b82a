"""The demo's legal stage (demo.legal, demo.legal_cases, demo.legal_holiday), as
a newcomer running `make run` sees it: every stage past Support First, each
written through the services as at its own day (rules A4, A5)."""

from __future__ import annotations

import datetime as dt
import html as entities
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from attendance.models import RegisterYear
from cases.models import AttendanceCase
from demo.legal_cases import PARTS
from notices.models import (
    HolidayRequest,
    LADecision,
    LegalReferral,
    NoticeToImprove,
    ParentsToldOfReferral,
    PenaltyNotice,
)
from notices.services.notices import issue_date_check
from pathway.models import PathwayEvaluation

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)  # a Friday in the autumn term, as in test_seed_demo
OFFICER = "officer@northmoor-council.example.org"
PASSWORD = "demo-pathway-2026"


@pytest.fixture(autouse=True)
def _autumn_term() -> Iterator[None]:
    moment = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        yield


def test_the_demo_shows_every_legal_stage_as_a_user_sees_it():
    """One build (it is the slow part), then each stage as its user finds it."""
    out = io.StringIO()
    # 40 pupils a school: enough good attenders for the four legal pupils, and quick.
    call_command("seed_demo", "--pupils-per-school", "40", stdout=out)
    assert "Referred for legal intervention" in out.getvalue()
    check_the_legal_pupils_have_registers_from_the_term_before()
    check_a_notice_not_heeded_and_its_referral_in_the_las_inbox()
    check_a_returned_referral_is_on_the_leads_caseload_and_home_with_the_reasons()
    check_penalty_notices_one_paid_and_one_unpaid_past_its_period()
    check_a_prosecution_decision_with_the_eso_considered()
    check_holiday_requests_are_with_the_la_and_one_has_a_penalty_notice()
    check_pathway_check_shows_referrals_allowed_and_blocked()
    check_the_lead_of_each_legal_case_is_the_schools()
    check_a_user_still_cannot_backdate_a_notice()


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(email=email, password=PASSWORD)
    return client


def text(content: bytes) -> str:
    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content.decode())))


def case_of(referral_status: str) -> AttendanceCase:
    return LegalReferral.unscoped.select_related("case").get(status=referral_status).case


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text(response.content)


def check_the_legal_pupils_have_registers_from_the_term_before() -> None:
    """The four legal-stage pupils' histories start in the summer term (2025/26),
    before the demo's own registers (September 2026): nobody else's do."""
    summer = RegisterYear.unscoped.filter(academic_year=2025)
    referred = LegalReferral.unscoped.values_list("case__pupil_id", flat=True)
    assert summer.count() == len(PARTS)
    assert set(summer.values_list("pupil_id", flat=True)) == set(referred)


def check_a_notice_not_heeded_and_its_referral_in_the_las_inbox() -> None:
    """Issued as at its own day (the pathway's verdict on that day, allowed),
    its 30 school days ended weeks before the demo day, outcome "not
    sufficient improvement" recorded after it, the parents told, the referral
    submitted within 15 school days (its verdict allowed on that day): the
    LA officer's inbox lists it."""
    case = case_of(LegalReferral.Status.SUBMITTED)
    notice = NoticeToImprove.unscoped.get(case=case)
    assert notice.period_ends_on < TODAY - dt.timedelta(days=14)
    assert notice.outcome == NoticeToImprove.Outcome.NOT_IMPROVED
    assert notice.outcome_on > notice.period_ends_on
    assert ParentsToldOfReferral.unscoped.filter(notice=notice).exists()
    verdicts = PathwayEvaluation.unscoped.filter(case=case, allowed=True)
    assert set(verdicts.values_list("rule_set", "day")) >= {
        (PathwayEvaluation.RuleSet.NOTICE_TO_IMPROVE, notice.issued_on),
    }
    referral = LegalReferral.unscoped.get(case=case)
    assert referral.case.stage == AttendanceCase.Stage.REFERRED
    assert verdicts.filter(
        rule_set=PathwayEvaluation.RuleSet.REFERRAL,
        day=referral.submitted_at.date(),
    ).exists()

    inbox = page(signed_in(OFFICER), reverse("notices:inbox"))
    assert case.pupil.display_name in inbox


def check_a_returned_referral_is_on_the_leads_caseload_and_home_with_the_reasons() -> None:
    case = case_of(LegalReferral.Status.RETURNED)
    referral = LegalReferral.unscoped.get(case=case)
    assert referral.return_reasons
    assert case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE
    lead = signed_in(case.lead_professional.email)
    caseload = lead.get(reverse("cases:caseload")).content
    assert f'data-returned="{case.pk}"' in caseload.decode()
    assert referral.return_reasons in text(caseload)
    home = page(lead, reverse("home"))
    assert "Returned by the LA" in home
    assert case.pupil.display_name in home


def check_penalty_notices_one_paid_and_one_unpaid_past_its_period() -> None:
    """The LA's decision "penalty notice" on an accepted referral, a notice to
    each parent served the Notice to Improve, posted first class: one paid £80
    within its 21 days, the other unpaid after its 28 days and flagged for a
    decision (prosecute, or withdraw under regulation 9)."""
    decision = LADecision.unscoped.get(kind=LADecision.Kind.PENALTY_NOTICE)
    notices = list(PenaltyNotice.unscoped.filter(decision=decision).order_by("pk"))
    assert [n.status for n in notices] == [PenaltyNotice.Status.PAID, PenaltyNotice.Status.ISSUED]
    paid, unpaid = notices
    assert paid.amount_paid == 8000
    assert unpaid.full_due_on < TODAY
    served = NoticeToImprove.unscoped.get(case=decision.referral.case).recipients.all()
    assert {n.recipient_id for n in notices} == {link.pk for link in served}

    url = reverse("notices:penalty_notices", args=[decision.referral.case_id])
    shown = page(signed_in(OFFICER), url)
    assert "the notice is to be withdrawn (regulation 9)" in shown


def check_a_prosecution_decision_with_the_eso_considered() -> None:
    decision = LADecision.unscoped.get(kind__in=LADecision.PROSECUTIONS)
    assert decision.eso_considered
    assert decision.eso_note
    assert decision.contract_explored is True
    case = decision.referral.case
    shown = page(
        signed_in(case.lead_professional.email), reverse("cases:case_detail", args=[case.pk])
    )
    assert "Education supervision order: considered" in shown
    assert "Attendance contract: explored" in shown


def check_holiday_requests_are_with_the_la_and_one_has_a_penalty_notice() -> None:
    requests = HolidayRequest.unscoped.order_by("pk")
    assert {r.status for r in requests} == {
        HolidayRequest.Status.ACCEPTED,
        HolidayRequest.Status.SUBMITTED,
    }
    accepted = requests.get(status=HolidayRequest.Status.ACCEPTED)
    assert PenaltyNotice.unscoped.filter(holiday_request=accepted).count() == 1
    listed = page(signed_in(OFFICER), reverse("notices:holiday_list") + "?status=all")
    for request in requests:
        assert str(request.pupil.display_name) in listed


def check_pathway_check_shows_referrals_allowed_and_blocked() -> None:
    """The returned referral may be resubmitted (every referral rule met); the
    running notice's case may not refer yet (its period runs, no reason to
    refer early)."""
    returned = case_of(LegalReferral.Status.RETURNED)
    running = NoticeToImprove.unscoped.get(outcome="").case
    allowed, blocked = io.StringIO(), io.StringIO()
    call_command("pathway_check", str(returned.pk), stdout=allowed)
    call_command("pathway_check", str(running.pk), stdout=blocked)
    assert "Referral: allowed" in allowed.getvalue()
    assert "Referral: not allowed" in blocked.getvalue()


def check_the_lead_of_each_legal_case_is_the_schools() -> None:
    for case in AttendanceCase.unscoped.filter(stage=AttendanceCase.Stage.REFERRED):
        assert User.objects.get(pk=case.lead_professional_id).school_id == case.school_id


def check_a_user_still_cannot_backdate_a_notice() -> None:
    """The demo's notices were issued as at their own days; judged from today,
    as the pages judge every user's notice, the same date is refused (more than
    the LA's 5 school days back, rule A4)."""
    notice = NoticeToImprove.unscoped.select_related("case__school").get(
        referrals__status=LegalReferral.Status.SUBMITTED
    )
    with pytest.raises(ValidationError, match="too far back"):
        issue_date_check(notice.case, notice.issued_on)
    issue_date_check(notice.case, notice.issued_on, as_at=notice.issued_on)
