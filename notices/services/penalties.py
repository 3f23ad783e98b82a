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
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.rules import is_la_officer, is_system_admin
from attendance.loading import registers_by_pupil
from attendance.years import academic_year_of
from cases.models import AttendanceCase
from core.audit import audit_record
from core.dates import today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pupils.models import PupilCarer

from .. import penalties as rules
from ..models import HolidayRequest, LADecision, PenaltyNotice


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


# Routes to a notice ----------------------------------------------------------------


@dataclass(frozen=True)
class RouteGrant:
    """What a route allows: the source that authorises the notice, the parents
    it may go to, and the earliest issue date."""

    route: str
    decision: LADecision | None
    recipient_ids: frozenset[int]
    recipients_refusal: str
    not_before: dt.date
    described: str
    holiday_request: HolidayRequest | None = None


class IssueRoute(Protocol):
    """A way a penalty notice comes to be issued. `grant` finds the source on
    this case (or refuses) and says who may receive the notice. A holiday
    request (leave of absence taken without authorisation) is the second."""

    key: str

    def grant(self, *, case: AttendanceCase, source_id: int) -> RouteGrant: ...


class LADecisionRoute:
    """From the LA's decision of "penalty notice" on a referral it accepted, to
    a parent the Notice to Improve behind that referral was served on."""

    key: str = PenaltyNotice.Route.LA_DECISION.value

    def grant(self, *, case: AttendanceCase, source_id: int) -> RouteGrant:
        decision = (
            LADecision.unscoped.select_related("referral__notice")
            .filter(pk=source_id, referral__case=case)
            .first()
        )
        if decision is None:
            raise ValidationError(
                "A penalty notice follows the LA's decision on this case's referral: "
                "record the decision first.",
                code="no_decision",
            )
        if decision.kind != LADecision.Kind.PENALTY_NOTICE:
            raise ValidationError(
                f"The LA decided {decision.get_kind_display().lower()} on this referral, "
                "not a penalty notice.",
                code="not_a_penalty_decision",
            )
        if decision.referral.accepted_at is None:
            raise ValidationError(
                "The referral behind this decision was never accepted by the LA.",
                code="referral_not_accepted",
            )
        notice = decision.referral.notice
        recipients = frozenset(notice.recipients.values_list("pk", flat=True))
        return RouteGrant(
            route=self.key,
            decision=decision,
            recipient_ids=recipients,
            recipients_refusal=(
                f"This parent was not served the Notice to Improve of "
                f"{rules.long_date(notice.issued_on)}, so cannot be issued a penalty notice "
                "on the LA's decision that followed it."
            ),
            not_before=decision.decided_on,
            described=f"LA decision {decision.pk} of {decision.decided_on.isoformat()}",
        )


class HolidayRequestRoute:
    """From a holiday request the LA accepted (leave of absence refused by the
    school and taken: code G), to a parent the school named as responsible for
    the leave. The request was attached to this case when it was accepted."""

    key: str = PenaltyNotice.Route.HOLIDAY_REQUEST.value

    def grant(self, *, case: AttendanceCase, source_id: int) -> RouteGrant:
        request = HolidayRequest.unscoped.filter(pk=source_id, case=case).first()
        if request is None or request.status != HolidayRequest.Status.ACCEPTED:
            raise ValidationError(
                "A penalty notice for leave of absence follows a holiday request the LA "
                "accepted on this case.",
                code="no_accepted_holiday_request",
            )
        assert request.accepted_at is not None  # the model's constraint
        accepted_on = timezone.localtime(request.accepted_at).date()
        return RouteGrant(
            route=self.key,
            decision=None,
            holiday_request=request,
            recipient_ids=frozenset(request.parents.values_list("pk", flat=True)),
            recipients_refusal=(
                "The school did not name this parent as responsible for the leave in the "
                "holiday request, so they cannot be issued a penalty notice on it."
            ),
            not_before=accepted_on,
            described=f"Holiday request {request.pk} (version {request.version}) accepted "
            f"{accepted_on.isoformat()}",
        )


ROUTES: dict[str, IssueRoute] = {
    LADecisionRoute.key: LADecisionRoute(),
    HolidayRequestRoute.key: HolidayRequestRoute(),
}


def penalty_decisions(case: AttendanceCase) -> list[LADecision]:
    """The case's decisions a notice may be issued on (the issue form's choices)."""
    return list(
        LADecision.unscoped.filter(
            referral__case=case,
            kind=LADecision.Kind.PENALTY_NOTICE,
            referral__accepted_at__isnull=False,
        )
        .select_related("referral__notice")
        .order_by("-decided_on", "-pk")
    )


def penalty_holiday_requests(case: AttendanceCase) -> list[HolidayRequest]:
    """The case's accepted holiday requests: the other route a notice may be
    issued on (`HolidayRequestRoute`), shown beside the LA's decisions."""
    return list(
        HolidayRequest.unscoped.filter(case=case, status=HolidayRequest.Status.ACCEPTED)
        .select_related("accepted_by")
        .prefetch_related("parents__carer")
        .order_by("-accepted_at", "-pk")
    )


def _offence_sessions(
    pupil_id: int, first: dt.date, last: dt.date
) -> list[rules.UnauthorisedSession]:
    years = range(academic_year_of(first), academic_year_of(last) + 1)
    registers = registers_by_pupil([pupil_id], years=years).get(pupil_id, [])
    return rules.unauthorised_sessions(registers, first, last)


def penalty_notice_issue(
    *,
    acting_user: User,
    case_id: int,
    recipient_id: int,
    issued_on: dt.date,
    offence_first_day: dt.date,
    offence_last_day: dt.date,
    service_method: str,
    served_on: dt.date,
    source_id: int,
    route: str = PenaltyNotice.Route.LA_DECISION,
    reason: str = "",
    issue_token: uuid.UUID | None = None,
) -> PenaltyNotice:
    """Issue a penalty notice to one parent for the case's pupil, through a
    route (the LA's decision), or refuse it with the reason.

    Refused: a closed case; no source on this route; a parent not served the
    Notice to Improve; a child not of compulsory school age on the issue date
    or any day of the offence period; an offence period with no unauthorised
    session in the registers, or overlapping another notice (not withdrawn)
    to this parent for this child; a third within 3 years of the first.

    The same form posted again (same `issue_token`) returns the notice the
    first post made instead of making another."""
    _check_may_act(acting_user)
    if route not in ROUTES:
        raise ValidationError("Choose how the notice comes to be issued.")
    if service_method not in rules.ServiceMethod.LABELS:
        raise ValidationError(
            {"service_method": "Select how the notice was served"}, code="service_method"
        )
    _check_not_future(issued_on, "issue date")
    _check_not_future(served_on, "date of service")
    if served_on < issued_on:
        raise ValidationError(
            {"served_on": "The notice cannot be served before the date it was issued"}
        )
    reason = reason.strip()
    with transaction.atomic():
        case = get_for_user_or_404(
            AttendanceCase.objects.for_user(acting_user).select_related("pupil", "school"),
            acting_user,
            pk=case_id,
        )
        # Locking the parent-child link serialises every issue to this parent for
        # this child: the token, overlap and 3-year checks below read notices
        # committed by whoever held the lock before us (PostgreSQL read committed).
        recipient = (
            PupilCarer.unscoped.select_for_update(of=("self",))
            .select_related("carer")
            .filter(pk=recipient_id, pupil_id=case.pupil_id)
            .first()
        )
        if recipient is None:
            raise ValidationError(f"Choose a parent or carer of {case.pupil}.")
        if issue_token is not None:
            already = PenaltyNotice.unscoped.filter(
                issue_token=issue_token, case=case, recipient=recipient
            ).first()
            if already is not None:
                return already
        if case.status != AttendanceCase.Status.OPEN:
            raise ValidationError(
                "This case is closed: a penalty notice is issued only on an open case.",
                code="case_closed",
            )
        grant = ROUTES[route].grant(case=case, source_id=source_id)
        if issued_on < grant.not_before:
            raise ValidationError(
                f"The notice cannot be dated before the decision it follows "
                f"({rules.long_date(grant.not_before)})."
            )
        # Education Act 1996 s8: only for a child of compulsory school age on the
        # day the notice is issued, and on every day of the offence.
        refusal = rules.school_age_refusal(
            date_of_birth=case.pupil.date_of_birth, issued_on=issued_on
        )
        if refusal is not None:
            raise ValidationError(refusal.reason, code="not_of_compulsory_school_age")
        period_refusal = rules.offence_period_refusal(
            first=offence_first_day,
            last=offence_last_day,
            issued_on=issued_on,
            date_of_birth=case.pupil.date_of_birth,
        )
        if period_refusal is not None:
            raise ValidationError(period_refusal, code="offence_period")
        if not (recipient.parental_responsibility or recipient.lives_with_pupil):
            # s576 EA 1996: a parent is anyone with parental responsibility or
            # who has day-to-day care of the child.
            raise ValidationError(
                f"{recipient.carer} neither has parental responsibility for "
                f"{case.pupil} nor lives with them, so is not a parent for a penalty "
                "notice."
            )
        if recipient.pk not in grant.recipient_ids:
            raise ValidationError(grant.recipients_refusal, code="not_served_the_notice")
        # Every notice to this parent for this child counts, whichever school's
        # case it was issued on: the limit is per parent per child, nationally.
        earlier = list(
            PenaltyNotice.unscoped.filter(recipient=recipient).values_list(
                "issued_on", "status", "offence_first_day", "offence_last_day"
            )
        )
        clash = rules.overlapping_period(
            offence_first_day,
            offence_last_day,
            [
                (first, last)
                for _, status, first, last in earlier
                if status != rules.WITHDRAWN and first is not None and last is not None
            ],
        )
        if clash is not None:
            raise ValidationError(
                f"{recipient.carer} already has a penalty notice for {case.pupil} for "
                f"{rules.long_date(clash[0])} to {rules.long_date(clash[1])}, which shares "
                "days with this offence period. One offence, one notice: withdraw that "
                "notice first if it is wrong.",
                code="overlapping_period",
            )
        sessions = _offence_sessions(case.pupil_id, offence_first_day, offence_last_day)
        if not sessions:
            raise ValidationError(
                f"The registers show no unauthorised absence for {case.pupil} from "
                f"{rules.long_date(offence_first_day)} to {rules.long_date(offence_last_day)}: "
                "a penalty notice is for unauthorised absence.",
                code="no_unauthorised_absence",
            )
        received_on = rules.deemed_receipt(served_on=served_on, method=service_method)
        terms = rules.penalty_terms(
            issued_on=issued_on,
            received_on=received_on,
            earlier=[(day, status) for day, status, _, _ in earlier],
        )
        if isinstance(terms, rules.Refusal):
            raise ValidationError(terms.reason, code="penalty_limit")
        try:
            # The lock above already serialises posts of one form; the unique
            # token is the database's own guard should a write bypass it.
            with transaction.atomic():
                notice = PenaltyNotice.unscoped.create(
                    case=case,
                    recipient=recipient,
                    route=grant.route,
                    decision=grant.decision,
                    holiday_request=grant.holiday_request,
                    issued_on=issued_on,
                    issued_by=acting_user,
                    sequence=terms.sequence,
                    offence_first_day=offence_first_day,
                    offence_last_day=offence_last_day,
                    unauthorised_sessions=[s.as_dict() for s in sessions],
                    reason=reason,
                    service_method=service_method,
                    served_on=served_on,
                    received_on=received_on,
                    issue_token=issue_token,
                    amount_if_paid_by_day_21=terms.amount_if_paid_by_day_21,
                    reduced_due_on=terms.reduced_due_on,
                    amount_if_paid_by_day_28=terms.amount_if_paid_by_day_28,
                    full_due_on=terms.full_due_on,
                    updated_by=acting_user,
                )
        except IntegrityError:
            if issue_token is None:
                raise
            return PenaltyNotice.unscoped.get(issue_token=issue_token)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=notice,
            school=case.school,
            changes={
                "recipient": str(recipient),
                "route": grant.route,
                "source": grant.described,
                "issued_on": issued_on.isoformat(),
                "offence_period": [offence_first_day.isoformat(), offence_last_day.isoformat()],
                "unauthorised_sessions": len(sessions),
                "service_method": service_method,
                "served_on": served_on.isoformat(),
                "received_on": received_on.isoformat(),
                "sequence": terms.sequence,
                "amount_if_paid_by_day_21": terms.amount_if_paid_by_day_21,
                "reduced_due_on": terms.reduced_due_on.isoformat()
                if terms.reduced_due_on
                else None,
                "amount_if_paid_by_day_28": terms.amount_if_paid_by_day_28,
                "full_due_on": terms.full_due_on.isoformat(),
            },
            note=reason,
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
    *,
    acting_user: User,
    notice_id: int,
    decided_on: dt.date,
    note: str,
    eso_considered: bool = False,
    eso_note: str = "",
    contract_explored: bool | None = None,
    contract_note: str = "",
) -> PenaltyNotice:
    """Record the LA's decision to prosecute for the offence the notice was
    for: only after the payment period, never for a paid or withdrawn notice,
    never after the 6 months for laying the information (s127 MCA 1980), and
    only once an education supervision order was considered (s447 EA 1996) and
    an attendance contract explored or the reason it was not given."""
    _check_not_future(decided_on, "decision date")
    errors = rules.prosecution_safeguard_errors(
        eso_considered=eso_considered,
        eso_note=eso_note,
        contract_explored=contract_explored,
        contract_note=contract_note,
    )
    with transaction.atomic():
        notice = _notice_for_change(acting_user=acting_user, notice_id=notice_id)
        verdict = rules.can_prosecute(notice, decided_on)
        if not verdict:
            raise ValidationError(verdict.reason, code="prosecution_refused")
        if notice.offence_last_day is not None:
            limit = rules.information_limit(notice.offence_last_day)
            if decided_on > limit.lay_by:
                raise ValidationError(
                    f"The information had to be laid by {rules.long_date(limit.lay_by)}, "
                    f"six months after the offence period ended on "
                    f"{rules.long_date(notice.offence_last_day)} (Magistrates' Courts Act "
                    "1980 s127): no prosecution can follow. Withdraw the notice.",
                    code="time_barred",
                )
        if errors:
            raise ValidationError(errors)
        notice.status = PenaltyNotice.Status.PROSECUTION
        notice.prosecution_decided_on = decided_on
        notice.prosecution_note = note.strip()
        notice.prosecution_eso_considered = eso_considered
        notice.prosecution_eso_note = eso_note.strip()
        notice.prosecution_contract_explored = contract_explored
        notice.prosecution_contract_note = contract_note.strip()
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
                "eso_considered": eso_considered,
                "eso_note": eso_note.strip(),
                "contract_explored": contract_explored,
                "contract_note": contract_note.strip(),
            },
            note=note.strip(),
        )
    return notice


def penalty_notice_information_laid(
    *,
    acting_user: User,
    notice_id: int,
    laid_on: dt.date,
    note: str = "",
    day: dt.date | None = None,
) -> PenaltyNotice:
    """Record that the LA laid the information at the magistrates' court (the
    prosecution started) on `laid_on`, for a notice it decided to prosecute.
    The six-month limit (s127 MCA 1980) is then met and no longer flagged.

    Refused: a notice with no decision to prosecute, or one already recorded;
    a date in the future (as at `day`, today by default), before the decision,
    or after the six-month limit (`rules.information_laid_refusal`)."""
    with transaction.atomic():
        notice = _notice_for_change(acting_user=acting_user, notice_id=notice_id)
        if notice.status != PenaltyNotice.Status.PROSECUTION:
            raise ValidationError(
                "The information is laid on a decision to prosecute: record the decision first.",
                code="not_prosecuted",
            )
        if notice.information_laid_on is not None:
            raise ValidationError(
                f"The information was already recorded as laid on "
                f"{rules.long_date(notice.information_laid_on)}.",
                code="already_laid",
            )
        assert notice.prosecution_decided_on is not None  # the model's constraint
        errors = rules.information_laid_refusal(
            laid_on=laid_on,
            today=day or today(),
            decided_on=notice.prosecution_decided_on,
            offence_last_day=notice.offence_last_day,
        )
        if errors:
            raise ValidationError(errors, code="information_laid")
        notice.information_laid_on = laid_on
        notice.information_laid_by = acting_user
        notice.information_laid_note = note.strip()
        notice.updated_by = acting_user
        notice.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=notice.case.school,
            changes={"information_laid_on": laid_on.isoformat()},
            note=note.strip(),
        )
    return notice
