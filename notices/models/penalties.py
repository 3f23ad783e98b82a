"""Penalty notices (rule A5): one notice to one parent for one child, with its
amounts and due dates fixed when issued, and what happened to it: paid,
withdrawn (with the ground) or a decision to prosecute. The LA's record under
reg. 20 of the 2007 regulations: each notice, payments and dates, withdrawals
and grounds, prosecutions.

The rules (amounts, the 3-year limit, which changes are allowed) are in
`notices.penalties`; the writes in `notices.services.penalties`. The
constraints below are the parts the database can hold on its own, so that a
write that bypasses the services still cannot store a contradictory notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import PupilCarer

from .. import penalties as rules
from .holiday import HolidayRequest
from .referrals import LADecision


class PenaltyNotice(models.Model):
    class Status(models.TextChoices):
        ISSUED = rules.ISSUED, "Issued: not paid"
        PAID = rules.PAID, "Paid"
        WITHDRAWN = rules.WITHDRAWN, "Withdrawn"
        PROSECUTION = rules.PROSECUTION, "Prosecution decided"

    class Route(models.TextChoices):
        # How the notice came to be issued. Blank only on notices recorded
        # before routes were checked (migration 0005).
        NONE = "", "Recorded before routes were checked"
        LA_DECISION = "la_decision", "LA decision on a referral"
        HOLIDAY_REQUEST = "holiday_request", "Holiday request accepted by the LA"

    class ServiceMethod(models.TextChoices):
        NONE = "", "Not recorded"
        HAND = rules.ServiceMethod.HAND, rules.ServiceMethod.LABELS[rules.ServiceMethod.HAND]
        FIRST_CLASS = (
            rules.ServiceMethod.FIRST_CLASS,
            rules.ServiceMethod.LABELS[rules.ServiceMethod.FIRST_CLASS],
        )
        SECOND_CLASS = (
            rules.ServiceMethod.SECOND_CLASS,
            rules.ServiceMethod.LABELS[rules.ServiceMethod.SECOND_CLASS],
        )

    class WithdrawalGround(models.TextChoices):
        NONE = "", "Not withdrawn"
        SHOULD_NOT_HAVE_BEEN_ISSUED = (
            rules.WithdrawalGround.SHOULD_NOT_HAVE_BEEN_ISSUED,
            rules.WithdrawalGround.LABELS[rules.WithdrawalGround.SHOULD_NOT_HAVE_BEEN_ISSUED],
        )
        WRONG_RECIPIENT = (
            rules.WithdrawalGround.WRONG_RECIPIENT,
            rules.WithdrawalGround.LABELS[rules.WithdrawalGround.WRONG_RECIPIENT],
        )
        MATERIAL_ERRORS = (
            rules.WithdrawalGround.MATERIAL_ERRORS,
            rules.WithdrawalGround.LABELS[rules.WithdrawalGround.MATERIAL_ERRORS],
        )
        CODE_OF_CONDUCT_BREACH = (
            rules.WithdrawalGround.CODE_OF_CONDUCT_BREACH,
            rules.WithdrawalGround.LABELS[rules.WithdrawalGround.CODE_OF_CONDUCT_BREACH],
        )
        NOT_PROSECUTED = (
            rules.WithdrawalGround.NOT_PROSECUTED,
            rules.WithdrawalGround.LABELS[rules.WithdrawalGround.NOT_PROSECUTED],
        )

    case = models.ForeignKey(
        AttendanceCase, on_delete=models.PROTECT, related_name="penalty_notices"
    )
    # Per parent, per child: the PupilCarer is that parent for that pupil, and
    # the 3-year limit is counted over a recipient's notices.
    recipient = models.ForeignKey(
        PupilCarer, on_delete=models.PROTECT, related_name="penalty_notices"
    )
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # 1 or 2: which notice this is in the recipient's 3-year window, fixed at issue.
    sequence = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=24, choices=Route.choices, blank=True)
    decision = models.ForeignKey(
        LADecision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalty_notices",
    )
    # The offence: the unauthorised absence from the first to the last day
    # (both included). Null only on notices recorded before the period was
    # dates, whose free text could not be read as two dates (migration 0005).
    offence_first_day = models.DateField(null=True, blank=True)
    offence_last_day = models.DateField(null=True, blank=True)
    # Frozen at issue from the registers: [{"date", "session", "code"}, ...].
    unauthorised_sessions = models.JSONField(default=list, blank=True)
    holiday_request = models.ForeignKey(
        HolidayRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalty_notices",
    )
    reason = models.TextField("notes on the offence", blank=True)
    service_method = models.CharField(max_length=16, choices=ServiceMethod.choices, blank=True)
    served_on = models.DateField(null=True, blank=True)
    # Deemed receipt: the payment periods run from it (reg 7 as amended).
    received_on = models.DateField(null=True, blank=True)
    # The issue form's one-time token: a form posted twice makes one notice.
    issue_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Pence. None for a second notice: no reduced rate.
    amount_if_paid_by_day_21 = models.PositiveIntegerField(null=True, blank=True)
    amount_if_paid_by_day_28 = models.PositiveIntegerField()
    reduced_due_on = models.DateField(null=True, blank=True)
    full_due_on = models.DateField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    paid_on = models.DateField(null=True, blank=True)
    amount_paid = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_ground = models.CharField(
        max_length=32, choices=WithdrawalGround.choices, blank=True
    )
    withdrawal_note = models.TextField(blank=True)
    prosecution_decided_on = models.DateField(null=True, blank=True)
    prosecution_note = models.TextField(blank=True)
    prosecution_eso_considered = models.BooleanField(
        "an education supervision order was considered", default=False
    )
    prosecution_eso_note = models.TextField(
        "why an education supervision order is not used", blank=True
    )
    prosecution_contract_explored = models.BooleanField(
        "an attendance contract was explored", null=True, blank=True
    )
    prosecution_contract_note = models.TextField(
        "why an attendance contract was not explored", blank=True
    )

    # The information laid at the magistrates' court (the prosecution started),
    # within the six months of s127 MCA 1980: the limit is then met.
    information_laid_on = models.DateField("date the information was laid", null=True, blank=True)
    information_laid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    information_laid_note = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    scope_lookup = "case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PenaltyNotice"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["recipient", "issued_on"])]
        constraints = [
            models.CheckConstraint(
                name="penalty_first_or_second",
                condition=Q(sequence__in=[1, 2]),
            ),
            # A first notice has the reduced rate; a second has none.
            models.CheckConstraint(
                name="penalty_reduced_rate_only_on_first",
                condition=(
                    Q(
                        sequence=1,
                        amount_if_paid_by_day_21__isnull=False,
                        reduced_due_on__isnull=False,
                    )
                    | Q(
                        sequence=2,
                        amount_if_paid_by_day_21__isnull=True,
                        reduced_due_on__isnull=True,
                    )
                ),
            ),
            models.CheckConstraint(
                name="penalty_due_after_issue",
                condition=Q(full_due_on__gt=F("issued_on")),
            ),
            models.CheckConstraint(
                name="penalty_paid_has_date_and_amount",
                condition=~Q(status="paid") | Q(paid_on__isnull=False, amount_paid__isnull=False),
            ),
            models.CheckConstraint(
                name="penalty_withdrawn_has_date_and_ground",
                condition=~Q(status="withdrawn")
                | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_ground="")),
            ),
            models.CheckConstraint(
                name="penalty_prosecution_has_date",
                condition=~Q(status="prosecution") | Q(prosecution_decided_on__isnull=False),
            ),
            models.CheckConstraint(
                name="penalty_offence_period_in_order",
                condition=Q(offence_first_day__isnull=True, offence_last_day__isnull=True)
                | Q(offence_first_day__lte=F("offence_last_day")),
            ),
            models.CheckConstraint(
                name="penalty_service_recorded_with_receipt",
                condition=Q(service_method="", served_on__isnull=True, received_on__isnull=True)
                | (
                    ~Q(service_method="")
                    & Q(
                        served_on__isnull=False,
                        received_on__isnull=False,
                        received_on__gte=F("served_on"),
                        served_on__gte=F("issued_on"),
                    )
                ),
            ),
            # A notice issued through a route has its source, its period and its
            # service; only rows from before routes (route "") may lack them.
            models.CheckConstraint(
                name="penalty_route_has_source_period_and_service",
                condition=Q(route="")
                | (
                    Q(offence_first_day__isnull=False, served_on__isnull=False)
                    & (~Q(route="la_decision") | Q(decision__isnull=False))
                    & (~Q(route="holiday_request") | Q(holiday_request__isnull=False))
                ),
            ),
            # EA 1996 s447 and the attendance contract: asked before every
            # prosecution recorded since routes (older rows predate the question).
            models.CheckConstraint(
                name="penalty_prosecution_safeguards",
                condition=~Q(status="prosecution")
                | Q(route="")
                | (
                    Q(prosecution_eso_considered=True)
                    & ~Q(prosecution_eso_note="")
                    & (
                        Q(prosecution_contract_explored=True)
                        | (
                            Q(prosecution_contract_explored=False)
                            & ~Q(prosecution_contract_note="")
                        )
                    )
                ),
            ),
            # An information is laid only on a decision to prosecute, on or after
            # it (the notice may be withdrawn later, for an error in issuing it).
            models.CheckConstraint(
                name="penalty_information_laid_after_decision",
                condition=Q(information_laid_on__isnull=True)
                | Q(information_laid_on__gte=F("prosecution_decided_on")),
            ),
            # The regs forbid prosecution before the payment period ends.
            models.CheckConstraint(
                name="penalty_prosecution_after_payment_period",
                condition=Q(prosecution_decided_on__isnull=True)
                | Q(prosecution_decided_on__gt=F("full_due_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Penalty notice {self.sequence} issued {self.issued_on:%d %b %Y}"
