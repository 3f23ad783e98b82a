"""Resolving a flag by hand: a user who has dealt with it (or decided it needs
nothing) says so with a note. Audited; the flag is kept, resolved."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.models import AuditEvent
from core.scoping import get_for_user_or_404

from ..hooks import Audience, all_flag_kinds
from ..models import Flag


def may_resolve(user: User, flag: Flag) -> bool:
    kind = all_flag_kinds().get(flag.kind)
    if kind is None:
        return False
    if kind.audience == Audience.LA:
        return user.is_la_user and user.has_perm("cases.view_case")
    if kind.audience == Audience.DSL:
        return user.has_perm("cases.record_dsl_decision")
    return user.is_school_user and user.has_perm("cases.change_case")


def flag_resolve(*, acting_user: User, flag_id: int, note: str) -> Flag:
    with transaction.atomic():
        found = get_for_user_or_404(Flag.objects, acting_user, pk=flag_id)
        flag = Flag.unscoped.select_for_update().get(pk=found.pk)
        if not may_resolve(acting_user, flag):
            raise PermissionDenied
        if not flag.is_open:
            raise ValidationError("This flag is already resolved.")
        if not note.strip():
            raise ValidationError({"note": "Say how it was dealt with, or why it needs nothing"})
        flag.resolved_at = timezone.now()
        flag.resolved_by = acting_user
        flag.resolution = Flag.Resolution.BY_USER
        flag.resolution_note = note.strip()
        flag.save(update_fields=["resolved_at", "resolved_by", "resolution", "resolution_note"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=flag,
            school=flag.school,
            changes={"resolution": [None, Flag.Resolution.BY_USER]},
            note=f"Flag resolved: {note.strip()}",
        )
    return flag
