"""A case file shared with the LA (need to know, issue 14).

An LA user sees every school's figures and each case's stage, but opens a
case's file only while a share is live: the school referred the case, asked
the LA for a penalty notice on it, or shared it with a reason. `core.scoping`
reads `AttendanceCase.case_file_shares` ("la_shares") and keeps a share live
while `revoked_at` is empty.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.scoping import ScopedManager, ScopedQuerySet

from .case import AttendanceCase


class CaseShare(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", "Shared by the school"
        REFERRAL = "referral", "Referral for legal intervention"
        PENALTY_REQUEST = "penalty_request", "Penalty notice request"

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="la_shares")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField()
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    scope_lookup = "case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["CaseShare"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-shared_at", "-pk"]
        constraints = [
            # One live share of each kind: sharing again, or a resubmitted
            # referral, finds the live one instead of adding another.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_share_per_case_and_kind",
            ),
            models.CheckConstraint(name="share_has_a_reason", condition=~Q(reason="")),
            models.CheckConstraint(
                name="revoked_share_says_by_whom",
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["case", "revoked_at"])]

    def __str__(self) -> str:
        return f"Case file of {self.case.pupil} shared with the LA ({self.get_kind_display()})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def school_may_revoke(self) -> bool:
        """A referral or a penalty-notice request is the LA's to work: the
        school cannot take the file back from it."""
        return self.kind == self.Kind.SCHOOL

    @property
    def revoke_refusal(self) -> str:
        """Why the school cannot stop this share, in words for the school; empty
        when it can."""
        if self.school_may_revoke:
            return ""
        return (
            f"This case file was shared through a {self.get_kind_display().lower()}: "
            "the LA keeps access while it works on it."
        )
