"""Support First meetings with the family."""

from __future__ import annotations

from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import PupilCarer

from .case import AttendanceCase, CaseRecord


class SupportMeeting(CaseRecord):
    """A Support First meeting with the family (a minimum of three, rule A4)."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video call"

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="meetings")
    sequence = models.PositiveSmallIntegerField("meeting number")
    scheduled_for = models.DateTimeField()
    method = models.CharField(max_length=16, choices=Method.choices)
    # Where, or how to join, as the family's invitation says it (blank: the
    # invitation says the school will confirm).
    place = models.CharField("where (for the family)", max_length=300, blank=True)
    invited = models.ManyToManyField(PupilCarer, related_name="meetings_invited", blank=True)
    attended = models.ManyToManyField(PupilCarer, related_name="meetings_attended", blank=True)
    other_professionals = models.TextField(blank=True)
    interpreter = models.BooleanField("interpreter arranged", default=False)
    adjustments = models.TextField("accessibility adjustments (timing, venue, other)", blank=True)
    held_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    barriers_discussed = models.TextField(blank=True)
    parent_voice = models.TextField("the parents' views", blank=True)
    going_well = models.TextField("what is going well", blank=True)
    agreed_actions = models.TextField(blank=True)
    # What the record of the meeting sent to the family says. `outcome` and the
    # arrangements' notes are for staff and never go into a letter.
    pupil_views = models.TextField("the pupil's views (for the family)", blank=True)
    summary_for_family = models.TextField("what was agreed (for the family)", blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SupportMeeting"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["case", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="meeting_numbers_unique")
        ]

    def __str__(self) -> str:
        return f"Support First meeting {self.sequence}"
