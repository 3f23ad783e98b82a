"""Issuing a Notice to Improve and recording its outcome (rule A4).

Both services: keyword-only, take the acting user, run in one transaction,
lock the case through `case_for_change` (404 out of scope, 403 read-only,
closed refused) and write an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Role, User
from attendance.services.calendars import school_days_after
from cases.models import AttendanceCase
from cases.services.casework import case_for_change
from core.audit import audit_record
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from pathway.models import PathwayEvaluation, settings_for
from pathway.services import evaluation_record
from pupils.models import PupilCarer

from ..models import NoticeToImprove

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
    """The pupil's carers who receive the school's letters (parents with parental
    responsibility, and a non-resident parent after the DSL's decision)."""
    links = PupilCarer.unscoped.filter(pupil_id=case.pupil_id).select_related("carer")
    return [link for link in links.order_by("pk") if link.receives_correspondence]


def running_notice(case_id: int) -> NoticeToImprove | None:
    """The notice whose improvement period has no outcome yet, if any."""
    return (
        NoticeToImprove.unscoped.filter(case_id=case_id, outcome=NoticeToImprove.Outcome.PENDING)
        .order_by("-issued_on", "-pk")
        .first()
    )


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
) -> NoticeToImprove:
    """Issue a Notice to Improve, when the pathway's Notice to Improve rule set
    allows it on `issued_on`. The evaluation is stored even when it refuses: it
    is the record of what the school saw when it tried."""
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
        if running_notice(case.pk) is not None:
            raise ValidationError(
                "A Notice to Improve is already running for this case: record its outcome "
                "before issuing another."
            )
        evaluation = evaluation_record(
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
    issued_on: dt.date,
    recipient_ids: Collection[int] | None,
    sufficient_improvement: str,
    consequence: str,
    staff_contact: str,
    override_reason: str,
) -> NoticeToImprove:
    """The writes of `notice_issue`, inside its transaction, once allowed."""
    allowed = {link.pk: link for link in correspondence_recipients(case)}
    chosen = list(recipient_ids) if recipient_ids else list(allowed)
    unknown = [pk for pk in chosen if pk not in allowed]
    if unknown or not chosen:
        raise ValidationError(
            {"recipients": ["Select the parents or carers who receive letters about this pupil"]}
        )
    period = settings_for(case.school.local_authority_id).notice_period_school_days
    notice = NoticeToImprove.unscoped.create(
        case=case,
        issued_on=issued_on,
        issued_by=acting_user,
        period_ends_on=school_days_after(school_id=case.school_id, day=issued_on, count=period),
        sufficient_improvement=sufficient_improvement.strip(),
        consequence=consequence.strip(),
        staff_contact=staff_contact.strip(),
        parents_informed_on=issued_on,
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
            "recipients": sorted(chosen),
            "evaluation": evaluation.pk,
            "stage": [previous_stage, case.stage],
            "override_reason": override_reason.strip(),
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
    ended; "not improved" at any time (continued unauthorised absence during the
    period may justify an early referral). Improved: the case goes back to
    Support First."""
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
        if outcome == NoticeToImprove.Outcome.IMPROVED and on <= notice.period_ends_on:
            raise ValidationError(
                {
                    "outcome": [
                        "Sufficient improvement can only be recorded after the improvement "
                        f"period ends on {notice.period_ends_on:%-d %B %Y}"
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
