"""Writes of contacts with the family: calls, messages and home visits, including
the first-day response to an unexplained absence.

A contact belongs to the pupil at a school. It joins the pupil's open case there
when there is one, because a first-day call is often made before any case exists
and the fortnightly-contact flag (rule A4) counts the contacts of the case.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import School, User
from core.audit import audit_record
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import Enrolment, Pupil, PupilCarer

from ..models import AttendanceCase, Contact
from .casework import case_for_change

# A form gives the time to the minute, typed from a clock that may be a little
# ahead of the server's: a contact "now" must not be refused as in the future.
CLOCK_SLACK = dt.timedelta(minutes=5)


def contact_log(
    *,
    acting_user: User,
    pupil_id: int,
    case_id: int | None = None,
    occurred_at: dt.datetime,
    method: str,
    reached: bool,
    carer_link_id: int | None = None,
    other_person: str = "",
    absence_date: dt.date | None = None,
    reason_established: str = "",
    notes: str = "",
    follow_up_needed: bool = False,
    follow_up: str = "",
    dsl_consulted: bool | None = None,
    concern_raised: bool | None = None,
    pupil_wishes_discussed: str = "",
) -> Contact:
    """Log a contact with a pupil's family.

    The pupil must be in the user's scope (404) and on roll at the school on the
    day of the contact; the user must be allowed to change cases (403). With
    `case_id` the contact goes on that case, which must be open (CaseClosed);
    without, it joins the pupil's open case at the user's school, if any.
    Home-visit answers are kept only for a home visit.
    """
    with transaction.atomic():
        pupil = get_for_user_or_404(Pupil.objects.for_user(acting_user), acting_user, pk=pupil_id)
        if not acting_user.has_perm("cases.change_case"):
            raise PermissionDenied("You can see this pupil but not log contacts.")
        case = _case_for_contact(acting_user=acting_user, pupil=pupil, case_id=case_id)
        school = case.school if case is not None else acting_user.school
        if school is None:
            raise ValidationError("Contacts are logged by staff of the pupil's school.")

        _check_when(occurred_at=occurred_at, absence_date=absence_date)
        if method not in Contact.Method.values:
            raise ValidationError("Select how you made contact.")
        carer = _carer(pupil=pupil, carer_link_id=carer_link_id, other_person=other_person)
        follow_up = follow_up.strip()
        if follow_up_needed and not follow_up:
            raise ValidationError("Enter what needs to happen next.")
        home_visit = method == Contact.Method.HOME_VISIT
        if home_visit and (dsl_consulted is None or concern_raised is None):
            raise ValidationError(
                "For a home visit, say whether you discussed it with the DSL and whether "
                "you shared a concern with the children's advice service."
            )
        _check_on_roll(pupil=pupil, school=school, day=timezone.localdate(occurred_at))

        contact = Contact.unscoped.create(
            pupil=pupil,
            school=school,
            case=case,
            occurred_at=occurred_at,
            method=method,
            carer=carer,
            other_person="" if carer is not None else other_person.strip(),
            made_by=acting_user,
            reached=reached,
            absence_date=absence_date,
            reason_established=reason_established.strip(),
            notes=notes.strip(),
            follow_up_needed=follow_up_needed,
            follow_up=follow_up if follow_up_needed else "",
            # A phone call has no DSL or CADS answer: None says "not asked",
            # where False would say "asked, and no".
            dsl_consulted=dsl_consulted if home_visit else None,
            concern_raised=concern_raised if home_visit else None,
            pupil_wishes_discussed=pupil_wishes_discussed.strip() if home_visit else "",
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=contact,
            school=school,
            changes={
                "pupil": str(pupil),
                "case": case.pk if case is not None else None,
                "occurred_at": occurred_at.isoformat(),
                "method": method,
                "with": str(carer.carer) if carer is not None else contact.other_person,
                "reached": reached,
                "absence_date": absence_date.isoformat() if absence_date else None,
                "reason_established": contact.reason_established,
                "notes": contact.notes,
                "follow_up": contact.follow_up,
                "dsl_consulted": contact.dsl_consulted,
                "concern_raised": contact.concern_raised,
                "pupil_wishes_discussed": contact.pupil_wishes_discussed,
            },
        )
    return contact


def _case_for_contact(
    *, acting_user: User, pupil: Pupil, case_id: int | None
) -> AttendanceCase | None:
    """The case the contact goes on, locked and checked open by `case_for_change`."""
    if case_id is None:
        if acting_user.school_id is None:
            return None
        case_id = (
            AttendanceCase.objects.for_user(acting_user)
            .filter(pupil=pupil, school_id=acting_user.school_id, status=AttendanceCase.Status.OPEN)
            .values_list("pk", flat=True)
            .first()
        )
        if case_id is None:
            return None
    case = case_for_change(acting_user=acting_user, case_id=case_id)
    if case.pupil_id != pupil.pk:
        # A case of another pupil: as missing as one outside the user's scope.
        raise Http404("No such record.")
    return case


def _check_when(*, occurred_at: dt.datetime, absence_date: dt.date | None) -> None:
    if timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware.")
    if occurred_at > now() + CLOCK_SLACK:
        raise ValidationError("The contact must be now or in the past: check the date and time.")
    if absence_date is not None:
        if absence_date > today():
            raise ValidationError("The day of absence must be today or in the past.")
        if absence_date > timezone.localdate(occurred_at):
            raise ValidationError("The day of absence must be on or before the day of the contact.")


def _carer(*, pupil: Pupil, carer_link_id: int | None, other_person: str) -> PupilCarer | None:
    if carer_link_id is not None:
        link = PupilCarer.unscoped.filter(pk=carer_link_id, pupil=pupil).first()
        if link is None:
            raise ValidationError("Select one of the pupil's parents or carers, or someone else.")
        return link
    if not other_person.strip():
        raise ValidationError("Enter who you contacted.")
    return None


def _check_on_roll(*, pupil: Pupil, school: School, day: dt.date) -> None:
    on_roll = Enrolment.unscoped.filter(pupil=pupil, school=school, start__lte=day).filter(
        models.Q(end__isnull=True) | models.Q(end__gte=day)
    )
    if not on_roll.exists():
        raise ValidationError(
            f"{pupil} was not on roll at {school} on {date_format(day, 'j F Y')}."
        )
