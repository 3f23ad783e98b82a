"""Writes of holiday penalty-notice requests (docs/rules.md A5, "Holiday
penalty-notice requests"): the school submits (and, after a return, corrects
and resubmits); the LA returns, accepts or declines; an accepted request is a
route to a penalty notice (`HolidayRequestRoute` in `services.penalties`).

Each write runs in one transaction, finds the record in the acting user's
scope (404 otherwise, exactly as if it did not exist), checks the role and the
state, and writes an audit row. The Support First prerequisites (meetings,
the pupil's voice, a plan, support exhausted) do not apply: the leave was
refused and taken, support is not the question. The national threshold (A3)
and the three-year limit per parent per child (A5) do, checked here at
submission and shown to the LA.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from attendance.figures import NATIONAL_THRESHOLD_SESSIONS, NATIONAL_THRESHOLD_WEEKS, pupil_figures
from attendance.loading import pupil_data, registers_by_pupil
from attendance.years import academic_year_of
from cases.models import AttendanceCase
from core.audit import audit_record
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import Pupil, PupilCarer

from .. import penalties as rules
from ..models import HolidayRequest, PenaltyNotice
from .penalties import penalty_notice_issue

# Leave of absence taken without the school's authorisation (the 2024 code set).
LEAVE_CODE = "G"


def parents_responsible(pupil_id: int) -> QuerySet[PupilCarer]:
    """Whom the school may name as responsible for the leave: the pupil's carers
    with parental responsibility (the form's choices, and the check on submit)."""
    return (
        PupilCarer.unscoped.filter(pupil_id=pupil_id, parental_responsibility=True)
        .select_related("carer")
        .order_by("contact_priority", "pk")
    )


def leave_sessions(pupil_id: int, first: dt.date, last: dt.date) -> list[rules.UnauthorisedSession]:
    """The pupil's G sessions from `first` to `last`, from every school's register
    (the same reading as a penalty notice's offence period, A5)."""
    years = range(academic_year_of(first), academic_year_of(last) + 1)
    registers = registers_by_pupil([pupil_id], years=years).get(pupil_id, [])
    return [s for s in rules.unauthorised_sessions(registers, first, last) if s.code == LEAVE_CODE]


@dataclass(frozen=True)
class Threshold:
    sessions: int
    as_at: dt.date

    @property
    def met(self) -> bool:
        return self.sessions >= NATIONAL_THRESHOLD_SESSIONS


def threshold_as_at(pupil: Pupil, as_at: dt.date) -> Threshold:
    """The national threshold (A3) as at `as_at`, by the figures' own function:
    unauthorised sessions in the pupil's last 10 school weeks, every school."""
    data = pupil_data(pupil.pk, as_at)
    figures = pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )
    return Threshold(figures.unauthorised_last_10_school_weeks, as_at)


def parent_limits(parents: Sequence[PupilCarer], on: dt.date) -> list[dict[str, Any]]:
    """For each parent, which notice a new one issued on `on` would be in their
    three-year window for this child (A5: every school's notices count), or the
    refusal. `sequence` is 1 or 2, or None with `refusal`."""
    earlier: dict[int, list[tuple[dt.date, str]]] = {link.pk: [] for link in parents}
    for recipient_id, issued_on, status in PenaltyNotice.unscoped.filter(
        recipient__in=[link.pk for link in parents]
    ).values_list("recipient_id", "issued_on", "status"):
        earlier[recipient_id].append((issued_on, status))
    rows = []
    for link in parents:
        terms = rules.penalty_terms(issued_on=on, earlier=earlier[link.pk], received_on=on)
        row: dict[str, Any] = {"parent_id": link.pk, "parent": str(link.carer)}
        if isinstance(terms, rules.Refusal):
            row.update(sequence=None, refusal=terms.reason)
        else:
            row.update(sequence=terms.sequence, refusal="")
        row["window_ends_on"] = terms.window_ends_on.isoformat() if terms.window_ends_on else None
        rows.append(row)
    return rows


def _check_school_lead(acting_user: User) -> None:
    if not (acting_user.is_school_user and acting_user.has_perm("cases.change_case")):
        raise PermissionDenied(
            "Only the school's attendance lead or DSL can submit a holiday request."
        )


def _check_dates(
    *,
    sessions_first_day: dt.date,
    sessions_last_day: dt.date,
    leave_first_day: dt.date,
    leave_last_day: dt.date,
    requested_on: dt.date,
    refused_on: dt.date,
    day: dt.date,
) -> None:
    errors: dict[str, str] = {}
    if sessions_last_day < sessions_first_day:
        errors["sessions_last_day"] = "The last day of the absence must be on or after the first"
    if sessions_last_day > day:
        errors["sessions_last_day"] = "The last day of the absence cannot be in the future"
    if leave_last_day < leave_first_day:
        errors["leave_last_day"] = "The last day of the leave must be on or after the first"
    if requested_on > day:
        errors["requested_on"] = "The date the leave was requested cannot be in the future"
    if refused_on > day:
        errors["refused_on"] = "The date the school refused the leave cannot be in the future"
    elif refused_on < requested_on:
        errors["refused_on"] = "The school cannot have refused the leave before it was requested"
    if errors:
        raise ValidationError(errors)


def holiday_request_submit(
    *,
    acting_user: User,
    pupil_id: int,
    sessions_first_day: dt.date,
    sessions_last_day: dt.date,
    leave_first_day: dt.date,
    leave_last_day: dt.date,
    requested_by: str,
    requested_on: dt.date,
    request_reason: str,
    refused_on: dt.date,
    refusal_reason: str,
    parent_ids: Collection[int],
    previous_id: int | None = None,
) -> HolidayRequest:
    """Submit a holiday request to the LA (or, with `previous_id`, the correction
    of a returned one, as the next version).

    Refused: a user who is not the school's attendance lead or DSL (403); a
    pupil not in scope (404); no G session in the dates given; the national
    threshold not met as at the last G session; a child not of compulsory
    school age on every day of the G sessions; no parent, or one without
    parental responsibility; a parent who could not be issued a notice today
    under the three-year limit; another live request for the pupil whose
    absence shares a day with this one."""
    _check_school_lead(acting_user)
    day = today()
    _check_dates(
        sessions_first_day=sessions_first_day,
        sessions_last_day=sessions_last_day,
        leave_first_day=leave_first_day,
        leave_last_day=leave_last_day,
        requested_on=requested_on,
        refused_on=refused_on,
        day=day,
    )
    texts = {
        "requested_by": (requested_by.strip(), "Enter who asked for the leave"),
        "request_reason": (request_reason.strip(), "Enter the reason given for the leave"),
        "refusal_reason": (refusal_reason.strip(), "Enter why the school refused the leave"),
    }
    missing = {name: message for name, (text, message) in texts.items() if not text}
    if missing:
        raise ValidationError(missing)
    with transaction.atomic():
        # Locking the pupil serialises submissions for them: the overlap check
        # below reads every request committed before ours.
        pupil = get_for_user_or_404(
            Pupil.objects.for_user(acting_user).select_for_update(of=("self",)),
            acting_user,
            pk=pupil_id,
        )
        school = acting_user.school
        assert school is not None  # a school user
        previous = None
        version = 1
        if previous_id is not None:
            previous = get_for_user_or_404(
                HolidayRequest.objects.for_user(acting_user).select_for_update(of=("self",)),
                acting_user,
                pk=previous_id,
                pupil=pupil,
            )
            if previous.status != HolidayRequest.Status.RETURNED:
                raise ValidationError(
                    "Only a request the LA returned can be corrected and resubmitted; this "
                    f"one is {previous.get_status_display().lower()}."
                )
            if HolidayRequest.unscoped.filter(previous=previous).exists():
                raise ValidationError("This returned request has already been resubmitted.")
            version = previous.version + 1
        clash = (
            HolidayRequest.unscoped.filter(
                pupil=pupil,
                status__in=[HolidayRequest.Status.SUBMITTED, HolidayRequest.Status.ACCEPTED],
                sessions_first_day__lte=sessions_last_day,
                sessions_last_day__gte=sessions_first_day,
            )
            .order_by("pk")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                f"A holiday request for {pupil} covering "
                f"{rules.long_date(clash.sessions_first_day)} to "
                f"{rules.long_date(clash.sessions_last_day)} is already with the LA "
                f"({clash.get_status_display().lower()})."
            )
        sessions = leave_sessions(pupil.pk, sessions_first_day, sessions_last_day)
        if not sessions:
            raise ValidationError(
                {
                    "sessions_first_day": (
                        f"The registers show no session coded G (leave of absence not "
                        f"authorised) for {pupil} from {rules.long_date(sessions_first_day)} to "
                        f"{rules.long_date(sessions_last_day)}. A holiday request is for G "
                        "sessions: record the absence as G in the register first, or use a "
                        "Support First referral for other absence."
                    )
                },
                code="no_leave_sessions",
            )
        # Checked here, not first when the LA comes to issue: a request the
        # LA could accept but never act on is work for nobody.
        too_young_or_old = rules.offence_period_refusal(
            first=sessions[0].day,
            last=sessions[-1].day,
            issued_on=day,
            date_of_birth=pupil.date_of_birth,
        )
        if too_young_or_old is not None:
            raise ValidationError(
                f"A penalty notice could not be issued for this leave. {too_young_or_old}",
                code="not_compulsory_school_age",
            )
        threshold = threshold_as_at(pupil, sessions[-1].day)
        if not threshold.met:
            raise ValidationError(
                f"The national threshold is not met: {threshold.sessions} unauthorised "
                f"session{'s' if threshold.sessions != 1 else ''} in {pupil}'s last "
                f"{NATIONAL_THRESHOLD_WEEKS} school weeks as at "
                f"{rules.long_date(threshold.as_at)}, the last G session. A penalty notice "
                f"is considered at {NATIONAL_THRESHOLD_SESSIONS} sessions of unauthorised "
                f"absence in {NATIONAL_THRESHOLD_WEEKS} school weeks.",
                code="threshold_not_met",
            )
        allowed = {link.pk: link for link in parents_responsible(pupil.pk)}
        chosen = sorted(set(parent_ids))
        if not chosen or any(pk not in allowed for pk in chosen):
            raise ValidationError(
                {
                    "parents": (
                        "Select the parents responsible for the leave, from the carers with "
                        "parental responsibility"
                    )
                }
            )
        parents = [allowed[pk] for pk in chosen]
        limits = parent_limits(parents, day)
        refused = [row for row in limits if row["refusal"]]
        if refused:
            raise ValidationError(
                {
                    "parents": [
                        f"{row['parent']} cannot be issued a penalty notice: {row['refusal']}"
                        for row in refused
                    ]
                },
                code="penalty_limit",
            )
        request = HolidayRequest.unscoped.create(
            pupil=pupil,
            school=school,
            version=version,
            previous=previous,
            sessions_first_day=sessions_first_day,
            sessions_last_day=sessions_last_day,
            leave_sessions=[s.as_dict() for s in sessions],
            leave_first_day=leave_first_day,
            leave_last_day=leave_last_day,
            requested_by=requested_by.strip(),
            requested_on=requested_on,
            request_reason=request_reason.strip(),
            refused_on=refused_on,
            refusal_reason=refusal_reason.strip(),
            threshold_sessions=threshold.sessions,
            threshold_as_at=threshold.as_at,
            limit_check=limits,
            submitted_at=now(),
            submitted_by=acting_user,
        )
        request.parents.set(parents)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=request,
            school=school,
            changes={
                "version": version,
                "previous": previous.pk if previous else None,
                "leave": [leave_first_day.isoformat(), leave_last_day.isoformat()],
                "g_sessions": len(sessions),
                "threshold_sessions": threshold.sessions,
                "threshold_as_at": threshold.as_at.isoformat(),
                "parents": chosen,
            },
        )
    return request


def _for_la(acting_user: User, request_id: int) -> HolidayRequest:
    """The request, locked, for an LA user of the school's LA: scope first
    (another LA's request is a 404), then the role (a school sees but cannot act: 403)."""
    request = get_for_user_or_404(
        HolidayRequest.objects.for_user(acting_user)
        .select_for_update(of=("self",))
        .select_related("school", "pupil"),
        acting_user,
        pk=request_id,
    )
    if not acting_user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can act on a holiday request.")
    return request


def _refuse_unless_submitted(request: HolidayRequest, action: str) -> None:
    if request.status != HolidayRequest.Status.SUBMITTED:
        raise ValidationError(
            f"Only a submitted request can be {action}; this one is "
            f"{request.get_status_display().lower()}."
        )


def holiday_request_return(*, acting_user: User, request_id: int, reasons: str) -> HolidayRequest:
    """Send a submitted request back to the school, saying what to correct."""
    if not reasons.strip():
        raise ValidationError({"reasons": "Enter what the school needs to correct"})
    with transaction.atomic():
        request = _for_la(acting_user, request_id)
        _refuse_unless_submitted(request, "returned")
        request.status = HolidayRequest.Status.RETURNED
        request.returned_at = now()
        request.returned_by = acting_user
        request.return_reasons = reasons.strip()
        request.save(
            update_fields=["status", "returned_at", "returned_by", "return_reasons", "updated_at"]
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=request,
            school=request.school,
            changes={"status": ["submitted", "returned"], "reasons": reasons.strip()},
        )
    return request


def holiday_request_decline(*, acting_user: User, request_id: int, reasons: str) -> HolidayRequest:
    """The LA will not issue a notice on this request: final, with the reasons."""
    if not reasons.strip():
        raise ValidationError({"reasons": "Enter why the LA declines the request"})
    with transaction.atomic():
        request = _for_la(acting_user, request_id)
        _refuse_unless_submitted(request, "declined")
        request.status = HolidayRequest.Status.DECLINED
        request.declined_at = now()
        request.declined_by = acting_user
        request.decline_reasons = reasons.strip()
        request.save(
            update_fields=["status", "declined_at", "declined_by", "decline_reasons", "updated_at"]
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=request,
            school=request.school,
            changes={"status": ["submitted", "declined"], "reasons": reasons.strip()},
        )
    return request


def holiday_request_accept(*, acting_user: User, request_id: int) -> HolidayRequest:
    """Accept the request: a penalty notice may now be issued on it.

    A penalty notice is issued on a case (A5), so the request is attached to the
    pupil's open case at the school; with none, a case is opened at the stage
    "Referred for legal intervention", led by the lead who submitted the
    request. An open Support First case keeps its stage: the holiday is a
    separate offence and the support carries on."""
    with transaction.atomic():
        request = _for_la(acting_user, request_id)
        _refuse_unless_submitted(request, "accepted")
        case = (
            AttendanceCase.unscoped.select_for_update()
            .filter(
                pupil_id=request.pupil_id,
                school_id=request.school_id,
                status=AttendanceCase.Status.OPEN,
            )
            .first()
        )
        opened = case is None
        if case is None:
            case = _open_case(acting_user, request)
        request.status = HolidayRequest.Status.ACCEPTED
        request.accepted_at = now()
        request.accepted_by = acting_user
        request.case = case
        request.save(update_fields=["status", "accepted_at", "accepted_by", "case", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=request,
            school=request.school,
            changes={
                "status": ["submitted", "accepted"],
                "case": case.pk,
                "case_opened": opened,
            },
        )
    return request


def _open_case(acting_user: User, request: HolidayRequest) -> AttendanceCase:
    reason = (
        f"Holiday penalty-notice request version {request.version} accepted by the LA: "
        f"leave of absence refused by the school and taken from "
        f"{rules.long_date(request.leave_first_day)} to {rules.long_date(request.leave_last_day)}."
    )
    try:
        with transaction.atomic():
            case = AttendanceCase.unscoped.create(
                pupil_id=request.pupil_id,
                school_id=request.school_id,
                stage=AttendanceCase.Stage.REFERRED,
                lead_professional=request.submitted_by,
                opened_at=now(),
                opened_by=acting_user,
                opening_reason=reason,
            )
    except IntegrityError as exc:
        # A case opened by the school in the same instant: accept again to attach to it.
        raise ValidationError(
            "The school opened a case for this pupil at the same time: accept the request again."
        ) from exc
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.CREATE,
        target=case,
        school=request.school,
        changes={"stage": case.stage, "holiday_request": request.pk, "reason": reason},
    )
    return case


def holiday_penalty_notice_issue(
    *,
    acting_user: User,
    request_id: int,
    recipient_id: int,
    issued_on: dt.date,
    service_method: str,
    served_on: dt.date,
    offence_first_day: dt.date | None = None,
    offence_last_day: dt.date | None = None,
    reason: str = "",
    issue_token: uuid.UUID | None = None,
) -> PenaltyNotice:
    """Issue a penalty notice on an accepted holiday request, through the
    penalty service (every A5 rule applies there). The offence period defaults
    to the leave's dates."""
    with transaction.atomic():
        request = get_for_user_or_404(
            HolidayRequest.objects.for_user(acting_user), acting_user, pk=request_id
        )
        if request.case_id is None:
            raise ValidationError(
                "A penalty notice is issued on a holiday request the LA has accepted.",
                code="not_accepted",
            )
        return penalty_notice_issue(
            acting_user=acting_user,
            case_id=request.case_id,
            route=PenaltyNotice.Route.HOLIDAY_REQUEST,
            source_id=request.pk,
            recipient_id=recipient_id,
            issued_on=issued_on,
            offence_first_day=offence_first_day or request.leave_first_day,
            offence_last_day=offence_last_day or request.leave_last_day,
            service_method=service_method,
            served_on=served_on,
            reason=reason,
            issue_token=issue_token,
        )


def accepted_on(request: HolidayRequest) -> dt.date:
    """The day in England the LA accepted the request."""
    assert request.accepted_at is not None
    return timezone.localtime(request.accepted_at).date()
