"""What another school's import found different from a school's records, and
did not change: for the school that holds the pupil (and its LA) to resolve."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil

from .registers import ImportBatch


class ImportDiscrepancy(models.Model):
    """One pupil in one import: the differences between the file and what
    `school` holds, and whether the file's records for the pupil were refused."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="import_discrepancies",
        help_text="The school that holds the pupil, which may resolve this.",
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="discrepancies"
    )
    importing_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused = models.BooleanField(
        help_text="The file claimed the pupil while they were on roll here, so nothing in it "
        "for the pupil was imported."
    )
    # [{"what": ..., "held": ..., "file": ...}], in the words shown to the school.
    differences = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ImportDiscrepancy"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["resolved_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "resolved_at"])]

    def __str__(self) -> str:
        return f"Import discrepancy for pupil {self.pupil_id} at school {self.school_id}"

    @classmethod
    def open_filter(cls) -> Q:
        return Q(resolved_at__isnull=True)
