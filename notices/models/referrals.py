"""Legal-intervention referrals (rule A4) and the LA's decisions on them.

A referral carries a bundle frozen when it is submitted: the LA reviews the
case as the school presented it, not as it reads after later edits. A
returned referral is kept; the school's resubmission is a new version, so
every version the LA saw stays readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet

from .notice import NoticeToImprove


class LegalReferral(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted: awaiting the LA"
        RETURNED = "returned", "Returned to the school"
        ACCEPTED = "accepted", "Accepted by the LA"
        DECIDED = "decided", "LA decision recorded"

    # A referral the LA is working on; a returned or decided one leaves room
    # for the next (the resubmission, or nothing more).
    LIVE = (Status.SUBMITTED, Status.ACCEPTED)

    case = models.ForeignKey(AttendanceCase, on_delete=models.PROTECT, related_name="referrals")
    notice = models.ForeignKey(NoticeToImprove, on_delete=models.PROTECT, related_name="referrals")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    early_referral_reason = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)
    # Frozen at submission (notices.bundle.bundle_build); never updated.
    bundle = models.JSONField(default=dict)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reasons = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_lookup = "case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["LegalReferral"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["notice"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="one_live_referral_per_notice",
            ),
            models.UniqueConstraint(fields=["notice", "version"], name="referral_version_unique"),
            models.CheckConstraint(
                name="referral_returned_has_reasons",
                condition=~Q(status="returned")
                | (Q(returned_at__isnull=False) & ~Q(return_reasons="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Referral version {self.version} for {self.case}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class LADecision(models.Model):
    class Kind(models.TextChoices):
        PENALTY_NOTICE = "penalty_notice", "Penalty notice"
        PROSECUTION_444_1 = "prosecution_444_1", "Prosecution under section 444(1)"
        PROSECUTION_444_1A = "prosecution_444_1a", "Prosecution under section 444(1A)"
        ATTENDANCE_CONTRACT = "attendance_contract", "Attendance contract"
        EDUCATION_SUPERVISION_ORDER = "education_supervision_order", "Education supervision order"
        SCHOOL_ATTENDANCE_ORDER = "school_attendance_order", "School attendance order"
        NO_FURTHER_ACTION = "no_further_action", "No further action"

    PROSECUTIONS = (Kind.PROSECUTION_444_1, Kind.PROSECUTION_444_1A)

    referral = models.ForeignKey(LegalReferral, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reason = models.TextField()
    decided_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    eso_considered = models.BooleanField("an education supervision order was considered")
    eso_note = models.TextField("why an education supervision order is or is not used", blank=True)
    # Asked before a prosecution; None on decisions recorded before the question.
    contract_explored = models.BooleanField(
        "an attendance contract was explored", null=True, blank=True
    )
    contract_note = models.TextField("why an attendance contract was not explored", blank=True)
    # A prosecution's offence: the absence from the first to the last day, the
    # six-month limit for laying the information running from the last (s127
    # MCA 1980). Null on other kinds, and on prosecutions decided before it was
    # asked. The unauthorised sessions in it are frozen from the registers.
    offence_first_day = models.DateField(null=True, blank=True)
    offence_last_day = models.DateField(null=True, blank=True)
    unauthorised_sessions = models.JSONField(default=list, blank=True)
    # The information laid at the magistrates' court (the prosecution started).
    information_laid_on = models.DateField("date the information was laid", null=True, blank=True)
    information_laid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    information_laid_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_lookup = "referral__case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["LADecision"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["decided_on", "pk"]
        constraints = [
            # "The LA must consider an education supervision order before prosecuting."
            models.CheckConstraint(
                name="prosecution_considered_eso",
                condition=~Q(kind__in=["prosecution_444_1", "prosecution_444_1a"])
                | (Q(eso_considered=True) & ~Q(eso_note="")),
            ),
            models.CheckConstraint(
                name="decision_offence_period_in_order",
                condition=Q(offence_first_day__isnull=True, offence_last_day__isnull=True)
                | Q(
                    kind__in=["prosecution_444_1", "prosecution_444_1a"],
                    offence_first_day__lte=F("offence_last_day"),
                    offence_last_day__lte=F("decided_on"),
                ),
            ),
            models.CheckConstraint(
                name="decision_information_laid_on_a_prosecution",
                condition=Q(information_laid_on__isnull=True)
                | Q(
                    kind__in=["prosecution_444_1", "prosecution_444_1a"],
                    information_laid_on__gte=F("decided_on"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} decided {self.decided_on:%d %b %Y}"
