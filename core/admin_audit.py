"""Changes made in the Django admin go into the product's audit trail too.

The admin keeps its own LogEntry, which an administrator can read and edit in
the admin itself; moving a user to another school, or changing their role,
decides who sees which children, so it belongs in the trail that cannot be
changed (docs/security.md, "Audit").
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditEvent


class AuditedAdmin(admin.ModelAdmin):
    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, obj, AuditEvent.Action.CREATE, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, obj, AuditEvent.Action.UPDATE, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, AuditEvent.Action.DELETE, "")
        return super().log_deletions(request, queryset)

    def _audit(
        self, request: HttpRequest, obj: models.Model, action: AuditEvent.Action, message: Any
    ) -> None:
        audit_record(
            actor=request.user if request.user.is_authenticated else None,
            action=action,
            target=obj,
            changes={"admin": _plain(message)},
            note="in the admin",
        )


def _plain(message: Any) -> Any:
    """The admin's change message (a list of {"changed": {"fields": [...]}} or a string)."""
    if isinstance(message, list | dict | str):
        return message
    return str(message)
