"""The SMART action plan and its reviews."""

from __future__ import annotations

from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet

from .case import AttendanceCase, CaseRecord
from .support import Barrier


class ActionPlan(CaseRecord):
    """The SMART action plan: an aim, and actions per barrier."""

    case = models.OneToOneField(AttendanceCase, on_delete=models.CASCADE, related_name="plan")
    target_attendance = models.DecimalField("attendance target (%)", max_digits=4, decimal_places=1)
    # The day the plan was agreed (often at a meeting, typed up later): reviews
    # and "attendance since" count from it.
    agreed_on = models.DateField("date agreed")
    target_date = models.DateField("by")
    review_every_days = models.PositiveSmallIntegerField(default=14)
    next_review_due = models.DateField()

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ActionPlan"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self) -> str:
        return f"Plan: {self.target_attendance}% by {self.target_date:%d %b %Y}"


class PlanAction(CaseRecord):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    barrier = models.ForeignKey(Barrier, on_delete=models.PROTECT, related_name="actions")
    action = models.TextField("actions and interventions")
    by_when = models.DateField()
    responsible = models.CharField("person responsible", max_length=200)
    how_we_will_know = models.TextField("how we will know it is working for the child")
    ended_on = models.DateField(null=True, blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PlanAction"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["barrier", "by_when", "pk"]

    def __str__(self) -> str:
        return self.action[:60]


class PlanReview(CaseRecord):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    # Attendance since the previous review (or the plan's start), from the figures.
    attendance_since = models.JSONField(default=dict, blank=True)
    changes_made = models.TextField(blank=True)
    next_review_due = models.DateField()

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PlanReview"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["reviewed_on", "pk"]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on:%d %b %Y}"


class ActionProgress(models.Model):
    class Progress(models.TextChoices):
        NONE = "none", "No progress"
        SOME = "some", "Some progress"
        GOOD = "good", "Good progress"
        DONE = "done", "Achieved"

    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="progress")
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="progress")
    progress = models.CharField(max_length=8, choices=Progress.choices)
    note = models.TextField(blank=True)

    scope_lookup = "review__case__school"
    case_file_lookup = "review__case"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ActionProgress"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(fields=["review", "action"], name="one_progress_per_action")
        ]

    def __str__(self) -> str:
        return self.get_progress_display()
