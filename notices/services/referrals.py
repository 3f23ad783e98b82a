"""Writes to legal-intervention referrals: the school submits (rule A4), the LA
returns, accepts and decides.

Each service runs in one transaction, finds the referral in the acting user's
scope (404 otherwise), checks the role and the referral's state, and writes an
audit row. The LA's writes do not go through `case_for_change`: LA users do not
change casework, but their decisions move the case between stages.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import User
from attendance.loading import registers_by_pupil
from attendance.years import academic_year_of
from cases.models import AttendanceCase, CaseShare
from cases.services.casework import case_for_change
from cases.services.sharing import case_share_with_la
from core.audit import audit_record
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pathway.models import PathwayEvaluation
from pathway.services import evaluation_record

from ..bundle import bundle_build
from ..models import LADecision, LegalReferral, NoticeToImprove, RegisterCertificate
from ..penalties import (
    UnauthorisedSession,
    decision_period_errors,
    information_laid_refusal,
    long_date,
    prosecution_safeguard_errors,
    recorded_span,
    unauthorised_sessions,
)


class ReferralNotAllowed(ValidationError):
    """The REFERRAL rule set does not pass: `missing` says what is not met."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            ["A referral cannot be submitted yet. Not met:", *missing], code="not_allowed"
        )


def referral_submit(
    *,
    acting_user: User,
    case_id: int,
    early_referral_reason: str = "",
    day: dt.date | None = None,
    at: dt.datetime | None = None,
) -> LegalReferral:
    """Submit (or, after a return, resubmit) the case's referral for its latest
    notice. There is no override for engaging parents here: a referral needs
    them assessed as not engaging (rule A4); the override is the notice's.
    `day` and `at`: as at a past day, for a history written as at its own days
    (the demo); the pages never pass them."""
    if not (acting_user.is_school_user and acting_user.has_perm("cases.change_case")):
        raise PermissionDenied("Only the school's attendance lead or DSL can submit a referral.")
    day = day or today()
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        notice = (
            NoticeToImprove.unscoped.filter(
                case=case, issued_on__lte=day, status=NoticeToImprove.Status.LIVE
            )
            .order_by("-issued_on", "-pk")
            .first()
        )
        if notice is None:
            raise ValidationError("Issue a Notice to Improve before referring.")
        # Checked before the evaluation, so a second click does not store a verdict.
        locked = list(LegalReferral.unscoped.select_for_update().filter(notice=notice))
        if any(r.is_live for r in locked):
            raise ValidationError(
                "A referral for this Notice to Improve has already been submitted."
            )
        if any(r.status == LegalReferral.Status.DECIDED for r in locked):
            raise ValidationError("The LA has already decided on the referral for this notice.")
        evaluation = evaluation_record(
            acting_user=acting_user,
            case_id=case.pk,
            rule_set=PathwayEvaluation.RuleSet.REFERRAL,
            day=day,
            early_referral_reason=early_referral_reason,
        )
        if not evaluation.allowed:
            # Leave the block so the refused verdict is kept as evidence of what
            # the school saw; the refusal is raised after the commit.
            refused = [
                c["missing"] or c["title"]
                for c in evaluation.checks
                if c["blocking"] and not c["met"]
            ]
        else:
            refused = []
            referral = _create(acting_user, case, notice, evaluation, locked, day, at or now())
    if refused:
        raise ReferralNotAllowed(refused)
    return referral


def _create(
    acting_user: User,
    case: AttendanceCase,
    notice: NoticeToImprove,
    evaluation: PathwayEvaluation,
    earlier: list[LegalReferral],
    day: dt.date,
    at: dt.datetime,
) -> LegalReferral:
    """The referral with its frozen bundle; the case moves to "referred". Inside
    `referral_submit`'s transaction, with the case locked."""
    version = max((r.version for r in earlier), default=0) + 1
    bundle = bundle_build(case, notice, day, user=acting_user, evaluation=evaluation)
    try:
        with transaction.atomic():
            referral = LegalReferral.unscoped.create(
                case=case,
                notice=notice,
                version=version,
                submitted_at=at,
                submitted_by=acting_user,
                early_referral_reason=evaluation.early_referral_reason,
                override_reason=evaluation.override_reason,
                bundle=bundle,
            )
    except IntegrityError as exc:
        # Two leads submitting at once: the constraint keeps one.
        raise ValidationError(
            "A referral for this Notice to Improve has already been submitted."
        ) from exc
    case.stage = AttendanceCase.Stage.REFERRED
    case.version += 1
    case.save(update_fields=["stage", "version", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.CREATE,
        target=referral,
        school=case.school,
        changes={"version": version, "notice": notice.pk, "evaluation": evaluation.pk},
    )
    # The LA reviews the whole case file, not only the bundle. A returned
    # referral keeps the share: the LA has read the file, and the school is
    # expected to send it back corrected (docs/security.md, need to know).
    case_share_with_la(
        acting_user=acting_user,
        case=case,
        kind=CaseShare.Kind.REFERRAL,
        reason=f"Referral version {version} submitted to the LA.",
        at=at,
    )
    return referral


def _for_la(acting_user: User, referral_id: int) -> LegalReferral:
    """The referral, locked, for an LA officer or manager of the school's LA.

    Scope first (another LA's referral is a 404, as if it did not exist), then
    the role (the school can see its referral but not act as the LA: 403)."""
    referral = get_for_user_or_404(
        LegalReferral.objects.for_user(acting_user)
        .select_for_update(of=("self",))
        .select_related("case", "case__school"),
        acting_user,
        pk=referral_id,
    )
    if not acting_user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can act on a referral.")
    return referral


def referral_return(
    *, acting_user: User, referral_id: int, reasons: str, at: dt.datetime | None = None
) -> LegalReferral:
    """Send a submitted referral back to the school, saying what it needs.
    `at`: when, for a history written as at its own days (the demo)."""
    if not reasons.strip():
        raise ValidationError({"reasons": "Enter what the school needs to add or change"})
    with transaction.atomic():
        referral = _for_la(acting_user, referral_id)
        if referral.status != LegalReferral.Status.SUBMITTED:
            raise ValidationError(
                f"Only a submitted referral can be returned; this one is "
                f"{referral.get_status_display().lower()}."
            )
        referral.status = LegalReferral.Status.RETURNED
        referral.returned_at = at or now()
        referral.returned_by = acting_user
        referral.return_reasons = reasons.strip()
        referral.save(
            update_fields=["status", "returned_at", "returned_by", "return_reasons", "updated_at"]
        )
        # Back to the notice stage, so the school can add what is missing.
        case = AttendanceCase.unscoped.select_for_update().get(pk=referral.case_id)
        case.stage = AttendanceCase.Stage.NOTICE_TO_IMPROVE
        case.version += 1
        case.save(update_fields=["stage", "version", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=referral,
            school=case.school,
            changes={"status": ["submitted", "returned"], "reasons": reasons.strip()},
        )
    return referral


def _keep_referred(referral: LegalReferral) -> dict[str, list[str]]:
    """While the LA works on a referral, and after its decision, the case is at
    the referred stage: submit sets it, but a stage changed in between (by hand,
    or by an older write) would leave the case page and the caseload behind the
    LA. Returns the change for the audit row, if any."""
    case = AttendanceCase.unscoped.select_for_update().get(pk=referral.case_id)
    if case.stage == AttendanceCase.Stage.REFERRED or case.status != AttendanceCase.Status.OPEN:
        return {}
    change = {"stage": [case.stage, AttendanceCase.Stage.REFERRED.value]}
    case.stage = AttendanceCase.Stage.REFERRED
    case.version += 1
    case.save(update_fields=["stage", "version", "updated_at"])
    return change


def referral_accept(
    *, acting_user: User, referral_id: int, at: dt.datetime | None = None
) -> LegalReferral:
    """`at`: when, for a history written as at its own days (the demo)."""
    with transaction.atomic():
        referral = _for_la(acting_user, referral_id)
        if referral.status != LegalReferral.Status.SUBMITTED:
            raise ValidationError(
                f"Only a submitted referral can be accepted; this one is "
                f"{referral.get_status_display().lower()}."
            )
        referral.status = LegalReferral.Status.ACCEPTED
        referral.accepted_at = at or now()
        referral.accepted_by = acting_user
        referral.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=referral,
            school=referral.case.school,
            changes={"status": ["submitted", "accepted"], **_keep_referred(referral)},
        )
    return referral


def referral_decide(
    *,
    acting_user: User,
    referral_id: int,
    kind: str,
    reason: str,
    decided_on: dt.date,
    eso_considered: bool,
    eso_note: str = "",
    contract_explored: bool | None = None,
    contract_note: str = "",
    offence_first_day: dt.date | None = None,
    offence_last_day: dt.date | None = None,
) -> LADecision:
    """Record the LA's decision on an accepted referral. A prosecution needs the
    same safeguards as one after an unpaid penalty notice
    (`notices.penalties.prosecution_safeguard_errors`), and its offence period:
    the six-month limit for laying the information runs from its last day
    (`notices.penalties.decision_period_errors`); the unauthorised sessions in
    it are frozen on the decision, and a period with none is refused. Other
    decisions take no offence period."""
    errors: dict[str, str] = {}
    if kind not in LADecision.Kind.values:
        errors["kind"] = "Select the LA's decision"
    if not reason.strip():
        errors["reason"] = "Enter the reason for the decision"
    if decided_on > today():
        errors["decided_on"] = "The date of the decision must be today or in the past"
    # EA 1996 s447: the LA must consider an education supervision order before prosecuting
    # (docs/rules.md#legal-intervention-referral).
    if kind in LADecision.PROSECUTIONS:
        errors.update(
            prosecution_safeguard_errors(
                eso_considered=eso_considered,
                eso_note=eso_note,
                contract_explored=contract_explored,
                contract_note=contract_note,
            )
        )
    prosecution = kind in LADecision.PROSECUTIONS
    if not prosecution:
        offence_first_day = offence_last_day = None
    sessions: list[UnauthorisedSession] = []
    with transaction.atomic():
        referral = _for_la(acting_user, referral_id)
        if referral.status != LegalReferral.Status.ACCEPTED:
            raise ValidationError(
                f"A decision is recorded on an accepted referral; this one is "
                f"{referral.get_status_display().lower()}."
            )
        # A court takes the register extract on the head teacher's certificate
        # (EA 1996 s566): no prosecution on an uncertified extract
        # (docs/rules.md#register-certificate).
        if (
            kind in LADecision.PROSECUTIONS
            and "kind" not in errors
            and not RegisterCertificate.unscoped.filter(referral=referral).exists()
        ):
            errors["kind"] = (
                "A prosecution needs the head teacher's register certificate (Education Act "
                "1996 s566) signed on this referral: ask the school to sign it"
            )
        if prosecution and "decided_on" not in errors:
            period_errors, sessions = _offence_period(
                referral.case.pupil_id, offence_first_day, offence_last_day, decided_on
            )
            errors.update(period_errors)
        if errors:
            raise ValidationError(errors)
        decision = LADecision.unscoped.create(
            referral=referral,
            kind=kind,
            reason=reason.strip(),
            decided_on=decided_on,
            decided_by=acting_user,
            eso_considered=eso_considered,
            eso_note=eso_note.strip(),
            contract_explored=contract_explored,
            contract_note=contract_note.strip(),
            offence_first_day=offence_first_day,
            offence_last_day=offence_last_day,
            unauthorised_sessions=[session.as_dict() for session in sessions],
        )
        referral.status = LegalReferral.Status.DECIDED
        referral.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=decision,
            school=referral.case.school,
            changes={
                "kind": kind,
                "decided_on": decided_on.isoformat(),
                "eso": eso_considered,
                "contract_explored": contract_explored,
                **(
                    {
                        "offence_period": [
                            offence_first_day.isoformat(),
                            offence_last_day.isoformat(),
                        ],
                        "unauthorised_sessions": len(sessions),
                    }
                    if offence_first_day and offence_last_day
                    else {}
                ),
                **_keep_referred(referral),
            },
        )
    return decision


def _offence_period(
    pupil_id: int, first: dt.date | None, last: dt.date | None, decided_on: dt.date
) -> tuple[dict[str, str], list[UnauthorisedSession]]:
    """The refusals of a prosecution's offence period and, when none, its
    unauthorised sessions from every school's registers (as a penalty notice's)."""
    if first is None or last is None or last < first:
        return decision_period_errors(
            first=first, last=last, decided_on=decided_on, today=today(), span=None
        ), []
    years = range(academic_year_of(first), academic_year_of(last) + 1)
    registers = registers_by_pupil([pupil_id], years=years).get(pupil_id, [])
    errors = decision_period_errors(
        first=first,
        last=last,
        decided_on=decided_on,
        today=today(),
        span=recorded_span(registers),
    )
    if errors:
        return errors, []
    sessions = unauthorised_sessions(registers, first, last)
    if not sessions:
        return {
            "offence_first_day": f"The registers show no unauthorised absence from "
            f"{long_date(first)} to {long_date(last)}: a prosecution is for unauthorised absence"
        }, []
    return {}, sessions


def next_version(notice: NoticeToImprove) -> int:
    """The version a (re)submission for `notice` would get: for the submit page."""
    top = LegalReferral.unscoped.filter(notice=notice).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def referral_decision_information_laid(
    *,
    acting_user: User,
    decision_id: int,
    laid_on: dt.date,
    note: str = "",
    day: dt.date | None = None,
) -> LADecision:
    """Record that the LA laid the information at the magistrates' court on
    `laid_on` for a referral decision to prosecute: the six-month limit
    (s127 MCA 1980) is then met. The same refusals as after an unpaid penalty
    notice (`notices.penalties.information_laid_refusal`), as at `day` (today
    by default); a decision without an offence period cannot show the limit
    met, so it is refused."""
    with transaction.atomic():
        decision = get_for_user_or_404(
            LADecision.objects.for_user(acting_user)
            .select_for_update(of=("self",))
            .select_related("referral__case__school"),
            acting_user,
            pk=decision_id,
        )
        if not acting_user.has_perm("notices.review_referral"):
            raise PermissionDenied("Only LA officers and managers can record a prosecution.")
        if decision.kind not in LADecision.PROSECUTIONS:
            raise ValidationError(
                "The information is laid on a decision to prosecute; this decision is "
                f"{decision.get_kind_display().lower()}.",
                code="not_prosecuted",
            )
        if decision.offence_last_day is None:
            raise ValidationError(
                "This decision has no offence period, so the six-month limit cannot be shown "
                "as met.",
                code="no_offence_period",
            )
        if decision.information_laid_on is not None:
            raise ValidationError(
                f"The information was already recorded as laid on "
                f"{long_date(decision.information_laid_on)}.",
                code="already_laid",
            )
        errors = information_laid_refusal(
            laid_on=laid_on,
            today=day or today(),
            decided_on=decision.decided_on,
            offence_last_day=decision.offence_last_day,
        )
        if errors:
            raise ValidationError(errors, code="information_laid")
        decision.information_laid_on = laid_on
        decision.information_laid_by = acting_user
        decision.information_laid_note = note.strip()
        decision.save(
            update_fields=["information_laid_on", "information_laid_by", "information_laid_note"]
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=decision,
            school=decision.referral.case.school,
            changes={"information_laid_on": laid_on.isoformat()},
            note=note.strip(),
        )
    return decision
