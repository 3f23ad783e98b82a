"""Barriers to attendance, reasonable adjustments, support offered and the
parents' engagement with it, and whether support is exhausted (rule A4).

"Schools should be aware of barriers for parents that may impact on pupils'
attendance and schools should sensitively address these with the parents and
offer appropriate additional support" (Support First approach). A referral for
legal intervention is made "only once all avenues of support have been
exhausted and parents are not engaging", so these records are its evidence.

Each write first takes the case through `case_for_change` (scope 404,
`cases.change_case` 403, open case), so a refusal never depends on what was
typed; then looks the record up within that case (a record id from another case
is a 404) and saves through `record_create`/`record_update` (stale edit refused,
one audit row), all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from core.dates import today

from ..models import (
    AttendanceCase,
    Barrier,
    EngagementAssessment,
    ReasonableAdjustment,
    SupportOffer,
)
from .casework import case_for_change, record_create, record_in_case, record_update


def support_exhausted(offers: Iterable[SupportOffer]) -> bool:
    """Rule A4: support is exhausted when at least one offer was made and every
    offer is closed as not engaged with, declined, or engaged without
    sufficient improvement. An offer still waiting for an answer, or being
    engaged with, keeps support open."""
    outcomes = [offer.outcome for offer in offers]
    return bool(outcomes) and all(outcome in SupportOffer.EXHAUSTED for outcome in outcomes)


# Reads for the form pages -----------------------------------------------------


def case_barriers(case: AttendanceCase) -> list[Barrier]:
    return list(Barrier.unscoped.filter(case=case).order_by("identified_on", "pk"))


# Barriers -------------------------------------------------------------------


def barrier_create(
    *,
    acting_user: User,
    case_id: int,
    kind: str,
    factor: str,
    description: str,
    identified_on: dt.date,
    risk_factors: str = "",
    resilience_factors: str = "",
    resolved_on: dt.date | None = None,
) -> Barrier:
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        fields = _barrier_fields(
            kind=kind,
            factor=factor,
            description=description,
            identified_on=identified_on,
            risk_factors=risk_factors,
            resilience_factors=resilience_factors,
            resolved_on=resolved_on,
        )
        return record_create(acting_user=acting_user, case_id=case.pk, model=Barrier, **fields)


def barrier_update(
    *,
    acting_user: User,
    case_id: int,
    barrier_id: int,
    version: int,
    kind: str,
    factor: str,
    description: str,
    identified_on: dt.date,
    risk_factors: str = "",
    resilience_factors: str = "",
    resolved_on: dt.date | None = None,
) -> Barrier:
    """Change a barrier, or record that it has been resolved."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        barrier = record_in_case(Barrier, case, barrier_id)
        fields = _barrier_fields(
            kind=kind,
            factor=factor,
            description=description,
            identified_on=identified_on,
            risk_factors=risk_factors,
            resilience_factors=resilience_factors,
            resolved_on=resolved_on,
        )
        return record_update(acting_user=acting_user, record=barrier, version=version, **fields)


def _barrier_fields(
    *,
    kind: str,
    factor: str,
    description: str,
    identified_on: dt.date,
    risk_factors: str,
    resilience_factors: str,
    resolved_on: dt.date | None,
) -> dict[str, Any]:
    errors = {}
    if not description.strip():
        errors["description"] = "Describe the barrier"
    if identified_on > today():
        errors["identified_on"] = "The date the barrier was identified must be today or in the past"
    if resolved_on is not None:
        if resolved_on > today():
            errors["resolved_on"] = "The date the barrier was resolved must be today or in the past"
        elif resolved_on < identified_on:
            errors["resolved_on"] = (
                "The date the barrier was resolved must be on or after the date it was identified"
            )
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "factor": factor,
        "description": description.strip(),
        "identified_on": identified_on,
        "risk_factors": risk_factors.strip(),
        "resilience_factors": resilience_factors.strip(),
        "resolved_on": resolved_on,
    }


# Reasonable adjustments ------------------------------------------------------


def adjustment_create(
    *,
    acting_user: User,
    case_id: int,
    description: str,
    made_on: dt.date,
    barrier_id: int | None = None,
) -> ReasonableAdjustment:
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        errors = {}
        if not description.strip():
            errors["description"] = "Describe the adjustment"
        if made_on > today():
            errors["made_on"] = "The date the adjustment was made must be today or in the past"
        if errors:
            raise ValidationError(errors)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=ReasonableAdjustment,
            description=description.strip(),
            made_on=made_on,
            barrier=_barrier_of(case, barrier_id),
        )


# Support offered --------------------------------------------------------------


def offer_create(
    *,
    acting_user: User,
    case_id: int,
    what: str,
    provider: str,
    offered_on: dt.date,
    provider_detail: str = "",
    barrier_id: int | None = None,
    outcome: str = SupportOffer.Outcome.AWAITING,
    outcome_on: dt.date | None = None,
    outcome_note: str = "",
) -> SupportOffer:
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        errors = {}
        if not what.strip():
            errors["what"] = "Enter the support offered"
        if offered_on > today():
            errors["offered_on"] = "The date the support was offered must be today or in the past"
        errors.update(_outcome_errors(outcome, outcome_on, offered_on))
        if errors:
            raise ValidationError(errors)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=SupportOffer,
            what=what.strip(),
            provider=provider,
            provider_detail=provider_detail.strip(),
            offered_on=offered_on,
            barrier=_barrier_of(case, barrier_id),
            outcome=outcome,
            outcome_on=outcome_on,
            outcome_note=outcome_note.strip(),
        )


def offer_outcome_record(
    *,
    acting_user: User,
    case_id: int,
    offer_id: int,
    version: int,
    outcome: str,
    outcome_on: dt.date | None,
    outcome_note: str = "",
) -> SupportOffer:
    """Record what came of an offer: accepted and engaged, declined, and so on."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        offer = record_in_case(SupportOffer, case, offer_id)
        errors = _outcome_errors(outcome, outcome_on, offer.offered_on)
        if errors:
            raise ValidationError(errors)
        return record_update(
            acting_user=acting_user,
            record=offer,
            version=version,
            outcome=outcome,
            outcome_on=outcome_on,
            outcome_note=outcome_note.strip(),
        )


def _outcome_errors(
    outcome: str, outcome_on: dt.date | None, offered_on: dt.date
) -> dict[str, str]:
    if outcome == SupportOffer.Outcome.AWAITING:
        # An answer's date without an answer would read as a decision that was never made.
        if outcome_on is not None:
            return {"outcome_on": "Leave the date empty while waiting for a response"}
        return {}
    if outcome_on is None:
        return {"outcome_on": "Enter the date of the outcome"}
    if outcome_on > today():
        return {"outcome_on": "The date of the outcome must be today or in the past"}
    if outcome_on < offered_on:
        return {"outcome_on": "The date of the outcome must be on or after the date it was offered"}
    return {}


# Engagement ----------------------------------------------------------------------


def engagement_assessment_create(
    *, acting_user: User, case_id: int, assessed_on: dt.date, level: str, reason: str
) -> EngagementAssessment:
    """How the parents are engaging, on a date, and why. The latest assessment
    decides whether escalation is blocked (rule A4: parents engaging), so the
    reason is required."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        errors = {}
        if assessed_on > today():
            errors["assessed_on"] = "The date of the assessment must be today or in the past"
        if not reason.strip():
            errors["reason"] = "Enter the reason for your assessment"
        if errors:
            raise ValidationError(errors)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=EngagementAssessment,
            assessed_on=assessed_on,
            level=level,
            reason=reason.strip(),
        )


def _barrier_of(case: AttendanceCase, barrier_id: int | None) -> Barrier | None:
    if barrier_id is None:
        return None
    barrier = Barrier.unscoped.filter(case=case, pk=barrier_id).first()
    if barrier is None:
        raise ValidationError({"barrier": "Select a barrier recorded in this case"})
    return barrier
