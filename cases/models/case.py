"""The attendance case, and what every record in it has."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil


class AttendanceCase(models.Model):
    """A pupil's attendance case at one school, from opening to closing."""

    class Stage(models.TextChoices):
        UNIVERSAL = "universal", "Universal"
        TARGETED = "targeted", "Targeted support"
        SUPPORT_FIRST = "support_first", "Support First"
        NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to Improve"
        REFERRED = "referred", "Referred for legal intervention"
        CLOSED = "closed", "Closed"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class ClosingReason(models.TextChoices):
        IMPROVED = "improved", "Attendance improved"
        LEFT_SCHOOL = "left_school", "Left the school"
        REFERRED = "referred", "Referred for legal intervention"
        OTHER = "other", "Other"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="cases")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField(max_length=24, choices=Stage.choices, default=Stage.TARGETED)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_cases"
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opening_reason = models.TextField()
    # The figures the decision to open was based on (attendance.figures.Figures.as_json()).
    opening_figures = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_reason = models.CharField(max_length=16, choices=ClosingReason.choices, blank=True)
    closing_note = models.TextField(blank=True)
    # Incremented by every change to the case itself, so a form opened before
    # someone else's change is refused instead of overwriting it.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    scope_lookup = "school"
    # Its shares with the LA (models/sharing.py): an LA user opens the file only
    # while one is live (core/scoping.py, need to know).
    case_file_shares = "la_shares"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["AttendanceCase"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school"],
                condition=Q(status="open"),
                name="one_open_case_per_pupil_per_school",
            ),
            models.CheckConstraint(
                name="closed_case_has_a_reason",
                condition=Q(status="open") | ~Q(closing_reason=""),
            ),
        ]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"Case for {self.pupil} at {self.school}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CaseRecord(models.Model):
    """What every record in a case has: the case, and who wrote and changed it, when."""

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    scope_lookup = "case__school"
    # Part of the case file: an LA user sees it only while the case is shared.
    case_file_lookup = "case"

    class Meta:
        abstract = True
