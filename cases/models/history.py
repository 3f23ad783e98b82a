"""Notes the product writes into a case's history when something it fixed
earlier had to change (a Notice to Improve's improvement period recounted after
the school's calendar or registers changed). Shown in the chronology."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet

from .case import AttendanceCase


class CaseHistoryNote(models.Model):
    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="history_notes")
    on = models.DateField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    # Whose change caused it; None for a job (a nightly refresh, an LA import).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_lookup = "case__school"
    case_file_lookup = "case"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["CaseHistoryNote"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["on", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.on:%d %b %Y})"
