"""The Notice to Improve (rule A4): a formal notice to every parent with
parental responsibility, after support has been tried, giving an improvement
period of 30 school days before a legal-intervention referral may follow.

What the school relied on when it issued the notice is stored with it, fixed
at issue: the national threshold as measured that day (the referral checks
this, not the figure on the day it is made) and the support offers the check
relied on (the letter lists the same). Telling the parents that a referral
will be made is its own record, `ParentsToldOfReferral`: the referral is due
within 15 school days of it.

A notice issued with a wrong date or to the wrong parents is corrected by a new
version, a new record that `corrects` the old one: the old is kept, marked
superseded (its letters say so), and only the live version counts. A notice
can also be withdrawn. Neither once a referral has been made on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import PupilCarer


class NoticeToImprove(models.Model):
    class Status(models.TextChoices):
        LIVE = "", "Live"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a corrected version"

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
    # The national threshold as measured on the issue date: unauthorised
    # sessions in the rolling window of school weeks, as at that day. Null
    # only for a notice issued before it was stored whose registers could not
    # be read back (the referral then says it is not known).
    threshold_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    threshold_window_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    threshold_as_at = models.DateField(null=True, blank=True)
    # The support offers the Notice to Improve check relied on, as they stood
    # at issue: [{"id", "what", "provider", "offered_on", "outcome", "outcome_on"}].
    # Null for a notice issued before this was stored.
    support_relied_on = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Withdrawal and correction. Only a live notice counts for the pathway's
    # rules; a withdrawn or superseded one is kept, with who ended it and why.
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_reason = models.TextField(blank=True)
    # The version this one corrects (version 1 corrects nothing).
    version = models.PositiveSmallIntegerField(default=1)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )

    scope_lookup = "case__school"
    # The school's step in the case file: an LA user sees it once the case is
    # shared with the LA (core/scoping.py, need to know).
    case_file_lookup = "case"
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
            ),
            models.CheckConstraint(
                name="notice_ended_has_reason",
                condition=Q(status="")
                | (Q(ended_at__isnull=False, ended_by__isnull=False) & ~Q(ended_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Notice to Improve issued {self.issued_on:%d %b %Y}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def threshold_known(self) -> bool:
        return self.threshold_sessions is not None and self.threshold_as_at is not None


class ParentsToldOfReferral(models.Model):
    """The day the parents were told that a referral for legal intervention will
    be made (Norfolk's referral steps): the referral is due within 15 school
    days of it (rule A4). One per notice."""

    class Method(models.TextChoices):
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Telephone"
        EMAIL = "email", "Email"

    notice = models.OneToOneField(
        NoticeToImprove, on_delete=models.PROTECT, related_name="parents_told"
    )
    told_on = models.DateField()
    method = models.CharField("how the parents were told", max_length=16, choices=Method.choices)
    told_by = models.CharField("who told them", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_lookup = "notice__case__school"
    case_file_lookup = "notice__case"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ParentsToldOfReferral"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        verbose_name = "parents told of the referral"
        verbose_name_plural = "parents told of referrals"

    def __str__(self) -> str:
        return f"Parents told of the referral on {self.told_on:%d %b %Y}"
