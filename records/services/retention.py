"""Retention (issue 14, item 8): each night, records past their retention
period (records.retention_rules) are listed for review; an LA manager
decides, for each, to delete it or to keep it with a reason. Both are audited;
nothing is deleted without that decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import LocalAuthority, User
from attendance.models import RegisterYear
from cases.models import AttendanceCase
from core.audit import audit_record
from core.models import AuditEvent
from pupils.models import Carer, Pupil, PupilCarer

from ..models import RetentionReview, RetentionSetting
from ..retention_rules import (
    CASE_FILES,
    KINDS,
    REGISTERS,
    add_years,
    case_file_kept_until,
    register_kept_until,
)
from ..walk import Found, delete_found, rows_pointing_to

# After "keep", the record is not listed again for this long.
KEPT_FOR = 1


def retention_years(la: LocalAuthority | int, kind: str) -> int:
    la_id = la if isinstance(la, int) else la.pk
    setting = RetentionSetting.objects.filter(local_authority_id=la_id, kind=kind).first()
    return setting.years if setting else KINDS[kind].default_years


def retention_set(*, acting_user: User, kind: str, years: int) -> RetentionSetting:
    if not acting_user.has_perm("records.review_retention") or not acting_user.local_authority_id:
        raise PermissionDenied("Only an LA manager sets the LA's retention periods.")
    rule = KINDS[kind]
    if years < rule.minimum_years:
        raise ValidationError(
            f"{rule.label} must be kept for at least {rule.minimum_years} years ({rule.source})."
        )
    before = retention_years(acting_user.local_authority_id, kind)
    setting, _ = RetentionSetting.objects.update_or_create(
        local_authority_id=acting_user.local_authority_id,
        kind=kind,
        defaults={"years": years, "changed_by": acting_user, "changed_at": timezone.now()},
    )
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.UPDATE,
        target=setting,
        changes={"years": [before, years]},
        note=f"Retention of {rule.label.lower()}",
    )
    return setting


@dataclass(frozen=True)
class ReviewRun:
    listed: int
    already_waiting: int


def _recently_kept(kind: str) -> set[int]:
    since = timezone.now() - dt.timedelta(days=365 * KEPT_FOR)
    return set(
        RetentionReview.objects.filter(
            kind=kind, status=RetentionReview.Status.KEPT, decided_at__gte=since
        ).values_list("record_id", flat=True)
    )


def retention_review_run(*, today: dt.date) -> ReviewRun:
    """List every record past its period that is not already waiting or
    recently kept. Safe to run again: one waiting review per record."""
    waiting = {
        (kind, record_id)
        for kind, record_id in RetentionReview.objects.filter(
            status=RetentionReview.Status.WAITING
        ).values_list("kind", "record_id")
    }
    new: list[RetentionReview] = []
    for la in LocalAuthority.objects.all():
        years = retention_years(la, REGISTERS.key)
        # A year's register is due once its last possible entry is old enough.
        latest_due_year = next(
            y for y in range(today.year, 1900, -1) if register_kept_until(y, years) < today
        )
        kept = _recently_kept(REGISTERS.key)
        for register in (
            RegisterYear.unscoped.filter(
                school__local_authority=la, academic_year__lte=latest_due_year
            )
            .select_related("pupil", "school")
            .order_by("pk")
        ):
            if (REGISTERS.key, register.pk) in waiting or register.pk in kept:
                continue
            new.append(
                RetentionReview(
                    local_authority=la,
                    school=register.school,
                    kind=REGISTERS.key,
                    record_id=register.pk,
                    description=f"Attendance register {register.academic_year}/"
                    f"{(register.academic_year + 1) % 100:02d} of {register.pupil.display_name}",
                    kept_until=register_kept_until(register.academic_year, years),
                    listed_on=today,
                )
            )
        years = retention_years(la, CASE_FILES.key)
        born_before = add_years(today, -years)
        kept = _recently_kept(CASE_FILES.key)
        for case in (
            AttendanceCase.unscoped.filter(
                school__local_authority=la,
                status=AttendanceCase.Status.CLOSED,
                pupil__date_of_birth__lt=born_before,
            )
            .select_related("pupil", "school")
            .order_by("pk")
        ):
            if (CASE_FILES.key, case.pk) in waiting or case.pk in kept:
                continue
            new.append(
                RetentionReview(
                    local_authority=la,
                    school=case.school,
                    kind=CASE_FILES.key,
                    record_id=case.pk,
                    description=f"Closed case file of {case.pupil.display_name} "
                    f"(born {case.pupil.date_of_birth:%-d %B %Y}), {case.school.name}",
                    kept_until=case_file_kept_until(case.pupil.date_of_birth, years),
                    listed_on=today,
                )
            )
    RetentionReview.objects.bulk_create(new, ignore_conflicts=True)
    return ReviewRun(listed=len(new), already_waiting=len(waiting))


def _review_for_manager(acting_user: User, review_id: int) -> RetentionReview:
    if not acting_user.has_perm("records.review_retention"):
        raise PermissionDenied("Only an LA manager decides on records past retention.")
    review = (
        RetentionReview.objects.select_for_update()
        .filter(pk=review_id, local_authority_id=acting_user.local_authority_id)
        .first()
    )
    if review is None:
        raise RetentionReview.DoesNotExist
    if review.status != RetentionReview.Status.WAITING:
        raise ValidationError(f"This record was already decided: {review.get_status_display()}.")
    return review


def retention_delete(*, acting_user: User, review_id: int, reason: str) -> RetentionReview:
    with transaction.atomic():
        review = _review_for_manager(acting_user, review_id)
        if review.kind == REGISTERS.key:
            count = RegisterYear.unscoped.filter(pk=review.record_id).delete()[0]
        else:
            case = AttendanceCase.unscoped.filter(pk=review.record_id).first()
            if case is None:
                count = 0
            else:
                found = Found()
                found.add([case])
                # The pupil and their family stay: they are the school's roll.
                rows_pointing_to(found, leaves=(Pupil, Carer, PupilCarer))
                count = delete_found(found)
        review.status = RetentionReview.Status.DELETED
        review.decided_by = acting_user
        review.decided_at = timezone.now()
        review.reason = reason
        review.deleted_rows = count
        review.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.DELETE,
            target=review,
            school=review.school,
            note=f"Deleted past retention ({count} records): {review.description}. {reason}",
        )
    return review


def retention_keep(*, acting_user: User, review_id: int, reason: str) -> RetentionReview:
    if not reason.strip():
        raise ValidationError("Say why the record is kept past its retention period.")
    with transaction.atomic():
        review = _review_for_manager(acting_user, review_id)
        review.status = RetentionReview.Status.KEPT
        review.decided_by = acting_user
        review.decided_at = timezone.now()
        review.reason = reason
        review.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=review,
            school=review.school,
            note=f"Kept past retention: {review.description}. {reason}",
        )
    return review
