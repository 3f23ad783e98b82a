"""Penalty notices (rule A5): the amounts, the three-year limit and which status
changes are allowed, as plain functions over plain data. No database here, so
every rule can be read and tested as a table; `notices.services.penalties`
loads the data, calls these and writes.

Days are counted from the issue date: "day 21" is `issued_on + 21 days`. Paid
on or before day 21 of a first notice: £80; on or before day 28: £160. From day
29 the notice can no longer be paid through the product; the LA decides to
prosecute or to withdraw it.

Money is in pence (int): the amounts are fixed whole sums, integers compare
exactly and need no rounding rule, and nothing in the rules multiplies or
divides money. Pages show `pounds(pence)`.

See docs/rules.md#a5-penalty-notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from pupils.school_age import compulsory_school_age

# Statuses. The model's choices use these values, so that the rules and the
# database speak the same words.
ISSUED: Final = "issued"
PAID: Final = "paid"
WITHDRAWN: Final = "withdrawn"
PROSECUTION: Final = "prosecution"

REDUCED_AMOUNT: Final = 80_00
FULL_AMOUNT: Final = 160_00
REDUCED_PERIOD_DAYS: Final = 21
PAYMENT_PERIOD_DAYS: Final = 28
LIMIT_YEARS: Final = 3
MAX_NOTICES_IN_WINDOW: Final = 2

THIRD_NOTICE_REFUSAL: Final = (
    "A third penalty notice within 3 years of the first cannot be issued. Consider "
    "prosecution under s444(1) or s444(1A), an attendance contract, or an education "
    "supervision order."
)


class WithdrawalGround:
    """Why a notice is withdrawn (Education (Penalty Notices) (England) Regs 2007,
    regs 8 and 9). The first four are errors in issuing it; the last is the
    regulation 9 duty to withdraw a notice that is unpaid and not prosecuted."""

    SHOULD_NOT_HAVE_BEEN_ISSUED: Final = "should_not_have_been_issued"
    WRONG_RECIPIENT: Final = "wrong_recipient"
    MATERIAL_ERRORS: Final = "material_errors"
    CODE_OF_CONDUCT_BREACH: Final = "code_of_conduct_breach"
    NOT_PROSECUTED: Final = "not_prosecuted"

    LABELS: Final[dict[str, str]] = {
        SHOULD_NOT_HAVE_BEEN_ISSUED: "It should not have been issued",
        WRONG_RECIPIENT: "It was issued to the wrong person",
        MATERIAL_ERRORS: "It contains material errors",
        CODE_OF_CONDUCT_BREACH: "It was issued in breach of the LA's code of conduct",
        NOT_PROSECUTED: "It was not paid and the LA has decided not to prosecute",
    }


def pounds(pence: int) -> str:
    """£80 or £80.50: whole pounds without pence, as the notices print them."""
    whole, part = divmod(pence, 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"


def long_date(day: dt.date) -> str:
    """1 September 2025: how dates are written in messages to staff."""
    return f"{day.day} {day:%B %Y}"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date `years` later. 29 February moves to 1 March: a period of
    3 years beginning on 29 February 2024 ends on 28 February 2027, so the
    first day outside it is 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


@dataclass(frozen=True)
class Terms:
    """What a new notice says: which notice it is in the 3-year window, what to
    pay by when."""

    sequence: int
    amount_if_paid_by_day_21: int | None
    reduced_due_on: dt.date | None
    amount_if_paid_by_day_28: int
    full_due_on: dt.date
    # The first day a notice to this parent for this child would be a first
    # notice again (the first counting notice's date + 3 years).
    window_ends_on: dt.date


@dataclass(frozen=True)
class Refusal:
    """A notice that may not be issued, with the reason to show the officer."""

    reason: str
    window_ends_on: dt.date | None = None


@dataclass(frozen=True)
class Verdict:
    """The answer of a transition predicate: truthy when allowed; otherwise
    `reason` is the message the user sees."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED: Final = Verdict(True)


def school_age_refusal(*, date_of_birth: dt.date, issued_on: dt.date) -> Refusal | None:
    """The refusal of a notice issued on `issued_on` for a child born on
    `date_of_birth` who is not of compulsory school age that day (Education Act
    1996 s8): the s444 offence, and so a penalty notice, concerns only a child
    of compulsory school age. None when the child is of that age."""
    starts, ends = compulsory_school_age(date_of_birth)
    if issued_on < starts:
        why = f"the child is not of compulsory school age until {long_date(starts)}"
    elif issued_on > ends:
        why = (
            f"the child stopped being of compulsory school age after {long_date(ends)}, "
            "the school leaving date"
        )
    else:
        return None
    return Refusal(
        f"A penalty notice cannot be issued on {long_date(issued_on)}: {why} (born "
        f"{long_date(date_of_birth)}). A penalty notice is only for the absence of a child "
        "of compulsory school age (Education Act 1996 ss8 and 444)."
    )


def penalty_terms(*, issued_on: dt.date, earlier: Sequence[tuple[dt.date, str]]) -> Terms | Refusal:
    """The terms of a notice issued on `issued_on` to a parent for a child, given
    that parent's earlier notices for that child as (issued_on, status).

    The window: "a second notice within 3 years of the first; no third within 3
    years of the first; a new notice is possible 3 years after the first". So
    windows are anchored on first notices, not rolling back from today: walk the
    counting (not withdrawn) notices in date order; a notice on or after its
    window's first + 3 years opens a new window as a first notice. The new
    notice is then a first, a second, or refused as a third.

    Withdrawn notices do not count (they are treated as never issued); unpaid,
    paid and prosecuted ones do.
    """
    counting = sorted(day for day, status in earlier if status != WITHDRAWN)
    if counting and counting[-1] > issued_on:
        # A notice dated before one already recorded would change which notice
        # was the "first" for that one; the record must stay in issue order.
        return Refusal(
            f"This parent already has a penalty notice for this child issued on "
            f"{long_date(counting[-1])}. A new notice cannot be dated before it."
        )
    window_start: dt.date | None = None
    in_window = 0
    for day in counting:
        if window_start is None or day >= add_years(window_start, LIMIT_YEARS):
            window_start, in_window = day, 1
        else:
            in_window += 1
    if window_start is None or issued_on >= add_years(window_start, LIMIT_YEARS):
        window_start, in_window = issued_on, 0
    window_ends_on = add_years(window_start, LIMIT_YEARS)
    if in_window >= MAX_NOTICES_IN_WINDOW:
        return Refusal(
            f"{THIRD_NOTICE_REFUSAL} The first notice in this period was issued on "
            f"{long_date(window_start)}; a new notice can be issued from "
            f"{long_date(window_ends_on)}.",
            window_ends_on=window_ends_on,
        )
    full_due_on = issued_on + dt.timedelta(days=PAYMENT_PERIOD_DAYS)
    if in_window == 0:
        return Terms(
            sequence=1,
            amount_if_paid_by_day_21=REDUCED_AMOUNT,
            reduced_due_on=issued_on + dt.timedelta(days=REDUCED_PERIOD_DAYS),
            amount_if_paid_by_day_28=FULL_AMOUNT,
            full_due_on=full_due_on,
            window_ends_on=window_ends_on,
        )
    # A second notice in the window: the full amount, no reduced rate.
    return Terms(
        sequence=2,
        amount_if_paid_by_day_21=None,
        reduced_due_on=None,
        amount_if_paid_by_day_28=FULL_AMOUNT,
        full_due_on=full_due_on,
        window_ends_on=window_ends_on,
    )


class NoticeState(Protocol):
    """What the predicates read from a notice (the model has all of it)."""

    @property
    def status(self) -> str: ...
    @property
    def issued_on(self) -> dt.date: ...
    @property
    def amount_if_paid_by_day_21(self) -> int | None: ...
    @property
    def amount_if_paid_by_day_28(self) -> int: ...
    @property
    def reduced_due_on(self) -> dt.date | None: ...
    @property
    def full_due_on(self) -> dt.date: ...


def amount_due(notice: NoticeState, on: dt.date) -> int | None:
    """What discharges the notice if paid on `on`; None outside the payment period."""
    if on < notice.issued_on or on > notice.full_due_on:
        return None
    if (
        notice.amount_if_paid_by_day_21 is not None
        and notice.reduced_due_on is not None
        and on <= notice.reduced_due_on
    ):
        return notice.amount_if_paid_by_day_21
    return notice.amount_if_paid_by_day_28


def can_record_payment(notice: NoticeState, on: dt.date) -> Verdict:
    """A payment is recorded against an issued notice, within its 28 days."""
    if notice.status != ISSUED:
        return Verdict(False, _NOT_ISSUED[notice.status])
    if on < notice.issued_on:
        return Verdict(False, "A payment cannot be dated before the notice was issued.")
    if on > notice.full_due_on:
        return Verdict(
            False,
            f"The payment period ended on {long_date(notice.full_due_on)}. A payment "
            "cannot be recorded after it: the LA decides whether to prosecute or to "
            "withdraw the notice.",
        )
    return ALLOWED


def can_withdraw(notice: NoticeState, ground: str, on: dt.date) -> Verdict:
    """An error in issuing it withdraws a notice whatever its status (any
    payment is refunded, any prosecution stops: reg. 8). "Not paid and not
    prosecuted" applies only to an unpaid notice after its payment period."""
    if notice.status == WITHDRAWN:
        return Verdict(False, "This notice has already been withdrawn.")
    if ground not in WithdrawalGround.LABELS:
        return Verdict(False, "Select the ground for withdrawing the notice.")
    if ground == WithdrawalGround.NOT_PROSECUTED:
        if notice.status != ISSUED:
            return Verdict(
                False,
                "Only an unpaid notice that is not being prosecuted can be withdrawn "
                "for non-payment.",
            )
        if on <= notice.full_due_on:
            return Verdict(
                False,
                f"The payment period runs until {long_date(notice.full_due_on)}: the "
                "notice can be withdrawn for non-payment only after it ends.",
            )
    return ALLOWED


def can_prosecute(notice: NoticeState, on: dt.date) -> Verdict:
    """Prosecution is decided only for an unpaid, not withdrawn notice, and only
    once the 28-day payment period has ended (from day 29)."""
    if notice.status == PAID:
        return Verdict(False, "This notice has been paid, so no prosecution can follow it.")
    if notice.status == WITHDRAWN:
        return Verdict(False, "This notice has been withdrawn, so no prosecution can follow it.")
    if notice.status == PROSECUTION:
        return Verdict(False, "A decision to prosecute is already recorded for this notice.")
    if on <= notice.full_due_on:
        return Verdict(
            False,
            f"The payment period runs until {long_date(notice.full_due_on)}. No "
            "prosecution can be recorded before it ends.",
        )
    return ALLOWED


_NOT_ISSUED: Final[dict[str, str]] = {
    PAID: "This notice has already been paid.",
    WITHDRAWN: "This notice has been withdrawn, so no payment is due.",
    PROSECUTION: ("A prosecution has been decided for this notice, so it can no longer be paid."),
}
