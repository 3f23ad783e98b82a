"""Writes to a pupil's family record."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core.audit import audit_record, field_changes
from core.dates import now
from core.models import AuditEvent
from core.scoping import get_for_user_or_404

from ..models import PupilCarer

_DECISION_FIELDS = (
    "included_in_correspondence",
    "correspondence_decided_by",
    "correspondence_decision_reason",
)


def carer_correspondence_decide(
    *, acting_user: User, link_id: int, include: bool, reason: str
) -> PupilCarer:
    """The DSL decides whether a parent who does not live with the child gets the
    school's letters and messages about attendance. Recorded: who, when, why."""
    with transaction.atomic():
        link = get_for_user_or_404(
            PupilCarer.objects.for_user(acting_user).select_for_update(),
            acting_user,
            pk=link_id,
        )
        if not acting_user.has_perm("cases.record_dsl_decision"):
            raise PermissionDenied("Only the designated safeguarding lead can decide this.")
        if link.lives_with_pupil:
            raise ValidationError(
                "This parent or carer lives with the pupil, so no decision is needed."
            )
        reason = reason.strip()
        if not reason:
            raise ValidationError("Enter the reason for your decision.")
        before = {name: getattr(link, name) for name in _DECISION_FIELDS}
        link.included_in_correspondence = include
        link.correspondence_decided_by = acting_user
        link.correspondence_decided_at = now()
        link.correspondence_decision_reason = reason
        link.save(
            update_fields=[
                "included_in_correspondence",
                "correspondence_decided_by",
                "correspondence_decided_at",
                "correspondence_decision_reason",
            ]
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=link,
            school=acting_user.school,
            changes=field_changes(
                before, {name: getattr(link, name) for name in _DECISION_FIELDS}, _DECISION_FIELDS
            ),
            note="Correspondence decision for a parent who does not live with the pupil",
        )
    return link
