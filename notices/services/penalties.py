"""Writes of penalty notices: issue, record a payment, withdraw, record a decision
to prosecute. The rules are in `notices.penalties`; these load, lock, check,
write and audit, each in one transaction.

Who: an LA officer of the case's LA, or a system admin. The 2024 framework
also lets authorised head teachers (and deputies or assistants they authorise)
issue, where the LA's code of conduct allows it; the product keeps issuing and
deciding with the LA for now, so a school user is refused (403) whatever the
case. Scope: the case (or the notice's case) must be in the user's scope,
otherwise 404, exactly as if it did not exist.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from accounts.rules import is_la_officer, is_system_admin
from cases.models import AttendanceCase
from core.audit import audit_record
from core.dates import today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import PupilCarer

from .. import penalties as rules
from ..models import PenaltyNotice


def _check_may_act(acting_user: User) -> None:
    # A role check first: it depends on nobody's records, so it reveals nothing.
    if not (is_la_officer(acting_user) or is_system_admin(acting_user)):
        raise PermissionDenied("Penalty notices are issued and decided by LA officers.")


def _check_not_future(day: dt.date, what: str) -> None:
    if day > today():
        raise ValidationError(f"The {what} cannot be in the future.")


def _notice_for_change(*, acting_user: User, notice_id: int) -> PenaltyNotice:
    """The notice, locked for this transaction, if the user may decide on it."""
    _check_may_act(acting_user)
    return get_for_user_or_404(
        PenaltyNotice.objects.for_user(acting_user)
        .select_for_update(of=("self",))
        .select_related("case__school"),
        acting_user,
        pk=notice_id,
    )


def penalty_notice_issue(
    *,
    acting_user: User,
    case_id: int,
    recipient_id: int,
    issued_on: dt.date,
    reason: str,
) -> PenaltyNotice:
    """Issue a penalty notice to one parent for the case's pupil, or refuse it
    (a child not of compulsory school age on the issue date; a third within 3
    years of the first) with the reason and the alternatives."""
    _check_may_act(acting_user)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Enter the offence period and the reason for the notice.")
    _check_not_future(issued_on, "issue date")
    with transaction.atomic():
        case = get_for_user_or_404(
            AttendanceCase.objects.for_user(acting_user).select_related("pupil", "school"),
            acting_user,
            pk=case_id,
        )
        # Education Act 1996 s8: only for a child of compulsory school age on the
        # day the notice is issued.
        refusal = rules.school_age_refusal(
            date_of_birth=case.pupil.date_of_birth, issued_on=issued_on
        )
        if refusal is not None:
            raise ValidationError(refusal.reason, code="not_of_compulsory_school_age")
        # Locking the parent-child link serialises every issue to this parent for
        # this child. Locking only their existing notices would not: with none
        # (or one) yet, two simultaneous issues would both read the same count
        # and both pass. The notices are read after the lock, so they include
        # any issued by a transaction that held it before us.
        recipient = (
            PupilCarer.unscoped.select_for_update(of=("self",))
            .select_related("carer")
            .filter(pk=recipient_id, pupil_id=case.pupil_id)
            .first()
        )
        if recipient is None:
            raise ValidationError(f"Choose a parent or carer of {case.pupil}.")
        if not (recipient.parental_responsibility or recipient.lives_with_pupil):
            # s576 EA 1996: a parent is anyone with parental responsibility or
            # who has day-to-day care of the child.
            raise ValidationError(
                f"{recipient.carer} neither has parental responsibility for "
                f"{case.pupil} nor lives with them, so is not a parent for a penalty "
                "notice."
            )
        # Every notice to this parent for this child counts, whichever school's
        # case it was issued on: the limit is per parent per child, nationally.
        earlier = list(
            PenaltyNotice.unscoped.select_for_update()
            .filter(recipient=recipient)
            .values_list("issued_on", "status")
        )
        terms = rules.penalty_terms(issued_on=issued_on, earlier=earlier)
        if isinstance(terms, rules.Refusal):
            raise ValidationError(terms.reason, code="penalty_limit")
        notice = PenaltyNotice.unscoped.create(
            case=case,
            recipient=recipient,
            issued_on=issued_on,
            issued_by=acting_user,
            sequence=terms.sequence,
            offence=reason,
            amount_if_paid_by_day_21=terms.amount_if_paid_by_day_21,
            reduced_due_on=terms.reduced_due_on,
            amount_if_paid_by_day_28=terms.amount_if_paid_by_day_28,
            full_due_on=terms.full_due_on,
            updated_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=notice,
            school=case.school,
            changes={
                "recipient": str(recipient),
                "issued_on": issued_on.isoformat(),
                "sequence": terms.sequence,
                "amount_if_paid_by_day_21": terms.amount_if_paid_by_day_21,
                "reduced_due_on": terms.reduced_due_on.isoformat()
                if terms.reduced_due_on
                else None,
                "amount_if_paid_by_day_28": terms.amount_if_paid_by_day_28,
                "full_due_on": terms.full_due_on.isoformat(),
                "offence": reason,
            },
        )
    return notice


def penalty_notice_record_payment(
    *, acting_user: User, notice_id: int, paid_on: dt.date, amount: int
) -> PenaltyNotice:
    """Record that the notice was paid. `amount` is in pence and must be what
    was due on `paid_on`: £80 by day 21 of a first notice, otherwise £160 by
    day 28. A part payment does not discharge the notice, so it is refused."""
    _check_not_future(paid_on, "payment date")
    with transaction.atomic():
        notice = _notice_for_change(acting_user=acting_user, notice_id=notice_id)
        verdict = rules.can_record_payment(notice, paid_on)
        if not verdict:
            raise ValidationError(verdict.reason, code="payment_refused")
        due = rules.amount_due(notice, paid_on)
        if amount != due:
            assert due is not None  # can_record_payment checked the period
            raise ValidationError(
                f"{rules.pounds(due)} was due for a payment on "
                f"{rules.long_date(paid_on)}, not {rules.pounds(amount)}.",
                code="wrong_amount",
            )
        notice.status = PenaltyNotice.Status.PAID
        notice.paid_on = paid_on
        notice.amount_paid = amount
        notice.updated_by = acting_user
        notice.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=notice.case.school,
            changes={
                "status": [rules.ISSUED, rules.PAID],
                "paid_on": paid_on.isoformat(),
                "amount_paid": amount,
            },
        )
    return notice


def penalty_notice_withdraw(
    *,
    acting_user: User,
    notice_id: int,
    ground: str,
    note: str,
    withdrawn_on: dt.date | None = None,
) -> PenaltyNotice:
    """Withdraw a notice on one of the grounds of regs 8 and 9. It then no
    longer counts towards the 3-year limit, no proceedings may follow it, and
    any amount paid is to be refunded (the page will say so)."""
    withdrawn_on = withdrawn_on or today()
    _check_not_future(withdrawn_on, "withdrawal date")
    with transaction.atomic():
        notice = _notice_for_change(acting_user=acting_user, notice_id=notice_id)
        verdict = rules.can_withdraw(notice, ground, withdrawn_on)
        if not verdict:
            raise ValidationError(verdict.reason, code="withdrawal_refused")
        if withdrawn_on < notice.issued_on:
            raise ValidationError("A notice cannot be withdrawn before it was issued.")
        before = notice.status
        notice.status = PenaltyNotice.Status.WITHDRAWN
        notice.withdrawn_on = withdrawn_on
        notice.withdrawal_ground = ground
        notice.withdrawal_note = note.strip()
        notice.updated_by = acting_user
        notice.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=notice.case.school,
            changes={
                "status": [before, rules.WITHDRAWN],
                "withdrawn_on": withdrawn_on.isoformat(),
                "withdrawal_ground": ground,
                "refund_due": notice.amount_paid if before == rules.PAID else None,
            },
            note=note.strip(),
        )
    return notice


def penalty_notice_prosecute(
    *, acting_user: User, notice_id: int, decided_on: dt.date, note: str
) -> PenaltyNotice:
    """Record the LA's decision to prosecute for the offence the notice was
    for: only after the payment period, never for a paid or withdrawn notice."""
    _check_not_future(decided_on, "decision date")
    with transaction.atomic():
        notice = _notice_for_change(acting_user=acting_user, notice_id=notice_id)
        verdict = rules.can_prosecute(notice, decided_on)
        if not verdict:
            raise ValidationError(verdict.reason, code="prosecution_refused")
        notice.status = PenaltyNotice.Status.PROSECUTION
        notice.prosecution_decided_on = decided_on
        notice.prosecution_note = note.strip()
        notice.updated_by = acting_user
        notice.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=notice.case.school,
            changes={
                "status": [rules.ISSUED, rules.PROSECUTION],
                "prosecution_decided_on": decided_on.isoformat(),
            },
            note=note.strip(),
        )
    return notice
