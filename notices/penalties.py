"""Penalty notices (rule A5): the amounts, the three-year limit and which status
changes are allowed, as plain functions over plain data. No database here, so
every rule can be read and tested as a table; `notices.services.penalties`
loads the data, calls these and writes.

Days are counted from the day the notice is **received** (Education (Penalty
Notices) (England) Regulations 2007, reg 7 as amended by SI 2024/210: "21 days
beginning with the date on which the notice is received", and 28 days for the
full amount). "Beginning with" counts the day of receipt as day 1, so day 21 is
`received_on + 20 days`. A notice handed over is received that day; a posted one
on the second (first class) or fourth (second class) working day after posting
(Interpretation Act 1978 s7, with the postal convention the regulations' guidance
adopts). Paid on or before day 21 of a first notice: £80; on or before day 28:
£160. From day 29 the notice can no longer be paid; the LA decides to prosecute
or to withdraw it.

The information for a prosecution must be laid within six months of the offence
(Magistrates' Courts Act 1980 s127), counted from the offence period's last day.

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

from attendance import codes
from attendance.figures import Register
from attendance.years import SESSIONS, Session, date_at, session_at, year_start
from core.dates import long_date
from core.working_days import working_days_after
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


def penalty_terms(
    *,
    issued_on: dt.date,
    earlier: Sequence[tuple[dt.date, str]],
    received_on: dt.date,
) -> Terms | Refusal:
    """The terms of a notice issued on `issued_on` and received on `received_on`
    to a parent for a child, given that parent's earlier notices for that child
    as (issued_on, status). The payment periods run from receipt
    (`payment_periods`); which notice it is, from the issue date.

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
    reduced_due_on, full_due_on = payment_periods(received_on)
    if in_window == 0:
        return Terms(
            sequence=1,
            amount_if_paid_by_day_21=REDUCED_AMOUNT,
            reduced_due_on=reduced_due_on,
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


# --- Service and receipt ---------------------------------------------------------


class ServiceMethod:
    """How the notice was given to the parent, and how many working days after
    posting it is deemed received: by hand the same day; first-class post the
    second working day, second-class the fourth (Interpretation Act 1978 s7,
    "delivered in the ordinary course of post", as the penalty notice guidance
    and LA codes of conduct apply it)."""

    HAND: Final = "hand"
    FIRST_CLASS: Final = "first_class"
    SECOND_CLASS: Final = "second_class"

    LABELS: Final[dict[str, str]] = {
        HAND: "By hand",
        FIRST_CLASS: "First-class post",
        SECOND_CLASS: "Second-class post",
    }
    WORKING_DAYS_TO_RECEIPT: Final[dict[str, int]] = {HAND: 0, FIRST_CLASS: 2, SECOND_CLASS: 4}


def deemed_receipt(*, served_on: dt.date, method: str) -> dt.date:
    """The day a notice served on `served_on` by `method` is received. Working
    days exclude weekends and England and Wales bank holidays
    (`core.working_days`). Example: posted first class on Friday 6 March 2026,
    received Tuesday 10 March."""
    days = ServiceMethod.WORKING_DAYS_TO_RECEIPT[method]
    return served_on if days == 0 else working_days_after(served_on, days)


def payment_periods(received_on: dt.date) -> tuple[dt.date, dt.date]:
    """The last day to pay £80 (day 21) and the last day to pay £160 (day 28)
    of a notice received on `received_on`: "21 days beginning with the date on
    which the notice is received" (reg 7, as amended by SI 2024/210), so the day
    of receipt is day 1. Received 10 March 2026: 30 March and 6 April."""
    return (
        received_on + dt.timedelta(days=REDUCED_PERIOD_DAYS - 1),
        received_on + dt.timedelta(days=PAYMENT_PERIOD_DAYS - 1),
    )


def earliest_prosecution_day(full_due_on: dt.date) -> dt.date:
    """No proceedings before the payment period ends: from the day after day 28."""
    return full_due_on + dt.timedelta(days=1)


# --- The offence period -------------------------------------------------------------


@dataclass(frozen=True)
class UnauthorisedSession:
    """One unauthorised session in the offence period, as the notice lists it."""

    day: dt.date
    session: Session
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "session": self.session, "code": self.code}


def unauthorised_sessions(
    registers: Sequence[Register], first: dt.date, last: dt.date
) -> list[UnauthorisedSession]:
    """Every session marked with an unauthorised absence code from `first` to
    `last` inclusive, in every register given (any school, any academic year),
    in date order. The same rule as the figures' unauthorised count (A2)."""
    found: list[UnauthorisedSession] = []
    for register in registers:
        start = year_start(register.academic_year)
        lo = max(0, 2 * (first - start).days)
        hi = min(len(register.marks), 2 * ((last - start).days + 1))
        for index in range(lo, hi):
            char = register.marks[index]
            if char in codes.UNAUTHORISED_CHARS:
                found.append(
                    UnauthorisedSession(
                        date_at(register.academic_year, index),
                        session_at(index),
                        codes.resolve_char(char).code.code,
                    )
                )
    return sorted(found, key=lambda s: (s.day, SESSIONS.index(s.session)))


def offence_period_refusal(
    *, first: dt.date, last: dt.date, issued_on: dt.date, date_of_birth: dt.date
) -> str | None:
    """Why this offence period cannot be on a notice issued on `issued_on`, or
    None. The period ends on or before the issue date, and the child is of
    compulsory school age on every day of it (EA 1996 ss8 and 444): age is an
    interval, so its first and last days are enough to check."""
    if first > last:
        return "The offence period must end on or after the day it starts."
    if last > issued_on:
        return (
            f"The offence period ends on {long_date(last)}, after the notice was issued "
            f"({long_date(issued_on)}): a notice is for absence that has happened."
        )
    starts, ends = compulsory_school_age(date_of_birth)
    if first < starts or last > ends:
        return (
            f"The child is of compulsory school age only from {long_date(starts)} to "
            f"{long_date(ends)} (born {long_date(date_of_birth)}); the offence period "
            f"{long_date(first)} to {long_date(last)} is not all within it (Education "
            "Act 1996 ss8 and 444)."
        )
    return None


def recorded_span(registers: Sequence[Register]) -> tuple[dt.date, dt.date] | None:
    """The first and the last day with any mark in the pupil's registers (every
    school, every year): the dates the records cover. None with no mark."""
    days: list[dt.date] = []
    for register in registers:
        marked = [i for i, char in enumerate(register.marks) if char != codes.NO_MARK]
        if marked:
            days.append(date_at(register.academic_year, marked[0]))
            days.append(date_at(register.academic_year, marked[-1]))
    return (min(days), max(days)) if days else None


def decision_period_errors(
    *,
    first: dt.date | None,
    last: dt.date | None,
    decided_on: dt.date,
    today: dt.date,
    span: tuple[dt.date, dt.date] | None,
) -> dict[str, str]:
    """Why an offence period cannot be on a decision to prosecute taken on
    `decided_on`, by form field ({} when it can). The six-month limit runs from
    its last day (s127 MCA 1980), so it is two dates, in order, not in the
    future nor after the decision, and within the pupil's records (`span`,
    from `recorded_span`): a court is shown the registers for every day of it.
    Example: records from 1 September 2025 to 27 March 2026; 8 to 26 September
    2025 is accepted; 25 August to 5 September 2025 is refused."""
    if first is None or last is None:
        return {
            "offence_first_day" if first is None else "offence_last_day": (
                "Enter the offence period: a prosecution is for the absence from its first "
                "to its last day, and the six-month limit runs from the last"
            )
        }
    if last < first:
        return {"offence_last_day": "The offence period must end on or after the day it starts"}
    if last > today:
        return {"offence_last_day": "The offence period cannot end in the future"}
    if last > decided_on:
        return {
            "offence_last_day": f"The offence period ends after the decision "
            f"({long_date(decided_on)}): a prosecution is for absence that has happened"
        }
    if span is None:
        return {"offence_first_day": "The pupil has no attendance records to prosecute on"}
    if first < span[0] or last > span[1]:
        return {
            "offence_first_day" if first < span[0] else "offence_last_day": (
                f"The pupil's records run from {long_date(span[0])} to {long_date(span[1])}: "
                "the offence period must be within them"
            )
        }
    return {}


def overlapping_period(
    first: dt.date, last: dt.date, others: Sequence[tuple[dt.date, dt.date]]
) -> tuple[dt.date, dt.date] | None:
    """The first of `others` (first, last) sharing a day with first..last, or None:
    one offence, one notice."""
    for other_first, other_last in sorted(others):
        if other_first <= last and first <= other_last:
            return other_first, other_last
    return None


# --- After the payment period: the six-month limit and withdrawal ----------------------

INFORMATION_LIMIT_MONTHS: Final = 6
FIRST_WARNING_MONTHS: Final = 4
SECOND_WARNING_MONTHS: Final = 5


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding date `months` calendar months later (Interpretation Act
    1978 Sch 1: "month" is a calendar month; Dodds v Walker [1981]: the period
    ends on the same-numbered day, or the month's last day when it has none:
    31 August + 6 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_of_month = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_of_month))


@dataclass(frozen=True)
class InformationLimit:
    """The s127 limit for an offence period ending on `offence_last_day`.

    "Within 6 months from the time when the offence was committed": "from"
    excludes the day of the offence and the period ends on the corresponding
    date (Radcliffe v Bartholomew [1892] 1 QB 161; DPP v Jackson [2025], the
    exclusionary and corresponding date rules), so the information may be
    laid up to and including `lay_by`. Last day 13 February 2026: lay by
    13 August 2026; flagged from 13 June (4 months) and 13 July (5 months)."""

    offence_last_day: dt.date
    lay_by: dt.date
    four_months_on: dt.date
    five_months_on: dt.date

    def level(self, on: dt.date, *, laid_on: dt.date | None = None) -> str:
        """ "" (nothing to flag), "four_months", "five_months" or "expired" on
        `on`; "laid" once the information was laid (`laid_on`, within the
        limit: `information_laid_refusal`), when the limit is met and no
        longer runs."""
        if laid_on is not None:
            return "laid"
        if on > self.lay_by:
            return "expired"
        if on >= self.five_months_on:
            return "five_months"
        if on >= self.four_months_on:
            return "four_months"
        return ""


def information_limit(offence_last_day: dt.date) -> InformationLimit:
    return InformationLimit(
        offence_last_day=offence_last_day,
        lay_by=add_months(offence_last_day, INFORMATION_LIMIT_MONTHS),
        four_months_on=add_months(offence_last_day, FIRST_WARNING_MONTHS),
        five_months_on=add_months(offence_last_day, SECOND_WARNING_MONTHS),
    )


def information_laid_refusal(
    *,
    laid_on: dt.date,
    today: dt.date,
    decided_on: dt.date,
    offence_last_day: dt.date | None,
) -> dict[str, str]:
    """Why "the information was laid on `laid_on`" cannot be recorded for a
    prosecution decided on `decided_on`, by form field ({} when it can). Laying
    the information starts the prosecution at the magistrates' court, so it
    comes on or after the decision, not in the future, and within the six
    months of s127 (Magistrates' Courts Act 1980) from the offence period's
    last day: one laid later cannot be tried, and the record would say the
    limit was met when it was not. Offence period ending 13 February 2026:
    laid on 13 August 2026 is recorded; on 14 August it is refused."""
    if laid_on > today:
        return {"laid_on": "The date the information was laid cannot be in the future"}
    if laid_on < decided_on:
        return {
            "laid_on": f"The information cannot have been laid before the decision to prosecute "
            f"({long_date(decided_on)})"
        }
    if offence_last_day is not None:
        limit = information_limit(offence_last_day)
        if laid_on > limit.lay_by:
            return {
                "laid_on": f"The information had to be laid by {long_date(limit.lay_by)}, six "
                f"months after the offence period ended on {long_date(offence_last_day)} "
                f"(Magistrates' Courts Act 1980 s127). Laid on {long_date(laid_on)}, it is out "
                "of time and cannot be recorded as meeting the limit"
            }
    return {}


def withdrawal_due(notice: NoticeState, on: dt.date) -> bool:
    """An unpaid notice not prosecuted once its payment period has ended: the LA
    must decide, and without a prosecution the notice is withdrawn (reg 9)."""
    return notice.status == ISSUED and on > notice.full_due_on


def prosecution_safeguard_errors(
    *,
    eso_considered: bool,
    eso_note: str,
    contract_explored: bool | None,
    contract_note: str,
) -> dict[str, str]:
    """What is missing before a prosecution, by form field: an education
    supervision order considered, with the reason it is not used (EA 1996
    s447), and whether an attendance contract was explored, and if not why not
    (Working together to improve school attendance, 2024: legal intervention
    follows support, including attendance contracts)."""
    errors: dict[str, str] = {}
    if not (eso_considered and eso_note.strip()):
        errors["eso_considered"] = (
            "Before prosecuting, the LA must consider an education supervision order: "
            "confirm it was considered and say why it is not used"
        )
    if contract_explored is None:
        errors["contract_explored"] = "Say whether an attendance contract was explored"
    elif not contract_explored and not contract_note.strip():
        errors["contract_note"] = "Say why an attendance contract was not explored"
    return errors
