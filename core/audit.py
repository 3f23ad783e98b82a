"""Writing the audit trail. Services call `audit_record` inside their transaction,
so a change and its audit row are saved together or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models

from .models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import School, User


def audit_record(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    target: models.Model | None = None,
    school: School | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        school=school,
        changes=dict(changes or {}),
        note=note[:500],
    )


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed, ready for `changes`."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in fields
        if before.get(name) != after.get(name)
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record_view(
    request: HttpRequest, *, target: models.Model, what: str, school: School | None = None
) -> AuditEvent:
    """Someone opened a safeguarding record (a pupil's page, a case file, a
    letter, a bundle): who, when, what and from where, so the question "who
    has seen this child's record?" has an answer. Written as the page is
    served, outside any change."""
    user = getattr(request, "user", None)
    address = request.META.get("REMOTE_ADDR", "")
    return audit_record(
        actor=user if user is not None and user.is_authenticated else None,
        action=AuditEvent.Action.VIEW_SENSITIVE,
        target=target,
        school=school,
        note=f"{what} (from {address})" if address else what,
    )
