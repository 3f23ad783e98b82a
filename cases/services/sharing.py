"""Sharing a case file with the LA (need to know, issue 14).

The school's attendance lead or DSL shares a case with a reason and can take
it back; a referral or a penalty-notice request shares the case by itself
(`case_share_with_la`, called by the notices services), and the school cannot
take that back. Every share and revocation is audited with who, when and why.
Which records the share opens is decided in `core/scoping.py`.
"""

from __future__ import annotations

import datetime as dt

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core.audit import audit_record
from core.dates import now
from core.models import AuditEvent
from core.scoping import get_for_user_or_404

from ..models import AttendanceCase, CaseShare


def _check_may_share(acting_user: User) -> None:
    if not rules.has_perm("cases.share_case", acting_user):
        raise PermissionDenied("Only the school's attendance lead or DSL can share a case.")


def case_share(*, acting_user: User, case_id: int, reason: str) -> CaseShare:
    """Share the case's file with the school's LA, saying why (for a Targeting
    Support Meeting, or advice from the LA's officer). A closed case can be
    shared too: the LA may need to see what was done."""
    _check_may_share(acting_user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the LA needs to see this case"})
    with transaction.atomic():
        case = get_for_user_or_404(
            AttendanceCase.objects.for_user(acting_user)
            .select_for_update(of=("self",))
            .select_related("pupil", "school"),
            acting_user,
            pk=case_id,
        )
        live = CaseShare.unscoped.filter(
            case=case, kind=CaseShare.Kind.SCHOOL, revoked_at__isnull=True
        ).first()
        if live is not None:
            raise ValidationError(
                f"This case is already shared with the LA (by {live.shared_by.full_name})."
            )
        return _create(
            acting_user=acting_user, case=case, kind=CaseShare.Kind.SCHOOL, reason=reason, at=now()
        )


def case_share_revoke(*, acting_user: User, share_id: int) -> CaseShare:
    """Take back the school's share: the LA's users no longer open the case file
    (what they saw before stays in the access log). A referral's or a
    penalty-notice request's share is the LA's to work on, and stays."""
    _check_may_share(acting_user)
    with transaction.atomic():
        share = get_for_user_or_404(
            CaseShare.objects.for_user(acting_user)
            .select_for_update(of=("self",))
            .select_related("case__pupil", "case__school"),
            acting_user,
            pk=share_id,
        )
        if share.revoke_refusal:
            raise ValidationError(share.revoke_refusal)
        if not share.is_live:
            raise ValidationError("This share has already been taken back.")
        share.revoked_at = now()
        share.revoked_by = acting_user
        share.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=share,
            school=share.case.school,
            changes={"revoked_at": [None, share.revoked_at.isoformat()]},
            note="Case file no longer shared with the LA",
        )
    return share


def case_share_with_la(
    *,
    acting_user: User,
    case: AttendanceCase,
    kind: str,
    reason: str,
    shared_by: User | None = None,
    at: dt.datetime | None = None,
) -> CaseShare:
    """The share a referral or a penalty-notice request makes: called inside the
    caller's transaction, which has found the case and checked who may act.
    A live share of the same kind is kept as it is (a resubmitted referral)."""
    if kind == CaseShare.Kind.SCHOOL:
        raise ValueError("A school's share goes through case_share, with its checks.")
    live = CaseShare.unscoped.filter(case=case, kind=kind, revoked_at__isnull=True).first()
    if live is not None:
        return live
    return _create(
        acting_user=acting_user,
        case=case,
        kind=kind,
        reason=reason,
        at=at or now(),
        shared_by=shared_by,
    )


def _create(
    *,
    acting_user: User,
    case: AttendanceCase,
    kind: str,
    reason: str,
    at: dt.datetime,
    shared_by: User | None = None,
) -> CaseShare:
    share = CaseShare.unscoped.create(
        case=case, kind=kind, reason=reason, shared_by=shared_by or acting_user, shared_at=at
    )
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.CREATE,
        target=share,
        school=case.school,
        changes={"kind": kind, "reason": reason, "shared_by": share.shared_by_id},
        note="Case file shared with the LA",
    )
    return share
