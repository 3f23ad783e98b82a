"""Service and deemed receipt of a penalty notice (rule A5): the payment
periods and the earliest prosecution day count from the day the notice is
received, not the day it is issued.

Sources: Education (Penalty Notices) (England) Regulations 2007 (SI 2007/1867),
reg 7 as amended by SI 2024/210: £80 "within 21 days beginning with the date on
which the notice is received", £160 within 28 days; Interpretation Act 1978 s7
(service by post), with the convention the guidance and LA codes apply: by
hand, received that day; first-class post, the second working day after
posting; second-class, the fourth. Working days exclude weekends and England
and Wales bank holidays (`core.working_days`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from notices.penalties import (
    Terms,
    amount_due,
    can_prosecute,
    can_record_payment,
    deemed_receipt,
    earliest_prosecution_day,
    payment_periods,
    penalty_terms,
)
from notices.services.penalties import (
    penalty_notice_prosecute,
    penalty_notice_record_payment,
)

from .factories import AttendanceCaseFactory, PupilCarerFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route

D = dt.date
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("served_on", "method", "received_on"),
    [
        # The worked example: Friday, so the weekend does not count.
        pytest.param(D(2026, 3, 6), "first_class", D(2026, 3, 10), id="Fri 1st class: Tue"),
        pytest.param(D(2026, 3, 6), "second_class", D(2026, 3, 12), id="Fri 2nd class: Thu"),
        pytest.param(D(2026, 3, 6), "hand", D(2026, 3, 6), id="by hand: that day"),
        pytest.param(D(2026, 3, 7), "hand", D(2026, 3, 7), id="by hand on a Saturday"),
        pytest.param(D(2026, 3, 9), "first_class", D(2026, 3, 11), id="Mon 1st class: Wed"),
        # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays.
        pytest.param(D(2026, 4, 2), "first_class", D(2026, 4, 8), id="over Easter, 1st class"),
        pytest.param(D(2026, 4, 2), "second_class", D(2026, 4, 10), id="over Easter, 2nd class"),
        # Christmas Day (Friday) and the Boxing Day substitute (Monday 28th).
        pytest.param(D(2026, 12, 24), "first_class", D(2026, 12, 30), id="over Christmas"),
    ],
)
def test_deemed_receipt(served_on: dt.date, method: str, received_on: dt.date) -> None:
    assert deemed_receipt(served_on=served_on, method=method) == received_on


def test_the_worked_example_to_the_day() -> None:
    """Posted first class on Friday 6 March 2026: received Tuesday 10 March; £80
    up to and including 30 March; £160 up to and including 6 April; no
    prosecution before 7 April. Counting from the issue date (the old rule)
    gave £80 to 27 March, nothing payable from 4 April and prosecution from
    4 April: each assertion below fails under it."""
    received = deemed_receipt(served_on=D(2026, 3, 6), method="first_class")
    assert received == D(2026, 3, 10)
    assert payment_periods(received) == (D(2026, 3, 30), D(2026, 4, 6))
    terms = penalty_terms(issued_on=D(2026, 3, 6), received_on=received, earlier=[])
    assert isinstance(terms, Terms)
    assert (terms.reduced_due_on, terms.full_due_on) == (D(2026, 3, 30), D(2026, 4, 6))
    assert earliest_prosecution_day(terms.full_due_on) == D(2026, 4, 7)


@pytest.fixture
def posted_notice(db: None) -> Any:
    """A first notice issued and posted first class on Friday 6 March 2026."""
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    mother = PupilCarerFactory(pupil=case.pupil)
    decision = penalty_route(case, mother, decided_on=D(2026, 3, 2))
    absent(case, D(2026, 2, 2), D(2026, 2, 13))
    with time_machine.travel(dt.datetime(2026, 3, 6, 12, tzinfo=LONDON), tick=False):
        notice = issue_on_route(
            officer,
            case,
            mother,
            decision=decision,
            issued_on=D(2026, 3, 6),
            first=D(2026, 2, 2),
            last=D(2026, 2, 13),
            method="first_class",
        )
    return officer, notice


def test_a_posted_notice_stores_its_receipt_and_periods(posted_notice: Any) -> None:
    _, notice = posted_notice
    notice.refresh_from_db()
    assert (notice.service_method, notice.served_on) == ("first_class", D(2026, 3, 6))
    assert notice.received_on == D(2026, 3, 10)
    assert (notice.reduced_due_on, notice.full_due_on) == (D(2026, 3, 30), D(2026, 4, 6))


@pytest.mark.parametrize(
    ("on", "due"),
    [
        (D(2026, 3, 30), 80_00),  # day 21 counting 10 March as day 1
        (D(2026, 3, 31), 160_00),
        (D(2026, 4, 4), 160_00),  # the old rule: nothing payable
        (D(2026, 4, 6), 160_00),  # day 28
        (D(2026, 4, 7), None),
    ],
)
def test_what_is_due_each_day(posted_notice: Any, on: dt.date, due: int | None) -> None:
    _, notice = posted_notice
    assert amount_due(notice, on) == due
    assert bool(can_record_payment(notice, on)) is (due is not None)


def test_80_paid_on_30_march_discharges_it(posted_notice: Any) -> None:
    officer, notice = posted_notice
    with time_machine.travel(dt.datetime(2026, 4, 1, 12, tzinfo=LONDON), tick=False):
        paid = penalty_notice_record_payment(
            acting_user=officer, notice_id=notice.pk, paid_on=D(2026, 3, 30), amount=80_00
        )
    assert paid.status == "paid"


def test_no_prosecution_before_7_april(posted_notice: Any) -> None:
    officer, notice = posted_notice
    assert not can_prosecute(notice, D(2026, 4, 6))
    assert can_prosecute(notice, D(2026, 4, 7))
    safeguards = {
        "eso_considered": True,
        "eso_note": "Support was refused throughout.",
        "contract_explored": True,
    }
    with time_machine.travel(dt.datetime(2026, 4, 20, 12, tzinfo=LONDON), tick=False):
        with pytest.raises(ValidationError, match="runs until 6 April 2026"):
            penalty_notice_prosecute(
                acting_user=officer,
                notice_id=notice.pk,
                decided_on=D(2026, 4, 6),
                note="",
                **safeguards,
            )
        decided = penalty_notice_prosecute(
            acting_user=officer,
            notice_id=notice.pk,
            decided_on=D(2026, 4, 7),
            note="",
            **safeguards,
        )
    assert decided.prosecution_decided_on == D(2026, 4, 7)


def test_service_cannot_precede_issue_and_needs_a_method(db: None) -> None:
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    mother = PupilCarerFactory(pupil=case.pupil)
    decision = penalty_route(case, mother, decided_on=D(2026, 3, 2))
    absent(case, D(2026, 2, 2), D(2026, 2, 13))
    common = {
        "decision": decision,
        "issued_on": D(2026, 3, 6),
        "first": D(2026, 2, 2),
        "last": D(2026, 2, 13),
    }
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=LONDON), tick=False):
        with pytest.raises(ValidationError, match="cannot be served before"):
            issue_on_route(officer, case, mother, served_on=D(2026, 3, 5), **common)
        with pytest.raises(ValidationError, match="Select how the notice was served"):
            issue_on_route(officer, case, mother, method="email", **common)
        with pytest.raises(ValidationError, match="cannot be in the future"):
            issue_on_route(officer, case, mother, served_on=D(2026, 3, 21), **common)
