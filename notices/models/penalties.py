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


class PenaltyNotice(models.Model):
    class Status(models.TextChoices):
        ISSUED = rules.ISSUED, "Issued: not paid"
        PAID = rules.PAID, "Paid"
        WITHDRAWN = rules.WITHDRAWN, "Withdrawn"
        PROSECUTION = rules.PROSECUTION, "Prosecution decided"

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
    offence = models.TextField("offence period and reason")
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
            # The regs forbid prosecution before the payment period ends.
            models.CheckConstraint(
                name="penalty_prosecution_after_payment_period",
                condition=Q(prosecution_decided_on__isnull=True)
                | Q(prosecution_decided_on__gt=F("full_due_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Penalty notice {self.sequence} issued {self.issued_on:%d %b %Y}"
