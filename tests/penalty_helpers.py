"""What a penalty notice needs before it can be issued (rule A5), stored
directly: a Notice to Improve served on some parents, the referral the LA
accepted and its decision of "penalty notice", and registers with
unauthorised absence in the offence period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from attendance.models import RegisterYear
from attendance.years import academic_year_of, empty_marks, mark_index
from cases.models import CaseShare
from notices.models import LADecision, LegalReferral, NoticeToImprove
from notices.services.penalties import penalty_notice_issue
from pupils.models import PupilCarer

D = dt.date
DECIDED_ON = D(2025, 1, 15)


def penalty_route(
    case: Any, *parents: PupilCarer, decided_on: dt.date = DECIDED_ON, kind: str = "penalty_notice"
) -> LADecision:
    """A Notice to Improve served on `parents`, its referral accepted, and the
    LA's decision (`kind`) on `decided_on`."""
    served = decided_on - dt.timedelta(days=70)
    notice = NoticeToImprove.unscoped.create(
        case=case,
        issued_on=served,
        issued_by=case.lead_professional,
        period_ends_on=served + dt.timedelta(days=42),
        sufficient_improvement="No unauthorised absence",
        consequence="A referral to the LA",
        staff_contact="Ms Patel",
    )
    notice.recipients.set(parents)
    moment = dt.datetime.combine(decided_on, dt.time(9), tzinfo=dt.UTC)
    # Stored directly, so the share that submitting makes is stored here too:
    # the LA opens the case file of a case referred to it.
    CaseShare.unscoped.get_or_create(
        case=case,
        kind=CaseShare.Kind.REFERRAL,
        revoked_at=None,
        defaults={
            "reason": "Referral submitted",
            "shared_by": case.lead_professional,
            "shared_at": moment,
        },
    )
    referral = LegalReferral.unscoped.create(
        case=case,
        notice=notice,
        status=LegalReferral.Status.DECIDED,
        submitted_at=moment,
        submitted_by=case.lead_professional,
        accepted_at=moment,
        accepted_by=case.lead_professional,
        bundle={},
    )
    return LADecision.unscoped.create(
        referral=referral,
        kind=kind,
        reason="Unauthorised absence continued after the notice.",
        decided_on=decided_on,
        decided_by=case.lead_professional,
        eso_considered=False,
    )


def absent(case: Any, first: dt.date, last: dt.date, code: str = "O") -> None:
    """Unauthorised absence (`code`) both sessions of every weekday from
    `first` to `last`, in the pupil's register at the case's school."""
    by_year: dict[int, list[dt.date]] = defaultdict(list)
    current = first
    while current <= last:
        if current.weekday() < 5:
            by_year[academic_year_of(current)].append(current)
        current += dt.timedelta(days=1)
    for year, days in by_year.items():
        register, _ = RegisterYear.unscoped.get_or_create(
            pupil=case.pupil,
            school=case.school,
            academic_year=year,
            defaults={"marks": empty_marks(year)},
        )
        chars = list(register.marks)
        for day in days:
            chars[mark_index(day, "AM")] = code
            chars[mark_index(day, "PM")] = code
        register.marks = "".join(chars)
        register.save(update_fields=["marks"])


def issue_on_route(
    officer: Any,
    case: Any,
    recipient: PupilCarer,
    *,
    decision: LADecision,
    issued_on: dt.date,
    first: dt.date,
    last: dt.date,
    method: str = "hand",
    served_on: dt.date | None = None,
    **extra: Any,
) -> Any:
    return penalty_notice_issue(
        acting_user=officer,
        case_id=case.pk,
        recipient_id=recipient.pk,
        source_id=decision.pk,
        issued_on=issued_on,
        offence_first_day=first,
        offence_last_day=last,
        service_method=method,
        served_on=served_on or issued_on,
        **extra,
    )
