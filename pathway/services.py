"""The pathway engine's reads and its one write: storing a gating evaluation.

Reads start from the user's scope, like every selector: a case outside it is a
404, the same as a case that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from cases.models import AttendanceCase
from cases.services.casework import case_for_change
from core.audit import audit_record
from core.dates import now, today
from core.models import AuditEvent
from core.scoping import get_for_user_or_404

from .models import PathwayEvaluation
from .rules import CASE_PREFETCH, Evaluation, Readiness, evaluate, readiness

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


def _for_evaluation(cases: QuerySet[AttendanceCase]) -> QuerySet[AttendanceCase]:
    return cases.select_related("pupil", "school").prefetch_related(*CASE_PREFETCH)


def readiness_for(*, user: AnyUser, case_id: int, day: dt.date | None = None) -> Readiness:
    """Both rule sets for a case the user may see (the API); 404 otherwise."""
    case = get_for_user_or_404(
        _for_evaluation(AttendanceCase.objects.for_user(user)), user, pk=case_id
    )
    return readiness(case, day=day or today())


def readiness_unscoped(*, case_id: int, day: dt.date | None = None) -> Readiness:
    """For `manage.py pathway_check` only: an operator with shell access reads
    every school's cases anyway. Raises AttendanceCase.DoesNotExist."""
    case = _for_evaluation(AttendanceCase.unscoped.all()).get(pk=case_id)
    return readiness(case, day=day or today())


def evaluation_record(
    *,
    acting_user: User,
    case_id: int,
    rule_set: str,
    day: dt.date | None = None,
    override_reason: str = "",
    early_referral_reason: str = "",
) -> PathwayEvaluation:
    """`evaluation_record_with_verdict`, for a caller that needs only the stored row."""
    stored, _ = evaluation_record_with_verdict(
        acting_user=acting_user,
        case_id=case_id,
        rule_set=rule_set,
        day=day,
        override_reason=override_reason,
        early_referral_reason=early_referral_reason,
    )
    return stored


def evaluation_record_with_verdict(
    *,
    acting_user: User,
    case_id: int,
    rule_set: str,
    day: dt.date | None = None,
    override_reason: str = "",
    early_referral_reason: str = "",
) -> tuple[PathwayEvaluation, Evaluation]:
    """Evaluate a rule set and store the result, as the evidence of what the
    school saw when it acted (issuing a notice, submitting a referral).

    The notice and referral services call this inside their own transaction,
    before acting, and refuse when `allowed` is false. The in-memory verdict
    carries the facts it read (the figures, the support offers), for what the
    caller stores beside its action (the notice's threshold at issue). The case is taken
    through `case_for_change` (scope 404, read-only 403, closed refused) and
    locked, so nothing changes between the evaluation and the action.
    """
    if rule_set not in PathwayEvaluation.RuleSet.values:
        raise ValueError(f"Unknown rule set {rule_set!r}.")
    day = day or today()
    with transaction.atomic():
        locked = case_for_change(acting_user=acting_user, case_id=case_id)
        case = _for_evaluation(AttendanceCase.unscoped.filter(pk=locked.pk)).get()
        evaluation = evaluate(
            case,
            rule_set=rule_set,
            day=day,
            override_reason=override_reason,
            early_referral_reason=early_referral_reason,
        )
        stored = PathwayEvaluation.unscoped.create(
            case=case,
            rule_set=rule_set,
            day=day,
            allowed=evaluation.allowed,
            checks=[c.as_json() for c in evaluation.checks],
            override_reason=override_reason.strip(),
            early_referral_reason=early_referral_reason.strip(),
            evaluated_at=now(),
            evaluated_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=stored,
            school=case.school,
            changes={"rule_set": rule_set, "day": day.isoformat(), "allowed": stored.allowed},
        )
    return stored, evaluation
