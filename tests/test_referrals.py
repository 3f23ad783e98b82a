"""Legal-intervention referrals (rule A4): submit, return, resubmit, accept,
decide; who may do what; the bundle frozen at submission; the LA's inbox."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import Role
from cases.models import AttendanceCase, Contact, SupportMeeting
from cases.services.casework import record_update
from notices.models import LADecision, LegalReferral, NoticeToImprove
from notices.services.referrals import (
    ReferralNotAllowed,
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)
from pathway.models import PathwayEvaluation

from .check_helpers import post_and_confirm
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, UserFactory
from .test_bundle import certified
from .test_pathway_rules import at, make_case, notice, registers
from .test_pathway_walk import first_meeting, issue, more_support

pytestmark = pytest.mark.django_db

# The improvement period ended on 23 March without sufficient improvement.
READY = dt.date(2026, 3, 24)


@pytest.fixture
def case() -> AttendanceCase:
    with at(dt.date(2026, 1, 5)):
        made = make_case()
        registers(made)
    with at(dt.date(2026, 1, 30)):
        first_meeting(made)
        more_support(made)
    with at(dt.date(2026, 2, 2)):
        # Recorded on READY, so on record only from that day (rule A4: after
        # the period a referral needs the outcome of not sufficient improvement).
        issue(made, outcome="not_improved", outcome_on=READY)
    made.refresh_from_db()
    return made


@pytest.fixture
def officer(case: AttendanceCase):
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


@pytest.fixture
def ready_day():
    with at(READY):
        yield


def submit(case: AttendanceCase, **reasons: str) -> LegalReferral:
    return referral_submit(acting_user=case.lead_professional, case_id=case.pk, **reasons)


def test_submit_is_refused_with_the_missing_list_when_not_ready(case):
    with at(dt.date(2026, 2, 10)), pytest.raises(ReferralNotAllowed) as refused:
        submit(case)
    assert any("record a reason" in m for m in refused.value.missing)
    assert not LegalReferral.unscoped.exists()
    # The refused verdict is kept: what the school saw when it tried.
    stored = PathwayEvaluation.unscoped.get(case=case)
    assert (stored.rule_set, stored.allowed) == ("referral", False)


def test_submit_when_ready_stores_the_evaluation_and_moves_the_case(case, ready_day):
    referral = submit(case)
    assert (referral.version, referral.status) == (1, "submitted")
    evaluation = PathwayEvaluation.unscoped.get(case=case, rule_set="referral")
    assert evaluation.allowed
    assert referral.bundle["evaluations"][0]["day"] == READY.isoformat()
    assert referral.bundle["notice"]["issued_on"] == "2026-02-02"
    assert len(referral.bundle["meetings"]) == 3
    assert referral.bundle["marks_since_notice"]["unauthorised"] > 0
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.REFERRED


def test_a_second_submission_for_the_same_notice_is_refused(case, ready_day):
    submit(case)
    with pytest.raises(ValidationError, match="already been submitted"):
        submit(case)


def test_returned_then_resubmitted_keeps_both_versions(case, officer, ready_day):
    first = submit(case)
    with pytest.raises(ValidationError):
        referral_return(acting_user=officer, referral_id=first.pk, reasons="  ")
    referral_return(acting_user=officer, referral_id=first.pk, reasons="Add the plan review")
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE
    second = submit(case)
    assert second.version == 2
    assert [(r.version, r.status) for r in LegalReferral.unscoped.order_by("version")] == [
        (1, "returned"),
        (2, "submitted"),
    ]
    page = signed_in_client(case.lead_professional).get(
        reverse("notices:referral_detail", args=[first.pk])
    )
    assert page.status_code == 200
    assert b"Add the plan review" in page.content
    assert b"Version 2" in page.content


def test_accept_then_decide_a_penalty_notice(case, officer, ready_day):
    referral = submit(case)
    referral_accept(acting_user=officer, referral_id=referral.pk)
    with pytest.raises(ValidationError, match="Only a submitted"):
        referral_accept(acting_user=officer, referral_id=referral.pk)
    decision = referral_decide(
        acting_user=officer,
        referral_id=referral.pk,
        kind="penalty_notice",
        reason="First offence",
        decided_on=READY,
        eso_considered=False,
    )
    referral.refresh_from_db()
    assert (referral.status, decision.kind) == ("decided", "penalty_notice")


def test_prosecution_is_refused_unless_an_eso_was_considered(case, officer, ready_day):
    referral = submit(case)
    certified(referral)
    referral_accept(acting_user=officer, referral_id=referral.pk)
    with pytest.raises(ValidationError) as refused:
        referral_decide(
            acting_user=officer,
            referral_id=referral.pk,
            kind="prosecution_444_1",
            reason="Continued absence",
            decided_on=READY,
            eso_considered=False,
        )
    assert "eso_considered" in refused.value.error_dict
    assert not LADecision.unscoped.exists()
    # Through the page: the error is shown, first, in the summary.
    response = signed_in_client(officer).post(
        reverse("notices:referral_decide", args=[referral.pk]),
        {
            "kind": "prosecution_444_1a",
            "reason": "Continued absence",
            "decided_on_0": "24",
            "decided_on_1": "3",
            "decided_on_2": "2026",
        },
    )
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert b"education supervision order" in response.content
    # The ESO alone is not enough: whether an attendance contract was explored,
    # and if not why not, is asked too.
    with pytest.raises(ValidationError) as refused:
        referral_decide(
            acting_user=officer,
            referral_id=referral.pk,
            kind="prosecution_444_1",
            reason="Continued absence",
            decided_on=READY,
            eso_considered=True,
            eso_note="An ESO would not address the parents' non-engagement",
            contract_explored=False,
            offence_first_day=dt.date(2026, 2, 3),
            offence_last_day=dt.date(2026, 3, 20),
        )
    assert set(refused.value.error_dict) == {"contract_note"}
    decision = referral_decide(
        acting_user=officer,
        referral_id=referral.pk,
        kind="prosecution_444_1",
        reason="Continued absence",
        decided_on=READY,
        eso_considered=True,
        eso_note="An ESO would not address the parents' non-engagement",
        contract_explored=False,
        contract_note="The parents would not meet to agree one.",
        offence_first_day=dt.date(2026, 2, 3),
        offence_last_day=dt.date(2026, 3, 20),
    )
    assert (decision.contract_explored, decision.contract_note) == (
        False,
        "The parents would not meet to agree one.",
    )


def test_who_may_do_what(case, officer, ready_day):
    referral = submit(case)
    lead = case.lead_professional
    # A school user cannot act as the LA.
    with pytest.raises(PermissionDenied):
        referral_accept(acting_user=lead, referral_id=referral.pk)
    school = signed_in_client(lead)
    decide = reverse("notices:referral_decide", args=[referral.pk])
    assert school.post(decide, {"kind": "penalty_notice"}).status_code == 403
    # Another LA's officer does not see the referral at all.
    stranger = UserFactory(la_user=True)
    with pytest.raises(Http404):
        referral_accept(acting_user=stranger, referral_id=referral.pk)
    detail = reverse("notices:referral_detail", args=[referral.pk])
    assert signed_in_client(stranger).get(detail).status_code == 404
    # The LA cannot submit the school's referral.
    with pytest.raises(PermissionDenied):
        referral_submit(acting_user=officer, case_id=case.pk)
    refer = reverse("notices:referral_submit", args=[case.pk])
    assert signed_in_client(officer).post(refer).status_code == 403
    # School staff (read-only) cannot submit.
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    with pytest.raises(PermissionDenied):
        referral_submit(acting_user=staff, case_id=case.pk)


def test_submit_page_shows_the_verdict_and_submits(case, ready_day):
    client = signed_in_client(case.lead_professional)
    url = reverse("notices:referral_submit", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Allowed" in page.content
    response = post_and_confirm(client, url, {"early_referral_reason": ""})
    referral = LegalReferral.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notices:referral_detail", args=[referral.pk])
    again = client.post(url, {})
    assert again.status_code == 200
    assert b"already been submitted" in again.content


def test_the_bundle_is_unchanged_after_the_case_is_edited(case, officer, ready_day):
    referral = submit(case)
    frozen = copy.deepcopy(referral.bundle)
    client = signed_in_client(officer)
    url = reverse("notices:referral_bundle", args=[referral.pk])
    before = client.get(url)
    assert before.status_code == 200
    assert b"Reviewed the morning routine" in before.content

    meeting = SupportMeeting.unscoped.get(case=case, sequence=2)
    record_update(
        acting_user=case.lead_professional,
        record=meeting,
        version=meeting.version,
        outcome="Changed after the referral",
    )
    Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        occurred_at=dt.datetime(2026, 3, 24, 10, tzinfo=dt.UTC),
        method="phone",
        made_by=case.lead_professional,
        reached=True,
        notes="A call after the referral",
    )

    referral.refresh_from_db()
    assert referral.bundle == frozen
    after = client.get(url)
    # The page's header carries a fresh CSRF token (the sign-out form): compare the main content.
    assert main(after.content) == main(before.content)
    assert b"Changed after the referral" not in after.content


def main(content: bytes) -> bytes:
    return content[content.index(b"<main") : content.index(b"</main>")]


def test_the_bundle_pdf(case, officer, ready_day):
    referral = submit(case)
    response = signed_in_client(officer).get(
        reverse("notices:referral_bundle_pdf", args=[referral.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def quick_referral(school, submitted_at: dt.datetime, status: str = "submitted") -> LegalReferral:
    """A referral stored directly, for the inbox: its bundle does not matter here."""
    other = AttendanceCaseFactory(school=school)
    return LegalReferral.unscoped.create(
        case=other,
        notice=notice(other, dt.date(2026, 2, 2)),
        status=status,
        submitted_at=submitted_at,
        submitted_by=other.lead_professional,
        returned_at=submitted_at if status == "returned" else None,
        return_reasons="Add more" if status == "returned" else "",
        bundle={},
    )


def test_inbox_lists_oldest_first_and_filters(case, officer, ready_day):
    newer = submit(case)
    older = quick_referral(case.school, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    second_school = AttendanceCaseFactory(school__local_authority=case.school.local_authority)
    elsewhere = quick_referral(second_school.school, dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC))
    returned = quick_referral(
        case.school, dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), status="returned"
    )
    quick_referral(AttendanceCaseFactory().school, dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    client = signed_in_client(officer)
    url = reverse("notices:inbox")

    def listed(**params: str) -> list[int]:
        response = client.get(url, params)
        assert response.status_code == 200
        return [r.pk for r in response.context["referrals"]]

    # Waiting for the LA, oldest first; another LA's referral is not there.
    assert listed() == [older.pk, elsewhere.pk, newer.pk]
    assert listed(school=str(second_school.school_id)) == [elsewhere.pk]
    assert listed(status="returned") == [returned.pk]
    assert listed(age="10") == [older.pk]
    assert b"ago" in client.get(url).content
    # Only the LA has an inbox.
    assert signed_in_client(case.lead_professional).get(url).status_code == 403


def test_pages_do_not_grow_with_the_data(case, officer, ready_day, django_assert_max_num_queries):
    referral = submit(case)
    client = signed_in_client(officer)
    for n in range(6):
        quick_referral(case.school, dt.datetime(2026, 3, 1 + n, 9, tzinfo=dt.UTC))
    with django_assert_max_num_queries(12):
        client.get(reverse("notices:inbox"))
    referral_return(acting_user=officer, referral_id=referral.pk, reasons="Add more")
    submit(case)
    with django_assert_max_num_queries(14):
        client.get(reverse("notices:referral_detail", args=[referral.pk]))
    with django_assert_max_num_queries(10):
        client.get(reverse("notices:referral_bundle", args=[referral.pk]))


def test_notice_of_another_case_is_not_used(case, ready_day):
    # Guard: the referral follows the case's own latest notice.
    referral = submit(case)
    assert referral.notice == NoticeToImprove.unscoped.get(case=case)
