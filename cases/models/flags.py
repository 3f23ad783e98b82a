"""Stored flags: what became due on a case or a pupil, raised by the nightly run
(cases/nightly.py) and kept after it is resolved, so "what was due, when, and
who dealt with it" can be answered later.

A flag is about one subject (a case, a pupil at a school, a notice, a penalty
notice), named by a short key (`subject`). The database allows one open flag
per kind per subject, so a run repeated or resumed after a crash cannot raise
the same thing twice. See docs/rules.md#flags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil

from .case import AttendanceCase


class Flag(models.Model):
    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        CLEARED = "cleared", "Cleared: the condition no longer holds"
        BY_USER = "by_user", "Resolved by a user"

    kind = models.CharField(max_length=48)
    subject = models.CharField(max_length=64)
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    case = models.ForeignKey(
        AttendanceCase, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="flags")
    # The day it became due: the first day the condition held (for a rule with
    # a deadline, the day after the deadline).
    due_on = models.DateField()
    detail = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField()
    # The as-at date of the run that raised it (a catch-up run may raise a flag
    # whose `due_on` is earlier).
    raised_as_at = models.DateField()
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Flag"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_kind_per_subject",
            ),
            models.CheckConstraint(
                name="flag_resolved_has_a_resolution",
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False) & ~Q(resolution=""),
            ),
        ]
        indexes = [
            models.Index(
                fields=["school", "kind"],
                name="flag_open_by_school",
                condition=Q(resolved_at__isnull=True),
            ),
            models.Index(fields=["kind", "subject", "due_on"], name="flag_kind_subject_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} due {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class NightlyRun(models.Model):
    """One night's run, finished: which as-at date it judged, when, and what it
    did. The digest is sent once per finished night (`DigestSent`)."""

    as_at = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    raised = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-as_at"]

    def __str__(self) -> str:
        return f"Nightly run as at {self.as_at}"


class DigestSent(models.Model):
    """A user's morning digest for one night: the unique key is what stops a
    second run (or a retried task) emailing them twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    as_at = models.DateField()
    sent_at = models.DateTimeField()
    items = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "as_at"], name="one_digest_per_user_per_night")
        ]

    def __str__(self) -> str:
        return f"Digest for {self.user_id} as at {self.as_at}"
