"""Penalty notices (rule A5): the amounts and the 3-year limit as a table over
the pure rules, then the services against the database: payment, withdrawal,
prosecution, who may act, scope, audit and two simultaneous issues."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from accounts.models import Role
from core.models import AuditEvent
from notices import penalties as rules
from notices.models import PenaltyNotice
from notices.penalties import (
    PAID,
    PROSECUTION,
    THIRD_NOTICE_REFUSAL,
    WITHDRAWN,
    Refusal,
    Terms,
    WithdrawalGround,
    add_years,
    amount_due,
    can_prosecute,
    can_record_payment,
    can_withdraw,
    penalty_terms,
)
from notices.services.penalties import (
    penalty_notice_prosecute,
    penalty_notice_record_payment,
    penalty_notice_withdraw,
)
from pupils.models import PupilCarer

from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import DECIDED_ON, absent, issue_on_route, penalty_route

LONDON = ZoneInfo("Europe/London")
D = dt.date
ISSUED = rules.ISSUED

# --- The pure rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "issued_on", "sequence"),
    [
        pytest.param([], D(2025, 10, 1), 1, id="no earlier notice: first"),
        pytest.param([(D(2024, 1, 10), ISSUED)], D(2025, 10, 1), 2, id="unpaid first: second"),
        pytest.param([(D(2024, 1, 10), PAID)], D(2025, 10, 1), 2, id="paid first: second"),
        pytest.param(
            [(D(2024, 1, 10), PROSECUTION)], D(2025, 10, 1), 2, id="prosecuted first: second"
        ),
        pytest.param(
            [(D(2024, 1, 10), WITHDRAWN)], D(2025, 10, 1), 1, id="withdrawn first: first again"
        ),
        pytest.param(
            [(D(2024, 1, 10), WITHDRAWN), (D(2024, 3, 1), PAID), (D(2024, 5, 1), WITHDRAWN)],
            D(2025, 10, 1),
            2,
            id="only the paid one counts: second",
        ),
        pytest.param(
            [(D(2022, 1, 10), PAID)], D(2025, 1, 10), 1, id="3 years to the day: first again"
        ),
        pytest.param(
            [(D(2022, 1, 10), PAID)], D(2025, 1, 9), 2, id="a day short of 3 years: second"
        ),
        pytest.param(
            [(D(2022, 1, 10), PAID), (D(2024, 6, 1), PAID)],
            D(2025, 1, 10),
            1,
            id="3 years after the first, even within 3 years of the second: first",
        ),
        pytest.param(
            [(D(2019, 1, 10), PAID), (D(2020, 1, 1), PAID), (D(2023, 6, 1), PAID)],
            D(2024, 1, 1),
            2,
            id="a later window opened by its own first notice",
        ),
    ],
)
def test_which_notice_it_is(earlier: list[Any], issued_on: dt.date, sequence: int) -> None:
    terms = penalty_terms(issued_on=issued_on, received_on=issued_on, earlier=earlier)
    assert isinstance(terms, Terms), terms
    assert terms.sequence == sequence


def test_a_first_notice_is_80_by_day_21_and_160_by_day_28() -> None:
    # Handed over on 1 October 2025, so received that day, day 1 of both periods
    # ("21 days beginning with the date on which the notice is received", reg 7
    # as amended by SI 2024/210): £80 up to 21 October, £160 up to 28 October.
    terms = penalty_terms(issued_on=D(2025, 10, 1), received_on=D(2025, 10, 1), earlier=[])
    assert terms == Terms(
        sequence=1,
        amount_if_paid_by_day_21=80_00,
        reduced_due_on=D(2025, 10, 21),
        amount_if_paid_by_day_28=160_00,
        full_due_on=D(2025, 10, 28),
        window_ends_on=D(2028, 10, 1),
    )


def test_a_second_notice_is_160_by_day_28_with_no_reduced_rate() -> None:
    terms = penalty_terms(
        issued_on=D(2025, 10, 1), received_on=D(2025, 10, 3), earlier=[(D(2025, 3, 3), PAID)]
    )
    assert terms == Terms(
        sequence=2,
        amount_if_paid_by_day_21=None,
        reduced_due_on=None,
        amount_if_paid_by_day_28=160_00,
        full_due_on=D(2025, 10, 30),
        window_ends_on=D(2028, 3, 3),
    )


@pytest.mark.parametrize(
    "statuses",
    [(PAID, PAID), (ISSUED, ISSUED), (PROSECUTION, PAID), (PAID, PROSECUTION)],
)
def test_a_third_within_3_years_of_the_first_is_refused(statuses: tuple[str, str]) -> None:
    earlier = [(D(2024, 1, 10), statuses[0]), (D(2025, 2, 1), statuses[1])]
    refusal = penalty_terms(issued_on=D(2027, 1, 9), received_on=D(2027, 1, 9), earlier=earlier)
    assert isinstance(refusal, Refusal)
    assert refusal.reason.startswith(THIRD_NOTICE_REFUSAL)
    assert "s444(1) or s444(1A)" in refusal.reason
    assert "attendance contract" in refusal.reason
    assert "education supervision order" in refusal.reason
    assert "a new notice can be issued from 10 January 2027" in refusal.reason
    assert refusal.window_ends_on == D(2027, 1, 10)
    # ...and is possible once 3 years have passed since the first.
    again = penalty_terms(issued_on=D(2027, 1, 10), received_on=D(2027, 1, 10), earlier=earlier)
    assert isinstance(again, Terms)
    assert again.sequence == 1


def test_a_notice_dated_before_one_already_recorded_is_refused() -> None:
    refusal = penalty_terms(
        issued_on=D(2025, 1, 1), received_on=D(2025, 1, 1), earlier=[(D(2025, 2, 1), PAID)]
    )
    assert isinstance(refusal, Refusal)
    assert "cannot be dated before" in refusal.reason


def test_three_years_from_29_february_end_on_28_february() -> None:
    assert add_years(D(2024, 2, 29), 3) == D(2027, 3, 1)
    assert add_years(D(2024, 3, 1), 3) == D(2027, 3, 1)


# The predicates' notice: issued 1 October 2025, £80 by day 21, £160 by day 28.
DAY_0, DAY_21, DAY_28 = D(2025, 10, 1), D(2025, 10, 22), D(2025, 10, 29)


@dataclass
class Notice:
    """A notice as the predicates see it, without the database."""

    status: str = ISSUED
    issued_on: dt.date = DAY_0
    amount_if_paid_by_day_21: int | None = 80_00
    amount_if_paid_by_day_28: int = 160_00
    reduced_due_on: dt.date | None = DAY_21
    full_due_on: dt.date = DAY_28


SECOND = Notice(amount_if_paid_by_day_21=None, reduced_due_on=None)


def day(n: int) -> dt.date:
    return DAY_0 + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("notice", "on", "due"),
    [
        (Notice(), day(0), 80_00),
        (Notice(), day(21), 80_00),
        (Notice(), day(22), 160_00),
        (Notice(), day(28), 160_00),
        (Notice(), day(29), None),
        (Notice(), day(-1), None),
        (SECOND, day(1), 160_00),
        (SECOND, day(28), 160_00),
        (SECOND, day(29), None),
    ],
)
def test_amount_due(notice: Notice, on: dt.date, due: int | None) -> None:
    assert amount_due(notice, on) == due


@pytest.mark.parametrize(
    ("notice", "on", "refusal"),
    [
        (Notice(), day(28), None),
        (Notice(), day(29), "The payment period ended on 29 October 2025"),
        (Notice(), day(-1), "before the notice was issued"),
        (Notice(status=PAID), day(5), "already been paid"),
        (Notice(status=WITHDRAWN), day(5), "withdrawn"),
        (Notice(status=PROSECUTION), day(30), "prosecution has been decided"),
    ],
)
def test_can_record_payment(notice: Notice, on: dt.date, refusal: str | None) -> None:
    verdict = can_record_payment(notice, on)
    assert bool(verdict) is (refusal is None)
    assert refusal is None or refusal in verdict.reason


@pytest.mark.parametrize(
    ("notice", "on", "refusal"),
    [
        (Notice(), day(28), "No prosecution can be recorded before it ends"),
        (Notice(), day(29), None),
        (Notice(status=PAID), day(40), "has been paid"),
        (Notice(status=WITHDRAWN), day(40), "has been withdrawn"),
        (Notice(status=PROSECUTION), day(40), "already recorded"),
    ],
)
def test_can_prosecute(notice: Notice, on: dt.date, refusal: str | None) -> None:
    verdict = can_prosecute(notice, on)
    assert bool(verdict) is (refusal is None)
    assert refusal is None or refusal in verdict.reason


@pytest.mark.parametrize(
    ("notice", "ground", "on", "refusal"),
    [
        (Notice(), WithdrawalGround.WRONG_RECIPIENT, day(3), None),
        (Notice(status=PAID), WithdrawalGround.MATERIAL_ERRORS, day(40), None),
        (Notice(status=PROSECUTION), WithdrawalGround.CODE_OF_CONDUCT_BREACH, day(40), None),
        (Notice(), "", day(3), "Select the ground"),
        (Notice(), "changed_our_minds", day(3), "Select the ground"),
        (Notice(status=WITHDRAWN), WithdrawalGround.WRONG_RECIPIENT, day(3), "already"),
        (Notice(), WithdrawalGround.NOT_PROSECUTED, day(28), "only after it ends"),
        (Notice(), WithdrawalGround.NOT_PROSECUTED, day(29), None),
        (Notice(status=PAID), WithdrawalGround.NOT_PROSECUTED, day(40), "Only an unpaid"),
    ],
)
def test_can_withdraw(notice: Notice, ground: str, on: dt.date, refusal: str | None) -> None:
    verdict = can_withdraw(notice, ground, on)
    assert bool(verdict) is (refusal is None)
    assert refusal is None or refusal in verdict.reason


def test_the_model_uses_the_rules_words() -> None:
    assert set(PenaltyNotice.Status.values) == {ISSUED, PAID, WITHDRAWN, PROSECUTION}
    assert set(PenaltyNotice.WithdrawalGround.values) - {""} == set(WithdrawalGround.LABELS)


# --- The services ---------------------------------------------------------------

TODAY = dt.datetime(2025, 12, 1, 10, 0, tzinfo=LONDON)
ISSUE_DAY = D(2025, 10, 1)


@pytest.fixture
def frozen():
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


def issue(officer: Any, case: Any, recipient: PupilCarer, on: dt.date = ISSUE_DAY) -> Any:
    """A notice handed to `recipient` on `on`, on a new LA decision of "penalty
    notice" whose Notice to Improve was served on them, for unauthorised absence
    on the weekdays of the 4 weeks ending 3 days before."""
    first, last = on - dt.timedelta(days=30), on - dt.timedelta(days=3)
    absent(case, first, last)
    decision = penalty_route(case, recipient, decided_on=min(on, DECIDED_ON))
    return issue_on_route(
        officer, case, recipient, decision=decision, issued_on=on, first=first, last=last
    )


def audit_for(notice: PenaltyNotice) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type="notices.PenaltyNotice", target_id=str(notice.pk))
    )


@pytest.mark.usefixtures("frozen")
class TestIssue:
    def test_a_first_notice_with_its_amounts_and_due_dates_audited(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        notice = issue(officer, case, mother)
        notice.refresh_from_db()
        assert (notice.sequence, notice.status) == (1, ISSUED)
        assert notice.amount_if_paid_by_day_21 == 80_00
        # Handed over on 1 October 2025: received that day (day 1).
        assert (notice.service_method, notice.received_on) == ("hand", D(2025, 10, 1))
        assert notice.reduced_due_on == D(2025, 10, 21)
        assert notice.amount_if_paid_by_day_28 == 160_00
        assert notice.full_due_on == D(2025, 10, 28)
        assert notice.issued_by == officer
        [event] = audit_for(notice)
        assert event.action == AuditEvent.Action.CREATE
        assert event.actor == officer
        assert event.school == case.school
        assert event.changes["sequence"] == 1

    def test_a_second_then_a_third_refused_with_the_alternatives(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        issue(officer, case, mother, D(2025, 3, 3))
        second = issue(officer, case, mother, D(2025, 6, 2))
        assert second.sequence == 2
        assert second.amount_if_paid_by_day_21 is None
        assert second.reduced_due_on is None
        with pytest.raises(ValidationError) as refused:
            issue(officer, case, mother)
        assert refused.value.messages[0].startswith(THIRD_NOTICE_REFUSAL)
        assert PenaltyNotice.unscoped.filter(recipient=mother).count() == 2

    def test_a_withdrawn_notice_does_not_count(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        first = issue(officer, case, mother, D(2025, 3, 3))
        penalty_notice_withdraw(
            acting_user=officer,
            notice_id=first.pk,
            ground=WithdrawalGround.MATERIAL_ERRORS,
            note="The wrong dates were printed.",
        )
        assert issue(officer, case, mother).sequence == 1

    def test_each_parent_and_each_child_count_separately(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        issue(officer, case, mother, D(2025, 3, 3))
        issue(officer, case, mother, D(2025, 6, 2))
        father = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
        assert issue(officer, case, father).sequence == 1
        sibling_case = AttendanceCaseFactory(
            school=case.school, pupil=PupilFactory(school=case.school)
        )
        same_mother = PupilCarerFactory(pupil=sibling_case.pupil, carer=mother.carer)
        assert issue(officer, sibling_case, same_mother).sequence == 1

    def test_notices_on_another_schools_case_count(
        self, case: Any, officer: Any, mother: PupilCarer
    ) -> None:
        # The limit is per parent per child, whichever school the case is at.
        issue(officer, case, mother, D(2025, 3, 3))
        admin = UserFactory(admin=True)
        elsewhere = AttendanceCaseFactory(pupil=case.pupil)
        issue(admin, elsewhere, mother, D(2025, 6, 2))
        with pytest.raises(ValidationError, match="third penalty notice"):
            issue(officer, case, mother)

    def test_the_recipient_must_be_a_parent_of_this_pupil(self, case: Any, officer: Any) -> None:
        stranger = PupilCarerFactory()
        with pytest.raises(ValidationError, match="Choose a parent or carer of"):
            issue(officer, case, stranger)
        neither = PupilCarerFactory(
            pupil=case.pupil,
            relationship=PupilCarer.Relationship.OTHER_RELATIVE,
            parental_responsibility=False,
            lives_with_pupil=False,
        )
        with pytest.raises(ValidationError, match="is not a parent for a penalty notice"):
            issue(officer, case, neither)
        carer_at_home = PupilCarerFactory(
            pupil=case.pupil,
            relationship=PupilCarer.Relationship.STEP_FATHER,
            parental_responsibility=False,
            lives_with_pupil=True,
        )
        assert issue(officer, case, carer_at_home).sequence == 1

    def test_not_in_the_future(self, case: Any, officer: Any, mother: PupilCarer) -> None:
        with pytest.raises(ValidationError, match="cannot be in the future"):
            issue(officer, case, mother, D(2025, 12, 2))

    @pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.DSL, Role.SCHOOL_STAFF])
    def test_school_users_cannot_issue(self, case: Any, mother: PupilCarer, role: str) -> None:
        user = UserFactory(role=role, school=case.school)
        with pytest.raises(PermissionDenied):
            issue(user, case, mother)
        assert not PenaltyNotice.unscoped.exists()

    def test_an_la_manager_cannot_issue(self, case: Any, mother: PupilCarer) -> None:
        manager = UserFactory(
            la_user=True, role=Role.LA_MANAGER, local_authority=case.school.local_authority
        )
        with pytest.raises(PermissionDenied):
            issue(manager, case, mother)

    def test_an_officer_of_another_la_gets_404(self, case: Any, mother: PupilCarer) -> None:
        other_school = SchoolFactory()
        assert other_school.local_authority != case.school.local_authority
        outsider = UserFactory(la_user=True, local_authority=other_school.local_authority)
        with pytest.raises(Http404):
            issue(outsider, case, mother)
        assert not PenaltyNotice.unscoped.exists()


@pytest.fixture
def notice(frozen: None, case: Any, officer: Any, mother: PupilCarer) -> PenaltyNotice:
    return issue(officer, case, mother)


def pay(officer: Any, notice: PenaltyNotice, on: dt.date, amount: int) -> PenaltyNotice:
    return penalty_notice_record_payment(
        acting_user=officer, notice_id=notice.pk, paid_on=on, amount=amount
    )


def prosecute(officer: Any, notice: PenaltyNotice, on: dt.date) -> PenaltyNotice:
    return penalty_notice_prosecute(
        acting_user=officer,
        notice_id=notice.pk,
        decided_on=on,
        note="Legal agreed.",
        eso_considered=True,
        eso_note="The parents refused every support offered; an ESO would add nothing.",
        contract_explored=True,
    )


def nth(n: int) -> dt.date:
    """Day n of the fixture notice's payment periods: handed over on 1 October
    2025, so received that day, which is day 1."""
    return ISSUE_DAY + dt.timedelta(days=n - 1)


class TestPayment:
    def test_80_on_day_21(self, officer: Any, notice: PenaltyNotice) -> None:
        paid = pay(officer, notice, nth(21), 80_00)
        paid.refresh_from_db()
        assert (paid.status, paid.paid_on, paid.amount_paid) == (PAID, nth(21), 80_00)
        assert [e.changes.get("status") for e in audit_for(paid)] == [[ISSUED, PAID], None]

    def test_80_on_day_22_is_refused_as_160_is_due(
        self, officer: Any, notice: PenaltyNotice
    ) -> None:
        with pytest.raises(ValidationError, match="£160 was due for a payment on 22 October"):
            pay(officer, notice, nth(22), 80_00)
        assert pay(officer, notice, nth(22), 160_00).status == PAID

    def test_nothing_after_day_28(self, officer: Any, notice: PenaltyNotice) -> None:
        with pytest.raises(ValidationError, match="the LA decides whether to prosecute"):
            pay(officer, notice, nth(29), 160_00)
        notice.refresh_from_db()
        assert notice.status == ISSUED

    def test_not_twice(self, officer: Any, notice: PenaltyNotice) -> None:
        pay(officer, notice, nth(3), 80_00)
        with pytest.raises(ValidationError, match="already been paid"):
            pay(officer, notice, nth(4), 80_00)


class TestProsecution:
    def test_not_before_day_29(self, officer: Any, notice: PenaltyNotice) -> None:
        with pytest.raises(ValidationError, match="No prosecution can be recorded before"):
            prosecute(officer, notice, nth(28))
        decided = prosecute(officer, notice, nth(29))
        decided.refresh_from_db()
        assert (decided.status, decided.prosecution_decided_on) == (PROSECUTION, nth(29))
        assert audit_for(decided)[0].changes["status"] == [ISSUED, PROSECUTION]

    def test_never_for_a_paid_notice(self, officer: Any, notice: PenaltyNotice) -> None:
        pay(officer, notice, nth(10), 80_00)
        with pytest.raises(ValidationError, match="has been paid"):
            prosecute(officer, notice, nth(40))

    def test_never_for_a_withdrawn_notice(self, officer: Any, notice: PenaltyNotice) -> None:
        penalty_notice_withdraw(
            acting_user=officer,
            notice_id=notice.pk,
            ground=WithdrawalGround.NOT_PROSECUTED,
            note="",
        )
        with pytest.raises(ValidationError, match="has been withdrawn"):
            prosecute(officer, notice, nth(40))

    def test_the_database_refuses_one_inside_the_payment_period(
        self, notice: PenaltyNotice
    ) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            PenaltyNotice.unscoped.filter(pk=notice.pk).update(
                status=PROSECUTION, prosecution_decided_on=nth(28)
            )


class TestWithdrawal:
    def test_needs_a_ground(self, officer: Any, notice: PenaltyNotice) -> None:
        with pytest.raises(ValidationError, match="Select the ground"):
            penalty_notice_withdraw(
                acting_user=officer, notice_id=notice.pk, ground="", note="Sent in error."
            )
        notice.refresh_from_db()
        assert notice.status == ISSUED

    def test_a_paid_notice_is_withdrawn_with_the_refund_audited(
        self, officer: Any, notice: PenaltyNotice
    ) -> None:
        pay(officer, notice, nth(5), 80_00)
        withdrawn = penalty_notice_withdraw(
            acting_user=officer,
            notice_id=notice.pk,
            ground=WithdrawalGround.WRONG_RECIPIENT,
            note="Sent to the father; the mother has day-to-day care.",
        )
        withdrawn.refresh_from_db()
        assert withdrawn.status == WITHDRAWN
        assert withdrawn.withdrawal_ground == WithdrawalGround.WRONG_RECIPIENT
        assert withdrawn.withdrawn_on == D(2025, 12, 1)
        latest = audit_for(withdrawn)[0]
        assert latest.changes["refund_due"] == 80_00
        assert latest.changes["status"] == [PAID, WITHDRAWN]

    def test_not_twice(self, officer: Any, notice: PenaltyNotice) -> None:
        ground = WithdrawalGround.MATERIAL_ERRORS
        penalty_notice_withdraw(acting_user=officer, notice_id=notice.pk, ground=ground, note="")
        with pytest.raises(ValidationError, match="already been withdrawn"):
            penalty_notice_withdraw(
                acting_user=officer, notice_id=notice.pk, ground=ground, note=""
            )


class TestDecisionsScopeAndRole:
    def test_a_school_user_cannot_decide(self, case: Any, notice: PenaltyNotice) -> None:
        lead = case.lead_professional
        with pytest.raises(PermissionDenied):
            pay(lead, notice, nth(5), 80_00)
        with pytest.raises(PermissionDenied):
            prosecute(lead, notice, nth(40))
        with pytest.raises(PermissionDenied):
            penalty_notice_withdraw(
                acting_user=lead,
                notice_id=notice.pk,
                ground=WithdrawalGround.MATERIAL_ERRORS,
                note="",
            )

    def test_an_officer_of_another_la_gets_404(self, notice: PenaltyNotice) -> None:
        outsider = UserFactory(la_user=True, local_authority=SchoolFactory().local_authority)
        with pytest.raises(Http404):
            pay(outsider, notice, nth(5), 80_00)
        with pytest.raises(Http404):
            prosecute(outsider, notice, nth(40))
        with pytest.raises(Http404):
            penalty_notice_withdraw(
                acting_user=outsider,
                notice_id=notice.pk,
                ground=WithdrawalGround.MATERIAL_ERRORS,
                note="",
            )
        notice.refresh_from_db()
        assert notice.status == ISSUED


# --- Two officers issuing at once (PostgreSQL: SQLite has no row locks) ----------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_issues_cannot_both_pass_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    mother = PupilCarerFactory(pupil=case.pupil)
    decision = penalty_route(case, mother)
    absent(case, D(2025, 9, 1), D(2025, 9, 26))
    with time_machine.travel(TODAY, tick=False):
        issue(officer, case, mother, D(2025, 3, 3))

    # Widen the gap between counting the notices and saving the new one, so
    # that without the lock both issues would count one earlier notice.
    real_terms = rules.penalty_terms

    def slow_terms(**kwargs: Any) -> Any:
        terms = real_terms(**kwargs)
        time.sleep(0.5)
        return terms

    monkeypatch.setattr(rules, "penalty_terms", slow_terms)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(on: dt.date, first: dt.date, last: dt.date) -> None:
        try:
            start.wait()
            issue_on_route(
                officer, case, mother, decision=decision, issued_on=on, first=first, last=last
            )
            outcomes.append("issued")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    # Two different offence periods, so only the 3-year limit can refuse one.
    attempts = [
        (D(2025, 10, 1), D(2025, 9, 1), D(2025, 9, 12)),
        (D(2025, 10, 2), D(2025, 9, 15), D(2025, 9, 26)),
    ]
    with time_machine.travel(TODAY, tick=True):
        threads = [threading.Thread(target=attempt, args=args) for args in attempts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["issued", "refused"]
    assert PenaltyNotice.unscoped.filter(recipient=mother).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_form_posted_three_times_at_once_makes_one_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three simultaneous posts of one issue form (one token): one notice, and
    each post answers with it. Before the token and the overlap rule, the
    second post became a "second notice" and only the third was refused."""
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    mother = PupilCarerFactory(pupil=case.pupil)
    decision = penalty_route(case, mother)
    absent(case, D(2025, 9, 1), D(2025, 9, 26))
    real_terms = rules.penalty_terms

    def slow_terms(**kwargs: Any) -> Any:
        terms = real_terms(**kwargs)
        time.sleep(0.3)
        return terms

    monkeypatch.setattr(rules, "penalty_terms", slow_terms)
    token = uuid.uuid4()
    start = threading.Barrier(3)
    made: list[int] = []
    refused: list[str] = []

    def post() -> None:
        try:
            start.wait()
            notice = issue_on_route(
                officer,
                case,
                mother,
                decision=decision,
                issued_on=ISSUE_DAY,
                first=D(2025, 9, 1),
                last=D(2025, 9, 26),
                issue_token=token,
            )
            made.append(notice.pk)
        except ValidationError as exc:
            refused.append(exc.messages[0])
        finally:
            connection.close()

    with time_machine.travel(TODAY, tick=True):
        threads = [threading.Thread(target=post) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert refused == []
    assert len(made) == 3
    assert len(set(made)) == 1
    assert PenaltyNotice.unscoped.filter(recipient=mother).count() == 1
