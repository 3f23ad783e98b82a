"""Wishes and Feelings: the pupil's voice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet

from .case import AttendanceCase, CaseRecord


class WishesAndFeelings(CaseRecord):
    """The pupil's voice, in their own words."""

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="voices")
    gathered_on = models.DateField()
    gathered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    relationship = models.CharField(
        "their relationship to the pupil (the trusted adult)", max_length=200
    )
    setting = models.CharField("where the conversation took place", max_length=200)
    why_hard = models.TextField("why it is hard to come to school, in the pupil's words")
    what_would_help = models.TextField("what would help, in the pupil's words")
    worries_at_school = models.TextField(blank=True)
    worries_at_home = models.TextField(blank=True)
    going_well = models.TextField("what is going well", blank=True)
    patterns_discussed = models.TextField("patterns discussed (for example, Fridays)", blank=True)
    scale_name = models.CharField("scale used, if any", max_length=100, blank=True)
    scale_score = models.CharField("score on the scale", max_length=50, blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["WishesAndFeelings"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-gathered_on", "-pk"]
        verbose_name = "wishes and feelings"
        verbose_name_plural = "wishes and feelings"

    def __str__(self) -> str:
        return f"Wishes and feelings, {self.gathered_on:%d %b %Y}"
