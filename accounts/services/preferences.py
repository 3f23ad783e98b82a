"""A user's own settings: whether they get the morning digest email."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record
from core.models import AuditEvent

from ..models import User


def digest_preference_set(*, acting_user: User, morning_digest: bool) -> None:
    with transaction.atomic():
        before = acting_user.morning_digest
        if before == morning_digest:
            return
        acting_user.morning_digest = morning_digest
        acting_user.save(update_fields=["morning_digest"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=acting_user,
            changes={"morning_digest": [before, morning_digest]},
            note="Morning digest " + ("on" if morning_digest else "off"),
        )
