"""Writes of the pupil's voice: Wishes and Feelings records on a case.

Each goes through `record_create` / `record_update`, so scope (404), permission
(403), an open case (CaseClosed), the stale-edit check and the audit row are the
same as for every other record of the case.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from core.dates import today
from core.scoping import get_for_user_or_404

from ..models import AttendanceCase, WishesAndFeelings
from .casework import case_for_change, record_create, record_update


def voice_record(
    *,
    acting_user: User,
    case_id: int,
    gathered_on: dt.date,
    gathered_by: User,
    relationship: str,
    setting: str,
    why_hard: str,
    what_would_help: str,
    worries_at_school: str = "",
    worries_at_home: str = "",
    going_well: str = "",
    patterns_discussed: str = "",
    scale_name: str = "",
    scale_score: str = "",
) -> WishesAndFeelings:
    """Record the pupil's voice, in their own words, on an open case."""
    fields = _cleaned(
        gathered_on=gathered_on,
        gathered_by=gathered_by,
        relationship=relationship,
        setting=setting,
        why_hard=why_hard,
        what_would_help=what_would_help,
        worries_at_school=worries_at_school,
        worries_at_home=worries_at_home,
        going_well=going_well,
        patterns_discussed=patterns_discussed,
        scale_name=scale_name,
        scale_score=scale_score,
    )
    with transaction.atomic():
        # Locked and checked first, so that who gathered it is checked against
        # the case's own school; record_create repeats the (cheap) check.
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        _check_gatherer(case=case, gathered_by=gathered_by)
        return record_create(
            acting_user=acting_user, case_id=case.pk, model=WishesAndFeelings, **fields
        )


def voice_update(
    *,
    acting_user: User,
    voice_id: int,
    version: int,
    gathered_on: dt.date,
    gathered_by: User,
    relationship: str,
    setting: str,
    why_hard: str,
    what_would_help: str,
    worries_at_school: str = "",
    worries_at_home: str = "",
    going_well: str = "",
    patterns_discussed: str = "",
    scale_name: str = "",
    scale_score: str = "",
) -> WishesAndFeelings:
    """Change a Wishes and Feelings record, refusing an edit made from an old copy
    (StaleEdit) so that one person's words are never silently overwritten."""
    fields = _cleaned(
        gathered_on=gathered_on,
        gathered_by=gathered_by,
        relationship=relationship,
        setting=setting,
        why_hard=why_hard,
        what_would_help=what_would_help,
        worries_at_school=worries_at_school,
        worries_at_home=worries_at_home,
        going_well=going_well,
        patterns_discussed=patterns_discussed,
        scale_name=scale_name,
        scale_score=scale_score,
    )
    with transaction.atomic():
        record = get_for_user_or_404(
            WishesAndFeelings.objects.for_user(acting_user), acting_user, pk=voice_id
        )
        case = case_for_change(acting_user=acting_user, case_id=record.case_id)
        _check_gatherer(case=case, gathered_by=gathered_by)
        return record_update(acting_user=acting_user, record=record, version=version, **fields)


def _cleaned(*, gathered_on: dt.date, gathered_by: User, **texts: str) -> dict[str, object]:
    if gathered_on > today():
        raise ValidationError("The date of the conversation must be today or in the past.")
    cleaned = {name: value.strip() for name, value in texts.items()}
    missing = {
        "relationship": "Enter their relationship to the pupil",
        "setting": "Enter where the conversation took place",
        "why_hard": "Enter why it is hard to come to school, in the pupil's words",
        "what_would_help": "Enter what would help, in the pupil's words",
    }
    for name, message in missing.items():
        if not cleaned[name]:
            raise ValidationError(message)
    return {"gathered_on": gathered_on, "gathered_by": gathered_by, **cleaned}


def _check_gatherer(*, case: AttendanceCase, gathered_by: User) -> None:
    """The trusted adult may be anyone on the school's staff, not only the lead."""
    if (
        gathered_by.school_id != case.school_id
        or not gathered_by.is_school_user
        or not gathered_by.is_active
    ):
        raise ValidationError(f"Select a member of staff at {case.school}.")
