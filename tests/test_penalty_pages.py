"""Penalty notice pages (rule A5): the LA officer issues a notice from the case's
penalty notices page, records a payment, withdraws, records a decision to
prosecute; each refusal of the services is shown as the form's error. School
users only read; another LA's officer gets 404; the list's queries are bounded."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from notices.models import LADecision, PenaltyNotice
from notices.penalties import PAID, PROSECUTION, THIRD_NOTICE_REFUSAL, WITHDRAWN
from pupils.models import PupilCarer

from .check_helpers import post_and_confirm
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import DECIDED_ON, absent, issue_on_route, penalty_route
from .test_referrals import quick_referral

LONDON = ZoneInfo("Europe/London")
TODAY = dt.datetime(2025, 12, 1, 10, 0, tzinfo=LONDON)
ISSUE_DAY = dt.date(2025, 10, 1)
REASON = "Absent without leave after the Notice to Improve."
OFFENCE_FIRST, OFFENCE_LAST = dt.date(2025, 9, 8), dt.date(2025, 9, 26)


def day(n: int) -> dt.date:
    """Day n of a notice handed over on ISSUE_DAY: received that day, day 1."""
    return ISSUE_DAY + dt.timedelta(days=n - 1)


def date_fields(name: str, on: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(on.day), f"{name}_1": str(on.month), f"{name}_2": str(on.year)}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def case(db: None) -> Any:
    return AttendanceCaseFactory()


@pytest.fixture
def officer(case: Any) -> Any:
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


@pytest.fixture
def mother(case: Any) -> PupilCarer:
    return PupilCarerFactory(pupil=case.pupil)


@pytest.fixture
def decision(case: Any, mother: PupilCarer) -> LADecision:
    """The LA's decision of "penalty notice", the mother having been served the
    Notice to Improve; and 3 weeks of unauthorised absence in September 2025."""
    absent(case, OFFENCE_FIRST, OFFENCE_LAST)
    return penalty_route(case, mother)


def issue(officer: Any, case: Any, recipient: PupilCarer, on: dt.date = ISSUE_DAY) -> Any:
    """A notice handed to `recipient` on `on`, on its own LA decision, for the
    unauthorised absence of the 4 weeks ending 3 days before."""
    first, last = on - dt.timedelta(days=30), on - dt.timedelta(days=3)
    absent(case, first, last)
    decision = penalty_route(case, recipient, decided_on=min(on, DECIDED_ON))
    return issue_on_route(
        officer, case, recipient, decision=decision, issued_on=on, first=first, last=last
    )


def issue_form(
    recipient: PupilCarer,
    decision: LADecision,
    *,
    on: dt.date = ISSUE_DAY,
    first: dt.date = OFFENCE_FIRST,
    last: dt.date = OFFENCE_LAST,
    method: str = "hand",
    served_on: dt.date | None = None,
    token: str | None = None,
) -> dict[str, str]:
    return {
        "decision": str(decision.pk),
        "recipient": str(recipient.pk),
        "service_method": method,
        "reason": REASON,
        "issue_token": token or str(uuid.uuid4()),
        **date_fields("issued_on", on),
        **date_fields("served_on", served_on or on),
        **date_fields("offence_first_day", first),
        **date_fields("offence_last_day", last),
    }


def list_url(case: Any) -> str:
    return reverse("notices:penalty_notices", args=[case.pk])


def text(response: Any) -> str:
    return response.content.decode()


def test_the_referral_decision_links_to_the_penalty_notices(officer: Any, case: Any) -> None:
    referral = quick_referral(
        case.school, dt.datetime(2025, 11, 3, 9, tzinfo=dt.UTC), status="accepted"
    )
    LADecision.unscoped.create(
        referral=referral,
        kind=LADecision.Kind.PENALTY_NOTICE,
        reason="Support not engaged with.",
        decided_on=dt.date(2025, 11, 20),
        decided_by=officer,
        eso_considered=True,
    )
    response = signed_in_client(officer).get(reverse("notices:referral_detail", args=[referral.pk]))
    assert "Penalty notices for this pupil" in text(response)
    assert list_url(referral.case) in text(response)


def test_an_officer_issues_a_first_notice_and_sees_its_amounts(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    client = signed_in_client(officer)
    page = client.get(list_url(case))
    assert page.status_code == 200
    assert str(mother.carer) in text(page)  # a recipient to choose
    assert 'name="issue_token"' in text(page)
    response = post_and_confirm(client, list_url(case), issue_form(mother, decision), follow=True)
    assert response.status_code == 200
    notice = PenaltyNotice.unscoped.get()
    assert (notice.recipient, notice.sequence, notice.issued_by) == (mother, 1, officer)
    assert (notice.route, notice.decision) == ("la_decision", decision)
    body = text(response)
    assert "Penalty notice issued to" in body
    assert "First notice in 3 years" in body
    # Handed over on 1 October 2025: received that day, day 1 of 21 and of 28.
    assert "£80 if paid by 21 October 2025 (day 21)" in body
    assert "£160 if paid by 28 October 2025 (day 28)" in body
    assert "No prosecution before 29 October 2025" in body
    # 8 to 26 September 2025: 15 weekdays, 30 sessions marked O.
    assert "8 September 2025 to 26 September 2025" in body
    assert "30 unauthorised sessions" in body
    # s127: 6 months from 26 September 2025.
    assert "26 March 2026" in body


def test_the_same_form_posted_twice_makes_one_notice(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    client = signed_in_client(officer)
    data = issue_form(mother, decision)
    assert post_and_confirm(client, list_url(case), data).status_code == 302
    assert post_and_confirm(client, list_url(case), data).status_code == 302
    assert PenaltyNotice.unscoped.count() == 1
    # A new form (a new token) for the same period is refused: one offence, one notice.
    response = client.post(list_url(case), issue_form(mother, decision))
    assert response.status_code == 400
    assert "shares days with this offence period" in text(response)
    assert PenaltyNotice.unscoped.count() == 1


def test_only_parents_served_the_notice_are_offered_as_recipients(
    officer: Any, case: Any, decision: LADecision
) -> None:
    neither = PupilCarerFactory(
        pupil=case.pupil,
        relationship=PupilCarer.Relationship.OTHER_RELATIVE,
        parental_responsibility=False,
        lives_with_pupil=False,
    )
    decision.referral.notice.recipients.add(neither)
    not_served = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
    client = signed_in_client(officer)
    page = text(client.get(list_url(case)))
    assert str(not_served.carer) not in page
    assert str(neither.carer) not in page
    response = client.post(list_url(case), issue_form(not_served, decision))
    assert response.status_code == 400
    assert "Select who the notice is issued to" in text(response)
    response = client.post(list_url(case), issue_form(neither, decision))
    assert response.status_code == 400
    assert "Select who the notice is issued to" in text(response)
    assert not PenaltyNotice.unscoped.exists()


def test_a_third_within_3_years_is_refused_with_the_alternatives(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    issue(officer, case, mother, dt.date(2025, 3, 3))
    issue(officer, case, mother, dt.date(2025, 6, 2))
    response = signed_in_client(officer).post(list_url(case), issue_form(mother, decision))
    assert response.status_code == 400
    body = text(response)
    assert "There is a problem" in body
    assert THIRD_NOTICE_REFUSAL in body
    assert "s444(1) or s444(1A)" in body
    assert "attendance contract" in body
    assert "education supervision order" in body
    assert "a new notice can be issued from 3 March 2028" in body
    assert PenaltyNotice.unscoped.count() == 2


def test_a_form_error_for_a_missing_date(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    data = issue_form(mother, decision)
    for part in ("issued_on_0", "issued_on_1", "issued_on_2"):
        del data[part]
    response = signed_in_client(officer).post(list_url(case), data)
    assert response.status_code == 400
    assert "Enter the date of issue" in text(response)
    assert not PenaltyNotice.unscoped.exists()


class TestPayment:
    def url(self, notice: PenaltyNotice) -> str:
        return reverse("notices:penalty_payment", args=[notice.pk])

    def test_80_on_day_22_is_refused_with_the_message(
        self, officer: Any, case: Any, mother: PupilCarer
    ) -> None:
        notice = issue(officer, case, mother)
        client = signed_in_client(officer)
        assert client.get(self.url(notice)).status_code == 200
        response = client.post(
            self.url(notice), {"amount": "80", **date_fields("paid_on", day(22))}
        )
        assert response.status_code == 400
        assert "£160 was due for a payment on 22 October 2025, not £80." in text(response)
        notice.refresh_from_db()
        assert notice.status != PAID

    def test_80_on_day_21_is_recorded_in_pence(
        self, officer: Any, case: Any, mother: PupilCarer
    ) -> None:
        notice = issue(officer, case, mother)
        response = signed_in_client(officer).post(
            self.url(notice), {"amount": "80.00", **date_fields("paid_on", day(21))}, follow=True
        )
        assert response.status_code == 200
        notice.refresh_from_db()
        assert (notice.status, notice.amount_paid, notice.paid_on) == (PAID, 80_00, day(21))
        assert "£80 on 21 October 2025" in text(response)

    def test_the_amount_must_be_a_number(self, officer: Any, case: Any, mother: PupilCarer) -> None:
        notice = issue(officer, case, mother)
        response = signed_in_client(officer).post(
            self.url(notice), {"amount": "eighty", **date_fields("paid_on", day(3))}
        )
        assert response.status_code == 400
        assert "must be a number" in text(response)


class TestWithdrawal:
    def url(self, notice: PenaltyNotice) -> str:
        return reverse("notices:penalty_withdraw", args=[notice.pk])

    def test_needs_a_ground(self, officer: Any, case: Any, mother: PupilCarer) -> None:
        notice = issue(officer, case, mother)
        client = signed_in_client(officer)
        response = client.post(self.url(notice), {"note": "Sent in error."})
        assert response.status_code == 400
        assert "Select the ground for withdrawing the notice" in text(response)
        notice.refresh_from_db()
        assert notice.status != WITHDRAWN
        response = client.post(
            self.url(notice), {"ground": "wrong_recipient", "note": "Sent to the wrong parent."}
        )
        assert response.status_code == 302
        notice.refresh_from_db()
        assert (notice.status, notice.withdrawal_ground) == (WITHDRAWN, "wrong_recipient")

    def test_the_services_refusal_is_the_form_error(
        self, officer: Any, case: Any, mother: PupilCarer
    ) -> None:
        # Not paid and not prosecuted: only after the payment period.
        notice = issue(officer, case, mother, TODAY.date() - dt.timedelta(days=5))
        response = signed_in_client(officer).post(self.url(notice), {"ground": "not_prosecuted"})
        assert response.status_code == 400
        assert "can be withdrawn for non-payment only after it ends" in text(response)


class TestProsecution:
    def url(self, notice: PenaltyNotice) -> str:
        return reverse("notices:penalty_prosecute", args=[notice.pk])

    def test_not_before_day_29(self, officer: Any, case: Any, mother: PupilCarer) -> None:
        notice = issue(officer, case, mother)
        client = signed_in_client(officer)
        response = client.post(self.url(notice), date_fields("decided_on", day(28)))
        assert response.status_code == 400
        assert "No prosecution can be recorded before it ends" in text(response)
        notice.refresh_from_db()
        assert notice.status != PROSECUTION
        response = client.post(
            self.url(notice), {"note": "Legal agreed.", **date_fields("decided_on", day(29))}
        )
        assert response.status_code == 400
        assert "education supervision order" in text(response)
        assert "Say whether an attendance contract was explored" in text(response)
        response = post_and_confirm(
            client,
            self.url(notice),
            {
                "note": "Legal agreed.",
                "eso_considered": "on",
                "eso_note": "The parents declined every offer of support.",
                "contract_explored": "no",
                "contract_note": "The parents would not meet to agree one.",
                **date_fields("decided_on", day(29)),
            },
        )
        assert response.status_code == 302
        notice.refresh_from_db()
        assert (notice.status, notice.prosecution_decided_on) == (PROSECUTION, day(29))


class TestWhoMay:
    @pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.DSL])
    def test_a_school_user_reads_but_cannot_issue(
        self, case: Any, officer: Any, mother: PupilCarer, role: str
    ) -> None:
        notice = issue(officer, case, mother)
        client = signed_in_client(UserFactory(role=role, school=case.school))
        page = client.get(list_url(case))
        assert page.status_code == 200
        assert "£80 if paid by" in text(page)
        assert 'name="issue_token"' not in text(page)
        assert "Record a payment" not in text(page)
        response = client.post(list_url(case), issue_form(mother, notice.decision))
        assert response.status_code == 403
        assert PenaltyNotice.unscoped.count() == 1
        for name in ("penalty_payment", "penalty_withdraw", "penalty_prosecute"):
            assert client.get(reverse(f"notices:{name}", args=[notice.pk])).status_code == 403

    def test_another_schools_user_gets_404(self, case: Any) -> None:
        client = signed_in_client(UserFactory(role=Role.ATTENDANCE_LEAD, school=SchoolFactory()))
        assert client.get(list_url(case)).status_code == 404

    def test_another_las_officer_gets_404(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        notice = issue(officer, case, mother)
        other = SchoolFactory()
        assert other.local_authority != case.school.local_authority
        client = signed_in_client(UserFactory(la_user=True, local_authority=other.local_authority))
        assert client.get(list_url(case)).status_code == 404
        response = client.post(list_url(case), issue_form(mother, notice.decision))
        assert response.status_code == 404
        for name in ("penalty_payment", "penalty_withdraw", "penalty_prosecute"):
            url = reverse(f"notices:{name}", args=[notice.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, {"ground": "wrong_recipient"}).status_code == 404
        assert PenaltyNotice.unscoped.count() == 1
        notice.refresh_from_db()
        assert notice.status != WITHDRAWN


def test_the_list_makes_the_same_number_of_queries_for_1_or_5_notices(
    officer: Any, case: Any
) -> None:
    client = signed_in_client(officer)
    parents = [PupilCarerFactory(pupil=case.pupil) for _ in range(5)]
    issue(officer, case, parents[0])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(list_url(case)).status_code == 200
        return len(captured)

    one = queries()
    for parent in parents[1:]:
        issue(officer, case, parent)
    assert PenaltyNotice.unscoped.count() == 5
    assert queries() == one
