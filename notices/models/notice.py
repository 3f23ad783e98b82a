"""The Notice to Improve (rule A4): a formal notice to every parent with
parental responsibility, after support has been tried, giving an improvement
period of 30 school days before a legal-intervention referral may follow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import PupilCarer


class NoticeToImprove(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", "Improvement period running"
        IMPROVED = "improved", "Sufficient improvement: back to support"
        NOT_IMPROVED = "not_improved", "Not sufficient improvement"

    case = models.ForeignKey(AttendanceCase, on_delete=models.PROTECT, related_name="notices")
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.ManyToManyField(PupilCarer, related_name="notices_received")
    # The last school day of the improvement period (the 30th school day after
    # issue, from the school's calendar), fixed when the notice is issued.
    period_ends_on = models.DateField()
    sufficient_improvement = models.TextField("what sufficient improvement means for this pupil")
    consequence = models.TextField("what happens if attendance does not improve")
    staff_contact = models.CharField(max_length=200)
    # Parents are informed when the notice is issued; a referral is due within
    # 15 school days of informing them (rule A4).
    parents_informed_on = models.DateField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_lookup = "case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["NoticeToImprove"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="notice_period_ends_after_issue",
                condition=Q(period_ends_on__gt=models.F("issued_on")),
            )
        ]

    def __str__(self) -> str:
        return f"Notice to Improve issued {self.issued_on:%d %b %Y}"
