"""Writes to attendance cases: opening, changing and closing a case, and the
shared steps every record service takes (scope, editable, audit, version).

Each service: keyword-only, takes the acting user, runs in one transaction,
checks the case is in the user's scope (404 otherwise) and open, and writes an
audit row with what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils.formats import date_format

from accounts.models import User
from attendance.years import academic_year_of, year_start
from core.audit import audit_record, field_changes
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import Enrolment, Pupil

from ..models import AttendanceCase, CaseRecord, Contact

R = TypeVar("R", bound=CaseRecord)


class CaseClosed(ValidationError):
    """A closed case is a record of what happened: it cannot be changed."""


class StaleEdit(ValidationError):
    """Someone else saved a change after this form was opened."""


def case_for_change(*, acting_user: User, case_id: int) -> AttendanceCase:
    """The case, locked for this transaction, if the user may change it now.

    Not in scope: 404. May see but not change (read-only staff): 403. Closed: CaseClosed.
    Call inside `transaction.atomic()`.
    """
    case = get_for_user_or_404(
        AttendanceCase.objects.for_user(acting_user)
        .select_for_update(of=("self",))
        .select_related("pupil", "school"),
        acting_user,
        pk=case_id,
    )
    if not acting_user.has_perm("cases.change_case"):
        raise PermissionDenied("You can see this case but not change it.")
    refuse_if_closed(case)
    return case


def refuse_if_closed(case: AttendanceCase) -> None:
    """CaseClosed, saying when, if the case is closed."""
    if not case.is_open:
        closed = date_format(case.closed_at, "j F Y") if case.closed_at else "earlier"
        raise CaseClosed(
            f"This case was closed on {closed}, so it cannot be changed. Open a new case "
            "if the pupil needs support again."
        )


# Reads for the form pages ------------------------------------------------------


def case_for_page(*, acting_user: User, case_id: int) -> AttendanceCase:
    """The case a form page is about: 404 outside the user's scope, 403 if they
    may see it but not change it. No row lock (a page that shows a form needs
    none) and no refusal of a closed case: the page says so when it is opened
    (`refuse_if_closed`), and saving refuses it through `case_for_change`."""
    case = get_for_user_or_404(
        AttendanceCase.objects.for_user(acting_user).select_related("pupil", "school"),
        acting_user,
        pk=case_id,
    )
    if not acting_user.has_perm("cases.change_case"):
        raise PermissionDenied("You can see this case but not change it.")
    return case


def record_in_case(model: type[R], case: AttendanceCase, record_id: int) -> R:
    """A record of this case; one of another case (even one the user may see)
    is as missing as one that does not exist."""
    try:
        return model._default_manager.get(case=case, pk=record_id)
    except model.DoesNotExist:
        raise Http404("No such record.") from None


def check_version(record: models.Model, version: int | None) -> None:
    current = getattr(record, "version", None)
    if version is not None and current is not None and version != current:
        raise StaleEdit(
            "Someone else changed this record after you opened it, so your changes have "
            "not been saved. Check the record as it is now, then make your changes again."
        )


def case_open(
    *,
    acting_user: User,
    pupil_id: int,
    reason: str,
    lead_professional: User | None = None,
    stage: str = AttendanceCase.Stage.TARGETED,
    figures: Mapping[str, Any] | None = None,
) -> AttendanceCase:
    """Open a case for a pupil on roll at the user's school."""
    if not acting_user.has_perm("cases.change_case"):
        raise PermissionDenied("Only the attendance lead or the DSL can open a case.")
    school = acting_user.school
    if school is None:
        raise ValidationError("Cases are opened by staff of the pupil's school.")
    if not reason.strip():
        raise ValidationError("Enter why you are opening a case.")
    lead = lead_professional or acting_user
    if lead.school_id != school.pk or not lead.has_perm("cases.change_case"):
        raise ValidationError(
            "The lead professional must be the attendance lead or the DSL of this school."
        )
    with transaction.atomic():
        pupil = get_for_user_or_404(Pupil.objects.for_user(acting_user), acting_user, pk=pupil_id)
        on_roll = Enrolment.unscoped.filter(pupil=pupil, school=school, start__lte=today()).filter(
            models.Q(end__isnull=True) | models.Q(end__gte=today())
        )
        if not on_roll.exists():
            raise ValidationError(f"{pupil} is not on roll at {school} today.")
        try:
            with transaction.atomic():
                case = AttendanceCase.unscoped.create(
                    pupil=pupil,
                    school=school,
                    stage=stage,
                    lead_professional=lead,
                    opened_at=now(),
                    opened_by=acting_user,
                    opening_reason=reason.strip(),
                    opening_figures=dict(figures or {}),
                )
        except IntegrityError as exc:
            raise ValidationError(
                f"{pupil} already has an open case at {school}: add to that case instead."
            ) from exc
        # First-day calls are often made before there is a case: bring this
        # year's into it, so the case's history starts where the concern did.
        earlier = Contact.unscoped.filter(
            pupil=pupil,
            school=school,
            case__isnull=True,
            occurred_at__date__gte=year_start(academic_year_of(today())),
        ).update(case=case)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=case,
            school=school,
            changes={
                "stage": stage,
                "lead_professional": str(lead),
                "reason": reason.strip(),
                "earlier_contacts_attached": earlier,
            },
        )
    return case


def case_update(
    *,
    acting_user: User,
    case_id: int,
    version: int,
    lead_professional: User | None = None,
    stage: str | None = None,
) -> AttendanceCase:
    """Change the lead professional or move between the support stages. The
    Notice to Improve and referral stages are reached only through the pathway."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        check_version(case, version)
        before = {"lead_professional": case.lead_professional, "stage": case.stage}
        if lead_professional is not None:
            if lead_professional.school_id != case.school_id or not lead_professional.has_perm(
                "cases.change_case"
            ):
                raise ValidationError(
                    "The lead professional must be the attendance lead or the DSL of this school."
                )
            case.lead_professional = lead_professional
        if stage is not None and stage != case.stage:
            manual = {
                AttendanceCase.Stage.UNIVERSAL,
                AttendanceCase.Stage.TARGETED,
                AttendanceCase.Stage.SUPPORT_FIRST,
            }
            if stage not in manual or case.stage not in manual:
                raise ValidationError(
                    "A Notice to Improve or a referral moves the case on; this form cannot."
                )
            case.stage = stage
        case.version += 1
        case.save()
        after = {"lead_professional": case.lead_professional, "stage": case.stage}
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=case,
            school=case.school,
            changes=field_changes(before, after, before.keys()),
        )
    return case


def case_close(
    *, acting_user: User, case_id: int, version: int, reason: str, note: str = ""
) -> AttendanceCase:
    if reason not in AttendanceCase.ClosingReason.values:
        raise ValidationError("Select why the case is closing.")
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        check_version(case, version)
        case.status = AttendanceCase.Status.CLOSED
        case.stage = AttendanceCase.Stage.CLOSED
        case.closing_reason = reason
        case.closing_note = note.strip()
        case.closed_at = now()
        case.closed_by = acting_user
        case.version += 1
        case.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=case,
            school=case.school,
            changes={"status": ["open", "closed"], "closing_reason": reason},
        )
    return case


def record_create(*, acting_user: User, case_id: int, model: type[R], **fields: Any) -> R:
    """Add a record (meeting, barrier, plan…) to an open case the user may change."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        record = model(case=case, created_by=acting_user, updated_by=acting_user, **fields)
        record.full_clean(exclude=["case", "created_by", "updated_by"])
        record.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=record,
            school=case.school,
            changes={name: _plain(value) for name, value in fields.items()},
        )
    return record


def record_update(*, acting_user: User, record: R, version: int | None, **fields: Any) -> R:
    """Change a record of an open case, refusing a stale edit."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=record.case_id)
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk, case=case)
        check_version(locked, version)
        before = {name: getattr(locked, name) for name in fields}
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.updated_by = acting_user
        locked.version += 1
        locked.full_clean(exclude=["case", "created_by", "updated_by"])
        locked.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=locked,
            school=case.school,
            changes=field_changes(before, fields, fields.keys()),
        )
    return locked


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
