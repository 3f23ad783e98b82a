"""Part-time timetables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil

from .case import AttendanceCase


class PartTimeTimetable(models.Model):
    """An agreed part-time timetable: exceptional, temporary, reviewed (WTISA)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="part_time_timetables")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="part_time_timetables"
    )
    case = models.ForeignKey(
        AttendanceCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="timetables"
    )
    reason = models.TextField()
    agreed_hours = models.CharField("hours agreed", max_length=200)
    start = models.DateField()
    planned_end = models.DateField()
    next_review_due = models.DateField()
    parent_agreed_on = models.DateField(null=True, blank=True)
    la_notified_on = models.DateField("LA notified on", null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PartTimeTimetable"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["planned_end", "pk"]
        constraints = [
            models.CheckConstraint(
                name="timetable_ends_after_it_starts",
                condition=Q(planned_end__gte=models.F("start")),
            )
        ]

    def __str__(self) -> str:
        return f"Part-time timetable for {self.pupil} from {self.start:%d %b %Y}"
