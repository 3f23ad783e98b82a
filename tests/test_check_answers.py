""" "Check your answers" before every irreversible legal step: issuing a Notice
to Improve, submitting, accepting and deciding a referral, issuing a penalty
notice and recording a prosecution.

For each: the form's POST alone writes nothing (no record, no stored
evaluation, no audit row) and shows what will be sent to whom; only "Confirm"
acts, once; a tampered, expired or stale token is refused with a message and
nothing is written; a second "Confirm" makes no second record."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from typing import Any

import pytest
import time_machine
from django.db.models import F
from django.urls import reverse

from cases.models import AttendanceCase
from core.models import AuditEvent
from notices.models import LADecision, LegalReferral, NoticeToImprove, PenaltyNotice
from notices.views_check import STALE, TAMPERED
from pathway.models import PathwayEvaluation

from .check_helpers import as_post, check_page_answers, post_and_confirm
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilCarerFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route
from .test_notices import ISSUED, ready_case
from .test_pathway_rules import at
from .test_pathway_walk import issue as issue_with_outcome
from .test_referrals import READY

pytestmark = pytest.mark.django_db

TAMPERED_TEXT = "Your answers could not be confirmed"
STALE_TEXT = "This has changed since you checked your answers"


def text(response: Any) -> str:
    # Unescaped, so that a generated name with an apostrophe reads as typed.
    return html.unescape(response.content.decode())


def audits(model: str) -> int:
    return AuditEvent.objects.filter(target_type=f"notices.{model}").count()


def tamper(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(n, value if n == name else v) for n, v in pairs]


# Issuing a Notice to Improve ------------------------------------------------------


def notice_form(case: AttendanceCase) -> dict[str, Any]:
    return {
        "issued_on_0": "2",
        "issued_on_1": "2",
        "issued_on_2": "2026",
        "recipients": [str(case.pupil.carer_links.get().pk)],
        "sufficient_improvement": "No unauthorised absence",
        "consequence": "A referral",
        "staff_contact": "Ms Patel, attendance lead",
        "override_reason": "",
    }


@pytest.fixture
def notice_case() -> AttendanceCase:
    case = ready_case()
    carer = case.pupil.carer_links.get().carer
    carer.address = "1 Mill Lane\nNorthmoor"
    carer.postcode = "NM1 2AB"
    carer.save()
    return case


def test_the_notice_form_alone_writes_nothing_and_shows_who_gets_what(notice_case):
    """Issued 2 February 2026 (rule A4): the check page names the parent and
    the address the letter goes to, the period ending 23 March 2026 (30 school
    days, half term skipped), the threshold to be stored (18 unauthorised
    sessions: every Monday and Friday since 5 January) and the support listed."""
    case = notice_case
    client = signed_in_client(case.lead_professional)
    url = reverse("notices:notice_new", args=[case.pk])
    carer = case.pupil.carer_links.get().carer
    with at(ISSUED):
        response = client.post(url, notice_form(case))
    body = text(response)
    assert response.status_code == 200
    assert "Check your answers before you issue the Notice to Improve" in body
    assert f"{carer} (Mother): 1 Mill Lane, Northmoor, NM1 2AB" in body
    assert "2 February 2026" in body
    assert "The day after issue until 23 March 2026" in body
    assert "18 unauthorised sessions in the 10 school weeks to 2 February 2026" in body
    assert "Family support sessions" in body
    assert 'name="check_token"' in body
    # Nothing written: no notice, no stored evaluation, no audit row.
    assert not NoticeToImprove.unscoped.exists()
    assert not PathwayEvaluation.unscoped.filter(case=case).exists()
    assert audits("NoticeToImprove") == 0

    with at(ISSUED):
        confirmed = client.post(url, as_post(check_page_answers(response), confirm="1"))
        again = client.post(url, as_post(check_page_answers(response), confirm="1"))
    assert confirmed.status_code == 302
    notice = NoticeToImprove.unscoped.get()
    assert (notice.issued_on, notice.period_ends_on, notice.threshold_sessions) == (
        ISSUED,
        dt.date(2026, 3, 23),
        18,
    )
    # The evaluation is stored on confirm, once.
    assert PathwayEvaluation.unscoped.filter(case=case, allowed=True).count() == 1
    # The second "Confirm" (a double click, or the back button) makes nothing.
    assert again.status_code == 302
    assert NoticeToImprove.unscoped.count() == 1
    assert audits("NoticeToImprove") == 1


def test_change_goes_back_to_the_form_keeping_what_was_typed(notice_case):
    client = signed_in_client(notice_case.lead_professional)
    url = reverse("notices:notice_new", args=[notice_case.pk])
    with at(ISSUED):
        check = client.post(url, notice_form(notice_case))
        back = client.post(url, as_post(check_page_answers(check), change="staff_contact"))
    assert back.status_code == 200
    assert 'value="Ms Patel, attendance lead"' in text(back)
    assert "No unauthorised absence" in text(back)
    assert "govuk-error-summary" not in text(back)
    assert not NoticeToImprove.unscoped.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda pairs: tamper(pairs, "staff_contact", "Someone else"),
        lambda pairs: tamper(pairs, "check_token", "not-a-signed-token"),
        # A token signed for another step (or user) is not this one's.
        lambda pairs: tamper(pairs, "check_token", pairs[-1][1][:-2] + "xx"),
    ],
    ids=["answer-changed", "token-forged", "token-altered"],
)
def test_a_tampered_check_page_is_refused_and_nothing_written(notice_case, change):
    client = signed_in_client(notice_case.lead_professional)
    url = reverse("notices:notice_new", args=[notice_case.pk])
    with at(ISSUED):
        check = client.post(url, notice_form(notice_case))
        response = client.post(url, as_post(change(check_page_answers(check)), confirm="1"))
    assert response.status_code == 409
    assert TAMPERED_TEXT in text(response)
    # What was typed is kept on the form.
    assert "No unauthorised absence" in text(response)
    assert not NoticeToImprove.unscoped.exists()
    assert not PathwayEvaluation.unscoped.filter(case=notice_case).exists()


def test_an_expired_check_page_is_refused(notice_case):
    client = signed_in_client(notice_case.lead_professional)
    url = reverse("notices:notice_new", args=[notice_case.pk])
    with at(ISSUED):
        check = client.post(url, notice_form(notice_case))
    # Checked at 4pm, confirmed after 9pm: more than 4 hours later.
    later = dt.datetime.combine(ISSUED, dt.time(21, 30), tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        response = client.post(url, as_post(check_page_answers(check), confirm="1"))
    assert response.status_code == 409
    assert TAMPERED_TEXT in text(response)
    assert not NoticeToImprove.unscoped.exists()


def test_a_case_changed_since_the_check_is_refused_as_stale(notice_case):
    client = signed_in_client(notice_case.lead_professional)
    url = reverse("notices:notice_new", args=[notice_case.pk])
    with at(ISSUED):
        check = client.post(url, notice_form(notice_case))
        # Someone else changes the case in the meantime.
        AttendanceCase.unscoped.filter(pk=notice_case.pk).update(version=F("version") + 1)
        response = client.post(url, as_post(check_page_answers(check), confirm="1"))
    assert response.status_code == 409
    assert STALE_TEXT in text(response)
    assert "Ms Patel, attendance lead" in text(response)
    assert not NoticeToImprove.unscoped.exists()


def test_the_messages_are_the_ones_the_page_shows():
    assert TAMPERED.startswith(TAMPERED_TEXT)
    assert STALE.startswith(STALE_TEXT)


# Referrals: submit, accept, decide -------------------------------------------------


@pytest.fixture
def referral_case() -> AttendanceCase:
    """Notice issued 2 February 2026; not sufficient improvement recorded on 24 March."""
    case = ready_case()
    with at(ISSUED):
        made = issue_with_outcome(case, outcome="not_improved", outcome_on=READY)
    made.recipients.set(case.pupil.carer_links.all())
    case.refresh_from_db()
    return case


def test_submitting_a_referral_is_checked_then_confirmed_once(referral_case):
    case = referral_case
    client = signed_in_client(case.lead_professional)
    url = reverse("notices:referral_submit", args=[case.pk])
    with at(READY):
        check = client.post(url, {"early_referral_reason": ""})
        body = text(check)
        assert check.status_code == 200, body
        assert f"{case.school.local_authority.name}, for review" in body
        assert "Issued 2 February 2026 to" in body
        assert not LegalReferral.unscoped.exists()
        assert not PathwayEvaluation.unscoped.filter(rule_set="referral").exists()
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "check_token", "x"), confirm="1"))
        assert forged.status_code == 409
        assert not LegalReferral.unscoped.exists()
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert STALE_TEXT in text(second)
    assert LegalReferral.unscoped.count() == 1
    assert PathwayEvaluation.unscoped.filter(rule_set="referral").count() == 1


@pytest.fixture
def submitted(referral_case) -> LegalReferral:
    from notices.services.referrals import referral_submit

    with at(READY):
        return referral_submit(
            acting_user=referral_case.lead_professional, case_id=referral_case.pk
        )


def test_accepting_is_checked_then_confirmed_once(submitted):
    officer = UserFactory(la_user=True, local_authority=submitted.case.school.local_authority)
    client = signed_in_client(officer)
    url = reverse("notices:referral_accept", args=[submitted.pk])
    with at(READY):
        check = client.post(url)
        assert check.status_code == 200
        assert submitted.case.pupil.display_name in text(check)
        assert "sees that the LA has accepted the referral" in text(check)
        submitted.refresh_from_db()
        assert submitted.status == LegalReferral.Status.SUBMITTED
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "check_token", "x"), confirm="1"))
        assert forged.status_code == 302
        submitted.refresh_from_db()
        assert submitted.status == LegalReferral.Status.SUBMITTED
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"), follow=True)
    submitted.refresh_from_db()
    assert first.status_code == 302
    assert submitted.status == LegalReferral.Status.ACCEPTED
    assert STALE_TEXT in text(second)
    assert (
        AuditEvent.objects.filter(
            target_type="notices.LegalReferral", target_id=str(submitted.pk), action="update"
        ).count()
        == 1
    )


def test_returning_a_referral_is_checked_then_confirmed_once(submitted):
    """The check page shows what the school will read (the reasons, as typed)
    and that it can resubmit as version 2; only "Confirm" returns it, once, and
    the case goes back to the Notice to Improve stage."""
    officer = UserFactory(la_user=True, local_authority=submitted.case.school.local_authority)
    client = signed_in_client(officer)
    url = reverse("notices:referral_return", args=[submitted.pk])
    school = submitted.case.school.name
    with at(READY):
        empty = client.post(url, {"reasons": ""})
        assert empty.status_code == 400
        assert "Enter what the school needs to add or change" in text(empty)
        check = client.post(url, {"reasons": "Add the notes of the third meeting."})
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you return the referral to the school" in body
        assert f"{school}, its attendance lead and DSL" in body
        assert "Add the notes of the third meeting." in body
        assert "resubmit the referral as version 2" in body
        submitted.refresh_from_db()
        assert submitted.status == LegalReferral.Status.SUBMITTED
        assert audits("LegalReferral") == 1  # the submission
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "reasons", "Something else"), confirm="1"))
        assert forged.status_code == 409
        assert TAMPERED_TEXT in text(forged)
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert STALE_TEXT in text(second)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.return_reasons) == (
        LegalReferral.Status.RETURNED,
        "Add the notes of the third meeting.",
    )
    assert audits("LegalReferral") == 2
    submitted.case.refresh_from_db()
    assert submitted.case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE


def test_the_la_decision_is_checked_then_confirmed_once(submitted):
    officer = UserFactory(la_user=True, local_authority=submitted.case.school.local_authority)
    LegalReferral.unscoped.filter(pk=submitted.pk).update(status="accepted")
    client = signed_in_client(officer)
    url = reverse("notices:referral_decide", args=[submitted.pk])
    data = {
        "kind": "penalty_notice",
        "reason": "Support offered and not engaged with.",
        "decided_on_0": "24",
        "decided_on_1": "3",
        "decided_on_2": "2026",
    }
    parent = submitted.notice.recipients.get().carer
    with at(READY):
        check = client.post(url, data)
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you record the LA's decision" in body
        assert f"issued to the parents served the Notice to Improve: {parent}." in body
        assert not LADecision.unscoped.exists()
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "kind", "prosecution_444_1"), confirm="1"))
        assert forged.status_code == 409
        assert not LADecision.unscoped.exists()
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert LADecision.unscoped.count() == 1


# Penalty notices: issue, prosecute ---------------------------------------------------

PENALTY_TODAY = dt.datetime(2025, 12, 1, 10, tzinfo=dt.UTC)


def dates(name: str, on: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(on.day), f"{name}_1": str(on.month), f"{name}_2": str(on.year)}


@pytest.fixture
def penalty_setup():
    with time_machine.travel(PENALTY_TODAY, tick=False):
        case = AttendanceCaseFactory()
        mother = PupilCarerFactory(pupil=case.pupil)
        mother.carer.address = "4 Mill Lane"
        mother.carer.postcode = "NM1 4AB"
        mother.carer.save()
        absent(case, dt.date(2025, 9, 8), dt.date(2025, 9, 26))
        decision = penalty_route(case, mother)
        officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
        yield case, mother, decision, officer


def test_issuing_a_penalty_notice_is_checked_then_confirmed_once(penalty_setup):
    """Handed over on 1 October 2025 for 8 to 26 September 2025 (15 weekdays,
    30 sessions marked O): received the same day, so £80 by 21 October and
    £160 by 28 October (The Education (Penalty Notices) (England) Regulations
    2007, as amended 2024)."""
    case, mother, decision, officer = penalty_setup
    client = signed_in_client(officer)
    url = reverse("notices:penalty_notices", args=[case.pk])
    data = {
        "decision": str(decision.pk),
        "recipient": str(mother.pk),
        "service_method": "first_class",
        "reason": "",
        "issue_token": str(uuid.uuid4()),
        **dates("issued_on", dt.date(2025, 10, 1)),
        **dates("served_on", dt.date(2025, 10, 1)),
        **dates("offence_first_day", dt.date(2025, 9, 8)),
        **dates("offence_last_day", dt.date(2025, 9, 26)),
    }
    with time_machine.travel(PENALTY_TODAY, tick=False):
        check = client.post(url, data)
        body = text(check)
        assert check.status_code == 200, body
        assert f"{mother.carer} (Mother): 4 Mill Lane, NM1 4AB" in body
        assert "8 September 2025 to 26 September 2025" in body
        assert "30 sessions" in body
        # First-class post on Wednesday 1 October: deemed received the second
        # working day after, Friday 3 October; 21 and 28 days run from then.
        assert "First-class post" in body
        assert "3 October 2025" in body
        assert "£80 if paid by 23 October 2025" in body
        assert "£160 if paid by 30 October 2025" in body
        # The dry run is undone: no notice, no audit row.
        assert not PenaltyNotice.unscoped.exists()
        assert audits("PenaltyNotice") == 0
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "service_method", "hand"), confirm="1"))
        assert forged.status_code == 409
        assert not PenaltyNotice.unscoped.exists()
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert PenaltyNotice.unscoped.count() == 1
    assert PenaltyNotice.unscoped.get().received_on == dt.date(2025, 10, 3)
    assert audits("PenaltyNotice") == 1


def test_recording_a_prosecution_is_checked_then_confirmed_once(penalty_setup):
    case, mother, decision, officer = penalty_setup
    with time_machine.travel(PENALTY_TODAY, tick=False):
        notice = issue_on_route(
            officer,
            case,
            mother,
            decision=decision,
            issued_on=dt.date(2025, 10, 1),
            first=dt.date(2025, 9, 8),
            last=dt.date(2025, 9, 26),
        )
    client = signed_in_client(officer)
    url = reverse("notices:penalty_prosecute", args=[notice.pk])
    data = {
        "note": "Legal agreed.",
        "eso_considered": "on",
        "eso_note": "The parents declined every offer of support.",
        "contract_explored": "no",
        "contract_note": "The parents would not meet to agree one.",
        **dates("decided_on", dt.date(2025, 10, 29)),
    }
    with time_machine.travel(PENALTY_TODAY, tick=False):
        check = client.post(url, data)
        body = text(check)
        assert check.status_code == 200, body
        assert str(mother.carer) in body
        # s127 Magistrates' Courts Act 1980: 6 months from 26 September 2025.
        assert "The information must be laid by 26 March 2026" in body
        notice.refresh_from_db()
        assert notice.status == "issued"
        pairs = check_page_answers(check)
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    notice.refresh_from_db()
    assert first.status_code == 302
    assert notice.status == "prosecution"
    assert second.status_code == 409


def test_post_and_confirm_helper_returns_a_refused_form_as_it_is(notice_case):
    """A form refused before the check page (no recipient) is not confirmed."""
    client = signed_in_client(notice_case.lead_professional)
    url = reverse("notices:notice_new", args=[notice_case.pk])
    data = notice_form(notice_case)
    del data["recipients"]
    with at(ISSUED):
        response = post_and_confirm(client, url, data)
    assert response.status_code == 200
    assert "Select at least one parent or carer" in text(response)
    assert not NoticeToImprove.unscoped.exists()
