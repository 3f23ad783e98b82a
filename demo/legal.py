"""The demo's cases past Support First (rules A4, A5), built through the real
services, so every record is the one the product would write: evaluated by the
pathway's rules as at its date, scoped to the acting user and audited.

    Notice to Improve running   each open Support First case whose Notice to
                                Improve rules are met, issued by its lead on the
                                earliest school day the service accepts (the LA's
                                backdating window, rule A4), so the registers since
                                then are in the daily review
    The stages after it         demo.legal_cases: a notice not heeded and its
                                referral submitted (in the LA's inbox), a referral
                                returned with the LA's reasons, an accepted one
                                decided as a prosecution (ESO considered, attendance
                                contract explored), and an accepted one decided as
                                penalty notices (one paid, one unpaid past its
                                period, due a decision under regulation 9)
    Holiday requests            demo.legal_holiday: the holiday families' requests
                                with the LA, one accepted with a penalty notice

Those later stages need a Notice to Improve whose 30-school-day period ended
weeks before the demo day, and the notice service refuses an issue date more
than the LA's `notice_backdate_school_days` back from today: a safeguard for
users that the demo does not get round by writing the rows itself. Instead
their pupils' registers start in the term before (demo.legal_registers), and
each step is recorded as at its own day: `notice_issue(as_at=...)`, the
referral services' `day`/`at`, the dates the other services take. The pages
never pass those, so a user's notice is still judged from today.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import LocalAuthority
from attendance.services.calendars import school_days_after
from cases.models import AttendanceCase
from documents.models import Document, DocumentBatch
from notices.models import (
    HolidayRequest,
)
from notices.services.notices import issue_date_check, notice_issue
from pathway.services import readiness_unscoped
from pupils.models import Carer, Pupil, PupilCarer
from records.walk import Found, delete_found, rows_pointing_to

from .cases import CaseStaff
from .legal_cases import demo_legal_cases_build
from .legal_holiday import holiday_request_build
from .registers import RegisterTerm

_DAY = dt.timedelta(days=1)
# Far enough back to cover any LA's backdating window (a fortnight of school days).
_LOOKBACK_DAYS = 21


def demo_legal_build(
    *,
    rng: random.Random,
    la: LocalAuthority,
    term: RegisterTerm,
    staff: Mapping[int, CaseStaff],
    today: dt.date,
) -> int:
    """Issue the Notices to Improve the demo's Support First cases are ready for,
    then write the cases past the notice (demo.legal_cases) and the holiday
    request; returns how many cases were opened here."""
    _running_notices_issue(la=la, today=today)
    day = min(today, term.last + _DAY)
    opened = demo_legal_cases_build(rng=rng, la=la, term=term, staff=staff, day=day)
    holiday_request_build(la=la, today=today)
    return opened


def _running_notices_issue(*, la: LocalAuthority, today: dt.date) -> int:
    """Issue the Notices to Improve the demo's Support First cases are ready for;
    returns how many. Runs after the cases are written, as at `today`."""
    cases = AttendanceCase.unscoped.filter(
        school__local_authority=la,
        status=AttendanceCase.Status.OPEN,
        stage=AttendanceCase.Stage.SUPPORT_FIRST,
    ).order_by("pk")
    issued = 0
    for case in cases.select_related("school", "lead_professional", "pupil"):
        day = _earliest_issue_day(case, today)
        if day is None:
            continue
        notice_issue(
            acting_user=case.lead_professional,
            case_id=case.pk,
            issued_on=day,
            sufficient_improvement=(
                f"{case.pupil.forename} attends every session, arriving on time, for the "
                "improvement period, with no unauthorised absence."
            ),
            consequence=(
                "If attendance does not improve enough, the school will refer to the Local "
                "Authority, which may issue a penalty notice or prosecute."
            ),
            staff_contact=f"{case.lead_professional.full_name}, {case.school.name}",
        )
        issued += 1
    return issued


def _earliest_issue_day(case: AttendanceCase, today: dt.date) -> dt.date | None:
    """The earliest school day the notice service accepts as an issue date on
    which the Notice to Improve rules are met (read-only, as pathway_check reads
    them); None if there is none."""
    day = today - _LOOKBACK_DAYS * _DAY
    while day <= today:
        is_school_day = school_days_after(school_id=case.school_id, day=day - _DAY, count=1) == day
        # The cheap checks first: the rules load the whole case file.
        if (
            is_school_day
            and _accepted(case, day)
            and readiness_unscoped(case_id=case.pk, day=day).notice_to_improve.allowed
        ):
            return day
        day += _DAY
    return None


def _accepted(case: AttendanceCase, day: dt.date) -> bool:
    try:
        issue_date_check(case, day)
    except ValidationError:  # outside the backdating window
        return False
    return True


def demo_legal_delete(pupils: QuerySet[Pupil]) -> None:
    """The pupils' cases, holiday requests and half-term letter batches with
    every record that points to them (notices, referrals, certificates,
    decisions, penalty notices, stored letters and texts, flags, verdicts),
    last made first: found by following the models'
    foreign keys (records.walk), so a model added later needs no change here.
    The pupils, their families and registers are deleted by the builder."""
    found = Found()
    found.add(AttendanceCase.unscoped.filter(pupil__in=pupils))
    found.add(HolidayRequest.unscoped.filter(pupil__in=pupils))
    # Half-term letters and texts belong to a pupil without a case; the batch
    # that made them goes too, its letters and texts found through it.
    found.add(
        DocumentBatch.unscoped.filter(
            Q(documents__pupil__in=pupils) | Q(messages__pupil__in=pupils)
        ).distinct()
    )
    found.add(Document.unscoped.filter(pupil__in=pupils))
    rows_pointing_to(found, leaves=(Pupil, Carer, PupilCarer))
    delete_found(found)
