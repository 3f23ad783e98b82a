"""Holiday penalty-notice requests (rule A5, "Holiday penalty-notice requests").

Most penalty notices are for leave of absence the school refused and the
family took anyway (register code G). Support is not the question there, so
the school asks the LA for a penalty notice without the Support First
referral: the G sessions, the leave request and the school's refusal, and the
parents responsible for the leave.

Like a referral, each submission is one version: a returned request is kept,
and the school's correction is a new row pointing at it (`previous`), so every
version the LA saw stays readable. The facts the LA relies on (the G sessions,
the national threshold as measured, the three-year limit per parent) are
frozen at submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import School
from attendance.figures import NATIONAL_THRESHOLD_SESSIONS
from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil, PupilCarer


class HolidayRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted: awaiting the LA"
        RETURNED = "returned", "Returned to the school"
        ACCEPTED = "accepted", "Accepted by the LA"
        DECLINED = "declined", "Declined by the LA"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="holiday_requests")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="holiday_requests")
    version = models.PositiveSmallIntegerField(default=1)
    # The returned version this one corrects; one correction per returned version.
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)

    # The registers read: the date range the lead gave, and the G sessions in it.
    sessions_first_day = models.DateField()
    sessions_last_day = models.DateField()
    # Frozen at submission: [{"date", "session", "code"}, ...], G only.
    leave_sessions = models.JSONField(default=list)

    # The leave request, and the school's refusal of it.
    leave_first_day = models.DateField("first day of the leave requested")
    leave_last_day = models.DateField("last day of the leave requested")
    requested_by = models.CharField("who asked for the leave", max_length=200)
    requested_on = models.DateField("date the leave was requested")
    request_reason = models.TextField("the reason given for the leave")
    refused_on = models.DateField("date the school refused the leave")
    refusal_reason = models.TextField("why the school refused the leave")

    parents = models.ManyToManyField(PupilCarer, related_name="holiday_requests")

    # The national threshold as measured at submission (rule A3), as at the
    # last G session: unauthorised sessions in the pupil's last 10 school weeks.
    threshold_sessions = models.PositiveSmallIntegerField()
    threshold_as_at = models.DateField()
    # The three-year limit per parent at submission: [{"parent_id", "parent",
    # "sequence", "window_ends_on"}, ...] (sequence 1 or 2; a third is refused).
    limit_check = models.JSONField(default=list)

    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reasons = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reasons = models.TextField(blank=True)
    # The case a penalty notice is issued on: the pupil's open case at the
    # school when the LA accepts, or one opened then (docs/rules.md A5).
    case = models.ForeignKey(
        AttendanceCase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holiday_requests",
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["HolidayRequest"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                name="holiday_request_dates_in_order",
                condition=Q(sessions_first_day__lte=F("sessions_last_day"))
                & Q(leave_first_day__lte=F("leave_last_day")),
            ),
            models.CheckConstraint(
                name="holiday_request_returned_has_reasons",
                condition=~Q(status="returned")
                | (Q(returned_at__isnull=False) & ~Q(return_reasons="")),
            ),
            models.CheckConstraint(
                name="holiday_request_declined_has_reasons",
                condition=~Q(status="declined")
                | (Q(declined_at__isnull=False) & ~Q(decline_reasons="")),
            ),
            models.CheckConstraint(
                name="holiday_request_accepted_has_case",
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False, case__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Holiday request version {self.version} for {self.pupil}"

    @property
    def threshold_met(self) -> bool:
        return self.threshold_sessions >= NATIONAL_THRESHOLD_SESSIONS
