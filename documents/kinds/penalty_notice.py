"""The penalty notice (rule A5) and the letter withdrawing one.

What the Education (Penalty Notices) (England) Regulations 2007 (reg 6, as
amended by SI 2024/210) require a notice to give is fixed text in the template,
filled from the notice as stored at issue: the recipient's name and address,
the child, the offence (Education Act 1996 s444(1)) and its period, the amounts
and the periods counted from receipt, how to pay, that paying discharges
liability, what happens if it is not paid, the date of issue and who issued it.
Only how to pay and the contact paragraph are the LA's wording.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cases.models import AttendanceCase
from notices import penalties
from notices.models import PenaltyNotice

from .base import (
    COMMON_VARIABLES,
    Kind,
    Paragraph,
    Subject,
    common_data,
    long_date,
    pounds,
    short_date,
)


def _sessions(notice: PenaltyNotice) -> list[dict[str, str]]:
    rows = []
    for item in notice.unauthorised_sessions or []:
        try:
            day = dt.date.fromisoformat(item["date"])
        except (KeyError, ValueError):
            continue
        session = str(item.get("session", ""))
        rows.append(
            {
                "day": long_date(day),
                "session": {"AM": "Morning", "PM": "Afternoon"}.get(session, session),
                "code": str(item.get("code", "")),
            }
        )
    return rows


def penalty_data(notice: PenaltyNotice) -> dict[str, Any]:
    return {
        "number": notice.pk,
        "issued_on": short_date(notice.issued_on),
        "issued_by": notice.issued_by.full_name,
        "issued_by_role": notice.issued_by.job_title,
        "sequence": notice.sequence,
        "first_day": short_date(notice.offence_first_day),
        "last_day": short_date(notice.offence_last_day),
        "sessions": _sessions(notice),
        "service_method": notice.get_service_method_display() if notice.service_method else "",
        "served_on": short_date(notice.served_on),
        "received_on": long_date(notice.received_on),
        "reduced_amount": pounds(notice.amount_if_paid_by_day_21),
        "reduced_due_on": long_date(notice.reduced_due_on),
        "full_amount": pounds(notice.amount_if_paid_by_day_28),
        "full_due_on": long_date(notice.full_due_on),
        "reduced_days": penalties.REDUCED_PERIOD_DAYS,
        "full_days": penalties.PAYMENT_PERIOD_DAYS,
        "withdrawn_on": short_date(notice.withdrawn_on),
        "withdrawal_ground": notice.get_withdrawal_ground_display()
        if notice.withdrawal_ground
        else "",
        "amount_paid": pounds(notice.amount_paid),
    }


class PenaltyNoticeDocument(Kind):
    code = "penalty_notice"
    title = "Penalty notice"
    prefix = "PN"
    template = "documents/penalty_notice.html"
    issued_by_la = True
    paragraphs = (
        Paragraph(
            "how_to_pay",
            "How to pay",
            "Pay online at your local authority's website, quoting the notice number "
            "{{ notice_number }}, or telephone {{ la_phone }}. Payment must be made in full: "
            "part payments and payment by instalments are not accepted.",
            (*COMMON_VARIABLES, "notice_number", "la_phone", "la_email"),
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        return [
            Subject(self, case, penalty_notice=notice, recipient=notice.recipient)
            for notice in PenaltyNotice.unscoped.filter(case=case).select_related(
                "recipient__carer"
            )
            if notice.status != PenaltyNotice.Status.WITHDRAWN
        ]

    def data(self, subject: Subject) -> dict[str, Any]:
        notice = subject.penalty_notice
        assert notice is not None
        data = common_data(subject, dated=notice.issued_on)
        data["penalty"] = penalty_data(notice)
        return data

    def variables(self, data: Any) -> dict[str, str]:
        return {
            **super().variables(data),
            "notice_number": str(data["penalty"]["number"]),
            "la_phone": data["la"]["phone"],
            "la_email": data["la"]["email"],
        }


class PenaltyWithdrawalLetter(PenaltyNoticeDocument):
    code = "penalty_withdrawal"
    title = "Withdrawal of a penalty notice"
    prefix = "PNW"
    template = "documents/penalty_withdrawal.html"
    paragraphs = (
        Paragraph(
            "closing",
            "Closing",
            "If you have any questions about this letter, please contact us. Support with "
            "{{ pupil_name }}'s attendance is still available through {{ school_name }}.",
            COMMON_VARIABLES,
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        return [
            Subject(self, case, penalty_notice=notice, recipient=notice.recipient)
            for notice in PenaltyNotice.unscoped.filter(
                case=case, status=PenaltyNotice.Status.WITHDRAWN
            ).select_related("recipient__carer")
        ]

    def data(self, subject: Subject) -> dict[str, Any]:
        notice = subject.penalty_notice
        assert notice is not None
        data = common_data(subject, dated=notice.withdrawn_on or notice.issued_on)
        data["penalty"] = penalty_data(notice)
        return data
