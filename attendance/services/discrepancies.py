"""Resolving what another school's import found different from a school's
records (see import_ownership): the school that holds the pupil, or its LA,
records what it did, and for a pupil who has in fact left, the date they left,
so that the new school's file imports when it is sent again."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, field_changes
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import Enrolment

from ..models import ImportDiscrepancy

if TYPE_CHECKING:
    from accounts.models import User


class DiscrepancyRefused(Exception):
    """The change cannot be made; the message is for the user, on the form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def may_resolve_discrepancies(user: User) -> bool:
    """The school's attendance lead and DSL (who keep its pupils' records), and
    the LA's officers, who settle what two schools disagree about."""
    return user.has_perm("cases.change_pupil") or user.has_perm("notices.review_referral")


def leaving_date_may_be_recorded(discrepancy: ImportDiscrepancy) -> bool:
    """A refused pupil still on roll here may have really moved: the form then
    asks for the date they left."""
    return (
        discrepancy.refused
        and Enrolment.unscoped.filter(
            pupil=discrepancy.pupil, school=discrepancy.school, end__isnull=True
        ).exists()
    )


def discrepancy_resolve(
    *,
    acting_user: User,
    discrepancy_id: int,
    resolution: str,
    left_on: dt.date | None = None,
) -> ImportDiscrepancy:
    """Mark the discrepancy dealt with, saying how. With `left_on`, the pupil's
    open enrolment at the school that holds them ends that day (audited)."""
    with transaction.atomic():
        discrepancy = get_for_user_or_404(
            ImportDiscrepancy.objects.for_user(acting_user)
            .select_related("pupil", "school")
            .select_for_update(of=("self",)),
            acting_user,
            pk=discrepancy_id,
        )
        if not may_resolve_discrepancies(acting_user):
            raise PermissionDenied
        if discrepancy.resolved_at is not None:
            raise DiscrepancyRefused(
                "This has already been dealt with, by someone else or in another tab. "
                "Nothing was changed."
            )
        if not resolution.strip():
            raise DiscrepancyRefused("Enter what was done", field="resolution")
        if left_on is not None:
            _enrolment_end(acting_user, discrepancy, left_on)
        discrepancy.resolved_at = timezone.now()
        discrepancy.resolved_by = acting_user
        discrepancy.resolution = resolution.strip()
        discrepancy.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=discrepancy,
            school=discrepancy.school,
            changes={"resolution": discrepancy.resolution},
            note="Difference from another school's file dealt with",
        )
    return discrepancy


def _enrolment_end(acting_user: User, discrepancy: ImportDiscrepancy, left_on: dt.date) -> None:
    enrolment = (
        Enrolment.unscoped.select_for_update()
        .filter(pupil=discrepancy.pupil, school=discrepancy.school, end__isnull=True)
        .first()
    )
    if enrolment is None:
        raise DiscrepancyRefused(
            f"{discrepancy.pupil} is not on roll at {discrepancy.school.name}, so there is no "
            "leaving date to record.",
            field="left_on",
        )
    if left_on < enrolment.start:
        raise DiscrepancyRefused(
            f"The leaving date must be on or after {enrolment.start:%-d %B %Y}, when the pupil "
            "joined the school",
            field="left_on",
        )
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.UPDATE,
        target=enrolment,
        school=discrepancy.school,
        changes=field_changes({"end": None}, {"end": left_on}, ["end"]),
        note="Pupil recorded as left, after another school's import",
    )
    enrolment.end = left_on
    enrolment.save(update_fields=["end"])
