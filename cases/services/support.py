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
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from attendance.services.calendars import school_days_after
from core.dates import long_date, today

from ..models import (
    AttendanceCase,
    Barrier,
    EngagementAssessment,
    OfferFollowUp,
    ReasonableAdjustment,
    SupportOffer,
)
from .casework import case_for_change, record_create, record_in_case, record_update


@dataclass(frozen=True)
class OfferStanding:
    """Where one support offer stands for rule A4 on the day judged."""

    offer: SupportOffer
    # The outcome as known on the day judged: one recorded later was not known then.
    outcome: str
    exhausted: bool
    # A "no response": the day it counts as not engaged, once a further attempt
    # that counts is recorded; and what to do while it does not count yet.
    not_engaged_from: dt.date | None = None
    follow_up: OfferFollowUp | None = None
    to_do: str = ""

    @property
    def follow_up_needed(self) -> bool:
        return self.outcome == SupportOffer.Outcome.NO_RESPONSE and self.follow_up is None


def follow_up_counts(offer: SupportOffer, follow_up: OfferFollowUp) -> bool:
    """A further attempt counts when it tried something the offer did not: another
    method, or another member of staff. The same person repeating the same
    letter is not a new chance to respond. (An offer recorded before its method
    was asked for can only be followed up by someone else.)"""
    other_method = bool(offer.method) and follow_up.method != offer.method
    other_person = offer.made_by_id is not None and follow_up.made_by_id != offer.made_by_id
    return other_method or other_person


def offer_standings(
    offers: Iterable[SupportOffer], *, day: dt.date, wait_school_days: int, school_id: int
) -> list[OfferStanding]:
    """Each offer made on or before `day`, as it stood on `day`.

    A "no response" counts as not engaged from the `wait_school_days`th school
    day (the school's calendar, `school_days_after`) after the first further
    attempt that counts (`follow_up_counts`), made on or before `day`; until
    then it keeps support open. Reads each offer's `follow_ups` (prefetch them);
    counts school days once per follow-up that counts."""
    standings = []
    for offer in offers:
        if offer.offered_on > day:
            continue
        known = offer.outcome_on is not None and offer.outcome_on <= day
        outcome = offer.outcome if known else SupportOffer.Outcome.AWAITING
        if outcome != SupportOffer.Outcome.NO_RESPONSE:
            standings.append(
                OfferStanding(offer, outcome, exhausted=outcome in SupportOffer.EXHAUSTED)
            )
            continue
        attempts = [
            f
            for f in offer.follow_ups.all()
            if offer.offered_on <= f.followed_up_on <= day and follow_up_counts(offer, f)
        ]
        first = min(attempts, key=lambda f: (f.followed_up_on, f.pk), default=None)
        if first is None:
            standings.append(
                OfferStanding(offer, outcome, exhausted=False, to_do=_follow_up_to_do(offer))
            )
            continue
        counts_from = school_days_after(
            school_id=school_id, day=first.followed_up_on, count=wait_school_days
        )
        waiting = day < counts_from
        standings.append(
            OfferStanding(
                offer,
                outcome,
                exhausted=not waiting,
                not_engaged_from=counts_from,
                follow_up=first,
                to_do=(
                    f"Wait for a response to the follow-up of {long_date(first.followed_up_on)}: "
                    f"counts as not engaged from {long_date(counts_from)}"
                    if waiting
                    else ""
                ),
            )
        )
    return standings


def support_exhausted(
    offers: Iterable[SupportOffer], *, day: dt.date, wait_school_days: int, school_id: int
) -> bool:
    """Rule A4: support is exhausted when at least one offer was made on or before
    `day` and every such offer is closed, as known on `day`, as not engaged with,
    declined, engaged without sufficient improvement, or a "no response" whose
    wait after a further attempt has passed (`offer_standings`). An offer still
    waiting for an answer, being engaged with, or a "no response" not yet
    followed up, keeps support open."""
    return all_exhausted(
        offer_standings(offers, day=day, wait_school_days=wait_school_days, school_id=school_id)
    )


def all_exhausted(standings: Iterable[OfferStanding]) -> bool:
    """`support_exhausted` over standings already worked out (the case page shows them too)."""
    listed = list(standings)
    return bool(listed) and all(s.exhausted for s in listed)


def _follow_up_to_do(offer: SupportOffer) -> str:
    how = offer.get_method_display().lower() if offer.method else ""
    who = offer.made_by.full_name if offer.made_by_id and offer.made_by else ""
    if how and who:
        made = f" (offered by {how}, by {who})"
    elif who:
        made = f" (offered by {who})"
    else:
        made = ""
    return (
        "Follow-up needed: make a further attempt by another method or by another member "
        f"of staff{made}, and record it"
    )


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
    method: str,
    made_by_id: int | None = None,
    provider_detail: str = "",
    barrier_id: int | None = None,
    outcome: str = SupportOffer.Outcome.AWAITING,
    outcome_on: dt.date | None = None,
    outcome_note: str = "",
    for_family: str = "",
) -> SupportOffer:
    """Record support offered: what, by which service, how and by which member of
    staff (a "no response" needs a further attempt by another method or person
    before it counts), and its outcome if already known. `made_by_id` defaults
    to the person recording it."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        errors = {}
        if not what.strip():
            errors["what"] = "Enter the support offered"
        if offered_on > today():
            errors["offered_on"] = "The date the support was offered must be today or in the past"
        if method not in SupportOffer.Method.values:
            errors["method"] = "Select how the support was offered"
        made_by = _staff_of(case, made_by_id, acting_user, errors, field="made_by")
        errors.update(_outcome_errors(outcome, outcome_on, offered_on))
        if errors:
            raise ValidationError(errors)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=SupportOffer,
            what=what.strip(),
            for_family=for_family.strip(),
            provider=provider,
            provider_detail=provider_detail.strip(),
            offered_on=offered_on,
            method=method,
            made_by=made_by,
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


def offer_follow_up_create(
    *,
    acting_user: User,
    case_id: int,
    offer_id: int,
    followed_up_on: dt.date,
    method: str,
    made_by_id: int | None = None,
    note: str = "",
) -> OfferFollowUp:
    """Record a further attempt to get an answer to a support offer. Only one by
    another method or another member of staff starts the wait after which a
    "no response" counts as not engaged (`follow_up_counts`); one that does not
    is still kept, and the writer is told (`follow_up_counts` on the result)."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        offer = record_in_case(SupportOffer, case, offer_id)
        errors: dict[str, str] = {}
        if followed_up_on > today():
            errors["followed_up_on"] = "The date of the follow-up must be today or in the past"
        elif followed_up_on < offer.offered_on:
            errors["followed_up_on"] = (
                "The date of the follow-up must be on or after the date the support was "
                f"offered, {long_date(offer.offered_on)}"
            )
        if method not in SupportOffer.Method.values:
            errors["method"] = "Select how you followed up"
        made_by = _staff_of(case, made_by_id, acting_user, errors, field="made_by")
        if errors:
            raise ValidationError(errors)
        return record_create(
            acting_user=acting_user,
            case_id=case.pk,
            model=OfferFollowUp,
            offer=offer,
            followed_up_on=followed_up_on,
            method=method,
            made_by=made_by,
            note=note.strip(),
        )


def staff_choices(case: AttendanceCase) -> list[User]:
    """Who may have made an offer or a follow-up: the school's active staff."""
    return list(User.objects.filter(school_id=case.school_id, is_active=True).order_by("full_name"))


def _staff_of(
    case: AttendanceCase,
    user_id: int | None,
    acting_user: User,
    errors: dict[str, str],
    *,
    field: str,
) -> User | None:
    if user_id is None or user_id == acting_user.pk:
        return acting_user
    found = User.objects.filter(pk=user_id, school_id=case.school_id).first()
    if found is None:
        errors[field] = "Select a member of staff at this school"
    return found


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
