"""The demo's holiday (leave of absence) penalty-notice requests (rule A5):
the families who took a holiday in term time (demo.registers, demo.cases) had
asked for the leave and been refused. Their school's lead sends each request to
the LA through the holiday service; the LA accepts the first and issues a
penalty notice on it, by hand, on the demo day; the other waits in the LA's
inbox. Dates of the request and refusal are set before the first G session.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from accounts.models import LocalAuthority, Role, User
from cases.models import AttendanceCase
from notices.models import HolidayRequest
from notices.penalties import ServiceMethod
from notices.services.holiday import (
    holiday_penalty_notice_issue,
    holiday_request_accept,
    holiday_request_submit,
    leave_sessions,
    parents_responsible,
)
from pupils.school_age import compulsory_school_age

_DAY = dt.timedelta(days=1)


def holiday_request_build(*, la: LocalAuthority, today: dt.date) -> int:
    """Submit a request for each demo holiday case, accept the first and issue
    its penalty notice; returns how many requests were submitted."""
    officer = User.objects.filter(local_authority=la, role=Role.LA_OFFICER, is_active=True).first()
    cases = (
        AttendanceCase.unscoped.filter(
            school__local_authority=la,
            status=AttendanceCase.Status.OPEN,
            stage=AttendanceCase.Stage.UNIVERSAL,
            opening_reason__contains="(G)",
        )
        .select_related("pupil", "lead_professional")
        .order_by("pupil__upn")
    )
    submitted = []
    for case in cases:
        leave = _leave_days(case, today)
        if not leave:
            continue
        first, last = leave
        parents = list(parents_responsible(case.pupil_id))
        if not parents:
            continue
        main = parents[0]
        try:
            request = holiday_request_submit(
                acting_user=case.lead_professional,
                pupil_id=case.pupil_id,
                sessions_first_day=first,
                sessions_last_day=last,
                leave_first_day=first,
                leave_last_day=last,
                requested_by=f"{main.carer} ({main.get_relationship_display().lower()})",
                requested_on=first - 28 * _DAY,
                request_reason="A family wedding abroad.",
                refused_on=first - 25 * _DAY,
                refusal_reason=(
                    "Not an exceptional circumstance: the wedding could be attended in the "
                    "school holidays, and the leave would miss two weeks of teaching."
                ),
                parent_ids=[link.pk for link in parents if link.receives_correspondence]
                or [main.pk],
            )
        except ValidationError:
            # The threshold not met as at the last G session, or a parent past the
            # three-year limit: the service's refusal stands, and no request is made.
            continue
        submitted.append(request)
    # The LA accepts the first request for a child of compulsory school age on
    # every day of the leave and today (a reception child's would be refused).
    chosen = next((r for r in submitted if _of_school_age(r, today)), None)
    if chosen is not None and officer is not None:
        accepted = holiday_request_accept(acting_user=officer, request_id=chosen.pk)
        for link in accepted.parents.order_by("pk")[:1]:
            holiday_penalty_notice_issue(
                acting_user=officer,
                request_id=accepted.pk,
                recipient_id=link.pk,
                issued_on=today,
                service_method=ServiceMethod.HAND,
                served_on=today,
            )
    return len(submitted)


def _of_school_age(request: HolidayRequest, today: dt.date) -> bool:
    starts, ends = compulsory_school_age(request.pupil.date_of_birth)
    return starts <= request.leave_first_day and today <= ends


def _leave_days(case: AttendanceCase, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last G days in the pupil's registers in the last year."""
    days = sorted(s.day for s in leave_sessions(case.pupil_id, today - 365 * _DAY, today))
    return (days[0], days[-1]) if days else None
