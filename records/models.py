from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import LocalAuthority, School

from .retention_rules import KINDS

KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS.values()]


class RetentionSetting(models.Model):
    """An LA's own period for one kind of record, where it keeps records
    longer than the default (records.retention_rules)."""

    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.CASCADE, related_name="retention_settings"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    years = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["local_authority", "kind"], name="one_period_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: {self.get_kind_display()} kept {self.years} years"


class RetentionReview(models.Model):
    """A record past its retention period, listed by the nightly review for an
    LA manager to decide on. One open review per record: a second night finds
    the same one."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a decision"
        DELETED = "deleted", "Deleted"
        KEPT = "kept", "Kept"

    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    # The record: a register (its id) or a closed case (its id).
    record_id = models.PositiveBigIntegerField()
    # What the manager sees, written when listed so it survives the deletion.
    description = models.CharField(max_length=300)
    kept_until = models.DateField()
    listed_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    deleted_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kept_until", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_id"],
                condition=models.Q(status="waiting"),
                name="one_waiting_review_per_record",
            )
        ]

    def __str__(self) -> str:
        return self.description
