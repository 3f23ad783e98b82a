"""Reads of penalty notices for the pages (rule A5): a case's notices and the
LA's list of notices still open, each with what the rules say about it today
(the six-month limit for laying an information, a withdrawal that is due).
Every read starts from the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from cases.models import AttendanceCase

from . import penalties as rules
from .models import LADecision, PenaltyNotice

SEQUENCE_LABELS = {1: "First notice in 3 years", 2: "Second notice in 3 years"}

LIMIT_FLAGS = {
    "four_months": "4 months since the offence",
    "five_months": "5 months since the offence",
    "expired": "Too late to prosecute",
    "laid": "Information laid: limit met",
}


@dataclass(frozen=True)
class NoticeRow:
    """A notice as the pages show it: money in pounds, and today's flags."""

    notice: PenaltyNotice
    sequence_label: str
    reduced_amount: str | None
    full_amount: str
    amount_paid: str | None
    earliest_prosecution: dt.date
    # The s127 limit, shown while a prosecution could still follow (unpaid or
    # prosecution decided); None for a paid or withdrawn notice, or one from
    # before the offence period was dates.
    limit: rules.InformationLimit | None
    limit_level: str  # "", "four_months", "five_months", "expired" or "laid"
    limit_flag: str
    withdrawal_due: bool
    sessions: list[dict[str, Any]]


def notice_row(notice: PenaltyNotice, on: dt.date) -> NoticeRow:
    open_to_prosecution = notice.status in (rules.ISSUED, rules.PROSECUTION)
    limit = (
        rules.information_limit(notice.offence_last_day)
        if open_to_prosecution and notice.offence_last_day is not None
        else None
    )
    level = limit.level(on, laid_on=notice.information_laid_on) if limit else ""
    return NoticeRow(
        notice=notice,
        sequence_label=SEQUENCE_LABELS.get(notice.sequence, f"Notice {notice.sequence}"),
        reduced_amount=rules.pounds(notice.amount_if_paid_by_day_21)
        if notice.amount_if_paid_by_day_21 is not None
        else None,
        full_amount=rules.pounds(notice.amount_if_paid_by_day_28),
        amount_paid=rules.pounds(notice.amount_paid) if notice.amount_paid is not None else None,
        earliest_prosecution=rules.earliest_prosecution_day(notice.full_due_on),
        limit=limit,
        limit_level=level,
        limit_flag=LIMIT_FLAGS.get(level, ""),
        withdrawal_due=rules.withdrawal_due(notice, on),
        sessions=[
            {**s, "date": dt.date.fromisoformat(s["date"])} for s in notice.unauthorised_sessions
        ],
    )


def case_penalty_notices(user: User, case: AttendanceCase, on: dt.date) -> list[NoticeRow]:
    notices = (
        PenaltyNotice.objects.for_user(user)
        .filter(case=case)
        .select_related(
            "recipient__carer", "issued_by", "decision", "holiday_request", "information_laid_by"
        )
        .order_by("-issued_on", "-pk")
    )
    return [notice_row(n, on) for n in notices]


def la_open_penalty_notices(user: User, on: dt.date) -> list[NoticeRow]:
    """The notices in the user's scope that a prosecution could still follow
    (unpaid, or prosecution decided), the nearest s127 limit first; notices
    whose information is laid (the limit met) and those with no offence period
    dates last."""
    notices = (
        PenaltyNotice.objects.for_user(user)
        .filter(status__in=[rules.ISSUED, rules.PROSECUTION])
        .select_related("case__pupil", "case__school", "recipient__carer")
    )
    rows = [notice_row(n, on) for n in notices]
    return sorted(
        rows,
        key=lambda r: (
            r.notice.information_laid_on is not None,
            r.limit is None,
            r.limit.lay_by if r.limit else dt.date.max,
            r.notice.pk,
        ),
    )


@dataclass(frozen=True)
class LimitState:
    """The s127 limit of an offence period ending `limit.offence_last_day`, as
    the pages show it on `on`: "laid" once the information is laid."""

    limit: rules.InformationLimit
    level: str
    flag: str
    laid_on: dt.date | None


def limit_state(
    offence_last_day: dt.date | None, laid_on: dt.date | None, on: dt.date
) -> LimitState | None:
    if offence_last_day is None:
        return None
    limit = rules.information_limit(offence_last_day)
    level = limit.level(on, laid_on=laid_on)
    return LimitState(limit, level, LIMIT_FLAGS.get(level, ""), laid_on)


@dataclass(frozen=True)
class DecisionRow:
    """A referral decision to prosecute, with its s127 limit today."""

    decision: LADecision
    state: LimitState | None


def la_prosecution_decisions(user: User, on: dt.date) -> list[DecisionRow]:
    """The LA's decisions to prosecute on referrals, in the user's scope, the
    nearest s127 limit first; those with the information laid, and those
    decided before the offence period was asked, last. One query."""
    decisions = (
        LADecision.objects.for_user(user)
        .filter(kind__in=LADecision.PROSECUTIONS)
        .select_related("referral__case__pupil", "referral__case__school")
    )
    rows = [
        DecisionRow(d, limit_state(d.offence_last_day, d.information_laid_on, on))
        for d in decisions
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.decision.information_laid_on is not None,
            r.state is None,
            r.state.limit.lay_by if r.state else dt.date.max,
            r.decision.pk,
        ),
    )
