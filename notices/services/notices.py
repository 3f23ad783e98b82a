"""Issuing a Notice to Improve, recording its outcome, and recording that the
parents were told a referral will be made (rule A4).

Every service: keyword-only, take the acting user, run in one transaction,
lock the case through `case_for_change` (404 out of scope, 403 read-only,
closed refused) and write an audit row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Role, User
from attendance.figures import NATIONAL_THRESHOLD_WEEKS
from attendance.services.calendars import school_days_after
from cases.models import AttendanceCase
from cases.services.casework import case_for_change
from core.audit import audit_record
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pathway.models import PathwayEvaluation, settings_for
from pathway.rules import Evaluation, early_referral_grounds_for, long_date
from pathway.services import evaluation_record_with_verdict
from pupils.models import PupilCarer
from pupils.selectors import correspondence_recipients as pupil_correspondence_recipients

from ..models import LegalReferral, NoticeToImprove, ParentsToldOfReferral

# The notice is the school's own formal step: the LA reviews what follows it
# (the referral) but never issues one, and a system administrator is not a
# member of the school's staff.
ISSUING_ROLES = (Role.ATTENDANCE_LEAD, Role.DSL)


class NoticeRefused(ValidationError):
    """The pathway does not allow a notice yet; `messages` lists what is missing."""


def may_issue(user: object) -> bool:
    return getattr(user, "role", None) in ISSUING_ROLES


def _require_issuing_role(user: User) -> None:
    if not may_issue(user):
        raise PermissionDenied(
            "Only the school's attendance lead or designated safeguarding lead can issue "
            "a Notice to Improve or record its outcome."
        )


def correspondence_recipients(case: AttendanceCase) -> list[PupilCarer]:
    """The pupil's carers who receive the school's letters (pupils.selectors:
    every parent or carer living with the pupil, and a parent who lives
    elsewhere after the DSL's decision)."""
    return pupil_correspondence_recipients(case.pupil_id)


def running_notice(case_id: int) -> NoticeToImprove | None:
    """The notice whose improvement period has no outcome yet, if any."""
    return (
        NoticeToImprove.unscoped.filter(
            case_id=case_id,
            outcome=NoticeToImprove.Outcome.PENDING,
            status=NoticeToImprove.Status.LIVE,
        )
        .order_by("-issued_on", "-pk")
        .first()
    )


def issue_date_check(
    case: AttendanceCase, issued_on: dt.date, *, as_at: dt.date | None = None
) -> None:
    """A notice is dated today or a recent past school day: no later than
    today, and no more than the LA's `notice_backdate_school_days` school days
    back (5 by default), so the rules, evaluated as at that date, judge what
    was on record when the parents were given it. `as_at` is "today" for a
    record written as at a past day (the demo's history); pages never pass it."""
    now = as_at or today()
    if issued_on > now:
        raise ValidationError({"issued_on": ["The date of issue must be today or in the past"]})
    if issued_on == now:
        return
    back = settings_for(case.school.local_authority_id).notice_backdate_school_days
    is_school_day = (
        school_days_after(school_id=case.school_id, day=issued_on - dt.timedelta(days=1), count=1)
        == issued_on
    )
    # Within `back` school days: today is no later than the `back`th school day after it.
    recent = (
        back > 0 and school_days_after(school_id=case.school_id, day=issued_on, count=back) >= now
    )
    if not (is_school_day and recent):
        raise ValidationError(
            {
                "issued_on": [
                    f"The date of issue must be today or a school day in the last {back} school "
                    f"days: {long_date(issued_on)} is "
                    + ("not a school day" if not is_school_day else "too far back")
                ]
            }
        )


_OFFER_ANCHOR = re.compile(r"#offer-(\d+)$")


def support_relied_on(verdict: Evaluation) -> list[dict[str, Any]]:
    """The support offers the "support exhausted" check relied on, as they
    stood when it ran: the ones its evidence links to (all it read, when it
    links to none), so the letter lists exactly the support the check saw."""
    check = next((c for c in verdict.checks if c.key == "support_exhausted"), None)
    linked = set()
    for evidence in check.evidence if check else []:
        found = _OFFER_ANCHOR.search(evidence.url)
        if found:
            linked.add(int(found.group(1)))
    offers = [o for o in verdict.offers if o.pk in linked] if linked else list(verdict.offers)
    return [
        {
            "id": o.pk,
            "what": o.what,
            "provider": o.get_provider_display(),
            "offered_on": o.offered_on.isoformat(),
            "outcome": o.outcome,
            "outcome_label": o.get_outcome_display(),
            "outcome_on": o.outcome_on.isoformat() if o.outcome_on else None,
        }
        for o in sorted(offers, key=lambda o: (o.offered_on, o.pk))
    ]


def notice_issue(
    *,
    acting_user: User,
    case_id: int,
    issued_on: dt.date,
    recipient_ids: Collection[int] | None = None,
    sufficient_improvement: str,
    consequence: str,
    staff_contact: str,
    override_reason: str = "",
    as_at: dt.date | None = None,
) -> NoticeToImprove:
    """Issue a Notice to Improve, when the pathway's Notice to Improve rule set
    allows it on `issued_on`. The evaluation is stored even when it refuses: it
    is the record of what the school saw when it tried. `as_at`: the day the
    issue is judged from, today unless a history is being written as at its
    own day (the demo); the backdating window counts back from it."""
    _require_issuing_role(acting_user)
    errors: dict[str, list[str]] = {}
    if not sufficient_improvement.strip():
        errors["sufficient_improvement"] = ["Enter what sufficient improvement means"]
    if not consequence.strip():
        errors["consequence"] = ["Enter what happens if attendance does not improve"]
    if not staff_contact.strip():
        errors["staff_contact"] = ["Enter the member of staff the parents can contact"]
    if errors:
        raise ValidationError(errors)
    refused: PathwayEvaluation | None = None
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        issue_date_check(case, issued_on, as_at=as_at)
        if running_notice(case.pk) is not None:
            raise ValidationError(
                "A Notice to Improve is already running for this case: record its outcome "
                "before issuing another."
            )
        # The rules are evaluated as at the issue date: the notice rests on what
        # was on record that day, and the facts stored with it are that day's.
        evaluation, verdict = evaluation_record_with_verdict(
            acting_user=acting_user,
            case_id=case.pk,
            rule_set=PathwayEvaluation.RuleSet.NOTICE_TO_IMPROVE,
            day=issued_on,
            override_reason=override_reason,
        )
        if not evaluation.allowed:
            # Leave the block normally so the refused evaluation is committed
            # (the record of what the school saw); refuse just after it.
            refused = evaluation
        else:
            return _notice_create(
                acting_user=acting_user,
                case=case,
                evaluation=evaluation,
                verdict=verdict,
                issued_on=issued_on,
                recipient_ids=recipient_ids,
                sufficient_improvement=sufficient_improvement,
                consequence=consequence,
                staff_contact=staff_contact,
                override_reason=override_reason,
            )
    assert refused is not None  # the block above returned otherwise
    missing = [
        str(check.get("missing") or check.get("title", ""))
        for check in refused.checks
        if not check.get("met") and check.get("blocking", True)
    ]
    raise NoticeRefused(["A Notice to Improve cannot be issued yet. Still missing:", *missing])


def _notice_create(
    *,
    acting_user: User,
    case: AttendanceCase,
    evaluation: PathwayEvaluation,
    verdict: Evaluation,
    issued_on: dt.date,
    recipient_ids: Collection[int] | None,
    sufficient_improvement: str,
    consequence: str,
    staff_contact: str,
    override_reason: str,
    corrects: NoticeToImprove | None = None,
) -> NoticeToImprove:
    """The writes of `notice_issue` (and of a correction), inside its
    transaction, once allowed."""
    allowed = {link.pk: link for link in correspondence_recipients(case)}
    chosen = list(recipient_ids) if recipient_ids else list(allowed)
    unknown = [pk for pk in chosen if pk not in allowed]
    if unknown or not chosen:
        raise ValidationError(
            {"recipients": ["Select the parents or carers who receive letters about this pupil"]}
        )
    period = settings_for(case.school.local_authority_id).notice_period_school_days
    assert verdict.figures is not None  # `run` always carries the figures it read
    notice = NoticeToImprove.unscoped.create(
        case=case,
        issued_on=issued_on,
        issued_by=acting_user,
        period_ends_on=school_days_after(school_id=case.school_id, day=issued_on, count=period),
        sufficient_improvement=sufficient_improvement.strip(),
        consequence=consequence.strip(),
        staff_contact=staff_contact.strip(),
        # Fixed at issue: the referral relies on these, not on later figures.
        threshold_sessions=verdict.figures.unauthorised_last_10_school_weeks,
        threshold_window_weeks=NATIONAL_THRESHOLD_WEEKS,
        threshold_as_at=issued_on,
        support_relied_on=support_relied_on(verdict),
        corrects=corrects,
        version=corrects.version + 1 if corrects else 1,
    )
    notice.recipients.set([allowed[pk] for pk in chosen])
    # Set here, not with `case_update`: that form refuses this stage so
    # that only the pathway moves a case into it.
    previous_stage = case.stage
    case.stage = AttendanceCase.Stage.NOTICE_TO_IMPROVE
    case.version += 1
    case.save(update_fields=["stage", "version"])
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.CREATE,
        target=notice,
        school=case.school,
        changes={
            "issued_on": issued_on.isoformat(),
            "period_ends_on": notice.period_ends_on.isoformat(),
            "threshold_sessions": notice.threshold_sessions,
            "support_relied_on": [offer["id"] for offer in notice.support_relied_on or []],
            "recipients": sorted(chosen),
            "evaluation": evaluation.pk,
            "stage": [previous_stage, case.stage],
            "override_reason": override_reason.strip(),
            "corrects": corrects.pk if corrects else None,
        },
    )
    return notice


def notice_outcome_record(
    *,
    acting_user: User,
    notice_id: int,
    outcome: str,
    note: str,
    on: dt.date,
) -> NoticeToImprove:
    """Record whether attendance improved. "Improved" only once the period has
    ended; "not improved" after it, or before it ends only when unauthorised
    absence has continued since the notice or the parents have since been
    assessed as not engaging (the grounds of an early referral). Improved: the
    case goes back to Support First."""
    _require_issuing_role(acting_user)
    if outcome not in (NoticeToImprove.Outcome.IMPROVED, NoticeToImprove.Outcome.NOT_IMPROVED):
        raise ValidationError({"outcome": ["Select whether attendance improved sufficiently"]})
    if not note.strip():
        raise ValidationError({"note": ["Enter what the outcome is based on"]})
    with transaction.atomic():
        found = get_for_user_or_404(
            NoticeToImprove.objects.for_user(acting_user), acting_user, pk=notice_id
        )
        case = case_for_change(acting_user=acting_user, case_id=found.case_id)
        notice = NoticeToImprove.unscoped.select_for_update().get(pk=found.pk)
        if notice.outcome:
            raise ValidationError("This notice's outcome has already been recorded.")
        if on < notice.issued_on:
            raise ValidationError({"on": ["The outcome date must be on or after the issue date"]})
        if on > today():
            raise ValidationError({"on": ["The outcome date must be today or in the past"]})
        # Before the period ends, "not sufficient improvement" needs the same
        # grounds as an early referral (rule A4).
        if (
            outcome == NoticeToImprove.Outcome.NOT_IMPROVED
            and on <= notice.period_ends_on
            and not early_referral_grounds_for(case, issued_on=notice.issued_on, day=on)
        ):
            raise ValidationError(
                {
                    "outcome": [
                        "Not sufficient improvement can only be recorded before the "
                        f"improvement period ends on {long_date(notice.period_ends_on)} "
                        "when there has been unauthorised absence since the notice was "
                        "issued, or an assessment since then that the parents are not "
                        f"engaging. As at {long_date(on)} there is neither."
                    ]
                }
            )
        if outcome == NoticeToImprove.Outcome.IMPROVED and on <= notice.period_ends_on:
            raise ValidationError(
                {
                    "outcome": [
                        "Sufficient improvement can only be recorded after the improvement "
                        f"period ends on {long_date(notice.period_ends_on)}"
                    ]
                }
            )
        notice.outcome = outcome
        notice.outcome_on = on
        notice.outcome_note = note.strip()
        notice.save(update_fields=["outcome", "outcome_on", "outcome_note"])
        changes: dict[str, object] = {"outcome": outcome, "outcome_on": on.isoformat()}
        if outcome == NoticeToImprove.Outcome.IMPROVED:
            changes["stage"] = [case.stage, AttendanceCase.Stage.SUPPORT_FIRST]
            case.stage = AttendanceCase.Stage.SUPPORT_FIRST
            case.version += 1
            case.save(update_fields=["stage", "version"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=case.school,
            changes=changes,
        )
    return notice


def parents_told_record(
    *,
    acting_user: User,
    notice_id: int,
    told_on: dt.date,
    method: str,
    told_by: str,
) -> ParentsToldOfReferral:
    """Record the day the parents were told that a referral will be made
    (Norfolk's referral steps): the referral is due within 15 school days of
    it. Once the notice has not been heeded: its outcome of not sufficient
    improvement recorded, or, before the period ends, the grounds of an early
    referral as at that day."""
    _require_issuing_role(acting_user)
    errors: dict[str, list[str]] = {}
    if method not in ParentsToldOfReferral.Method.values:
        errors["method"] = ["Select how the parents were told"]
    if not told_by.strip():
        errors["told_by"] = ["Enter who told the parents"]
    if told_on > today():
        errors["told_on"] = ["The date the parents were told must be today or in the past"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = get_for_user_or_404(
            NoticeToImprove.objects.for_user(acting_user), acting_user, pk=notice_id
        )
        case = case_for_change(acting_user=acting_user, case_id=found.case_id)
        notice = NoticeToImprove.unscoped.select_for_update().get(pk=found.pk)
        if ParentsToldOfReferral.unscoped.filter(notice=notice).exists():
            raise ValidationError(
                "The day the parents were told of the referral is already recorded."
            )
        if told_on < notice.issued_on:
            raise ValidationError(
                {"told_on": ["The parents can only be told on or after the notice's issue date"]}
            )
        if notice.outcome == NoticeToImprove.Outcome.IMPROVED:
            raise ValidationError(
                "The notice ended with sufficient improvement: no referral follows it."
            )
        not_heeded = (
            notice.outcome == NoticeToImprove.Outcome.NOT_IMPROVED
            and notice.outcome_on is not None
            and notice.outcome_on <= told_on
        )
        early = told_on <= notice.period_ends_on and bool(
            early_referral_grounds_for(case, issued_on=notice.issued_on, day=told_on)
        )
        if not (not_heeded or early):
            raise ValidationError(
                {
                    "told_on": [
                        "The parents are told that a referral will be made once the notice "
                        "has not been heeded: record its outcome (not sufficient improvement) "
                        "first, or, before the period ends, there must have been unauthorised "
                        "absence or an assessment that the parents are not engaging since it "
                        "was issued"
                    ]
                }
            )
        told = ParentsToldOfReferral.unscoped.create(
            notice=notice,
            told_on=told_on,
            method=method,
            told_by=told_by.strip(),
            recorded_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=told,
            school=case.school,
            changes={
                "notice": notice.pk,
                "told_on": told_on.isoformat(),
                "method": method,
                "told_by": told_by.strip(),
            },
        )
    return told


# Withdrawing and correcting a notice ------------------------------------------------

REFERRED_REFUSAL = (
    "A referral has been submitted on this Notice to Improve, so it can no longer be "
    "withdrawn or corrected: the LA reviews the notice as it was referred. Contact the LA."
)


CORRECTION_TOO_LATE = (
    "The outcome of this notice, or the parents being told of the referral, is already "
    "recorded: it can no longer be corrected. Withdraw it instead."
)


def notice_ending_refusal(notice: NoticeToImprove, *, correcting: bool = False) -> str:
    """Why this notice can no longer be withdrawn (or, `correcting`, corrected),
    in words for the lead; "" when it can. The pages ask before showing a form;
    the services ask again, under lock, before changing anything."""
    if not notice.is_live:
        return f"This Notice to Improve has already been {notice.get_status_display().lower()}."
    if LegalReferral.unscoped.filter(notice=notice).exists():
        return REFERRED_REFUSAL
    if correcting and (
        notice.outcome or ParentsToldOfReferral.unscoped.filter(notice=notice).exists()
    ):
        return CORRECTION_TOO_LATE
    return ""


def _notice_for_ending(
    acting_user: User, notice_id: int, *, correcting: bool = False
) -> tuple[AttendanceCase, NoticeToImprove]:
    """The live notice, locked, on a case the user may change; refused as
    `notice_ending_refusal` says."""
    _require_issuing_role(acting_user)
    found = get_for_user_or_404(
        NoticeToImprove.objects.for_user(acting_user), acting_user, pk=notice_id
    )
    case = case_for_change(acting_user=acting_user, case_id=found.case_id)
    notice = NoticeToImprove.unscoped.select_for_update().get(pk=found.pk)
    refusal = notice_ending_refusal(notice, correcting=correcting)
    if refusal:
        raise ValidationError(refusal)
    return case, notice


def _end(notice: NoticeToImprove, *, status: str, acting_user: User, reason: str) -> None:
    notice.status = status
    notice.ended_at = now()
    notice.ended_by = acting_user
    notice.ended_reason = reason
    notice.save(update_fields=["status", "ended_at", "ended_by", "ended_reason"])


def notice_withdraw(*, acting_user: User, notice_id: int, reason: str) -> NoticeToImprove:
    """Withdraw a notice (given in error, or no longer appropriate): it is kept,
    but is no longer the notice on file, so no referral can rest on it. The case
    goes back to Support First when this was the notice that put it in the
    Notice to Improve stage."""
    if not reason.strip():
        raise ValidationError({"reason": ["Enter why the notice is withdrawn"]})
    with transaction.atomic():
        case, notice = _notice_for_ending(acting_user, notice_id)
        _end(
            notice,
            status=NoticeToImprove.Status.WITHDRAWN,
            acting_user=acting_user,
            reason=reason.strip(),
        )
        changes: dict[str, object] = {
            "status": ["", NoticeToImprove.Status.WITHDRAWN],
            "reason": reason.strip(),
        }
        if case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE:
            changes["stage"] = [case.stage, AttendanceCase.Stage.SUPPORT_FIRST]
            case.stage = AttendanceCase.Stage.SUPPORT_FIRST
            case.version += 1
            case.save(update_fields=["stage", "version"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=notice,
            school=case.school,
            changes=changes,
        )
    return notice


def notice_correct(
    *,
    acting_user: User,
    notice_id: int,
    issued_on: dt.date,
    recipient_ids: Collection[int],
    reason: str,
) -> NoticeToImprove:
    """Correct a notice's date of issue or recipients: a new version, issued
    under the same words, with the period, the threshold and the support relied
    on recomputed as at the corrected date (the rules are evaluated again as at
    that day, and must allow it). The old version is kept, superseded, and its
    letters say so. Not once its outcome or the parents being told of a
    referral is recorded: those rest on the old dates."""
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Enter what was wrong with the notice"]
    if not recipient_ids:
        errors["recipients"] = ["Select at least one parent or carer"]
    if issued_on > today():
        errors["issued_on"] = ["The date of issue must be today or in the past"]
    if errors:
        raise ValidationError(errors)
    refused: PathwayEvaluation | None = None
    with transaction.atomic():
        case, old = _notice_for_ending(acting_user, notice_id, correcting=True)
        old_recipients = sorted(old.recipients.values_list("pk", flat=True))
        if issued_on == old.issued_on and sorted(recipient_ids) == old_recipients:
            raise ValidationError("Change the date of issue or the recipients to correct it.")
        if issued_on != old.issued_on and not _is_school_day(case, issued_on):
            raise ValidationError({"issued_on": [f"{long_date(issued_on)} is not a school day"]})
        evaluation, verdict = evaluation_record_with_verdict(
            acting_user=acting_user,
            case_id=case.pk,
            rule_set=PathwayEvaluation.RuleSet.NOTICE_TO_IMPROVE,
            day=issued_on,
            override_reason=_override_reason_of(old),
        )
        if not evaluation.allowed:
            refused = evaluation
        else:
            _end(
                old,
                status=NoticeToImprove.Status.SUPERSEDED,
                acting_user=acting_user,
                reason=reason.strip(),
            )
            new = _notice_create(
                acting_user=acting_user,
                case=case,
                evaluation=evaluation,
                verdict=verdict,
                issued_on=issued_on,
                recipient_ids=recipient_ids,
                sufficient_improvement=old.sufficient_improvement,
                consequence=old.consequence,
                staff_contact=old.staff_contact,
                override_reason=_override_reason_of(old),
                corrects=old,
            )
            audit_record(
                actor=acting_user,
                action=AuditEvent.Action.UPDATE,
                target=old,
                school=case.school,
                changes={
                    "status": ["", NoticeToImprove.Status.SUPERSEDED],
                    "reason": reason.strip(),
                    "corrected_by": new.pk,
                    "issued_on": [old.issued_on.isoformat(), issued_on.isoformat()],
                    "recipients": [old_recipients, sorted(recipient_ids)],
                },
            )
            return new
    assert refused is not None
    missing = [
        str(check.get("missing") or check.get("title", ""))
        for check in refused.checks
        if not check.get("met") and check.get("blocking", True)
    ]
    raise NoticeRefused(
        [f"The rules do not allow a notice issued on {long_date(issued_on)}. Missing:", *missing]
    )


def _is_school_day(case: AttendanceCase, day: dt.date) -> bool:
    return (
        school_days_after(school_id=case.school_id, day=day - dt.timedelta(days=1), count=1) == day
    )


def _override_reason_of(notice: NoticeToImprove) -> str:
    """The reason the school gave, when issuing, for going ahead although the
    parents were engaging: the correction relies on the same decision."""
    event = (
        AuditEvent.objects.filter(
            target_type="notices.NoticeToImprove",
            target_id=str(notice.pk),
            action=AuditEvent.Action.CREATE,
        )
        .order_by("pk")
        .first()
    )
    reason = (event.changes or {}).get("override_reason", "") if event else ""
    return str(reason or "")
