"""Barriers, reasonable adjustments, support offered and the parents' engagement.

Each page is a `CaseFormPage` (scoped case 404, read-only 403, a closed case
sent back with the reason, the service's refusal on the form); a record id of
another case is a 404; once saved, back to the case page's "Barriers and
support" section.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from ..forms_support import (
    AdjustmentForm,
    BarrierForm,
    EngagementForm,
    OfferFollowUpForm,
    OfferForm,
    OfferOutcomeForm,
    adjustment_examples,
)
from ..hooks import pathway_numbers
from ..models import AttendanceCase, Barrier, SupportOffer
from ..services.casework import record_in_case
from ..services.support import (
    adjustment_create,
    barrier_create,
    barrier_update,
    case_barriers,
    engagement_assessment_create,
    follow_up_counts,
    offer_create,
    offer_follow_up_create,
    offer_outcome_record,
    staff_choices,
)
from .section import CaseFormPage, case_section

SECTION = "support"


def _wait(case: AttendanceCase) -> int:
    """The LA's school days a "no response" waits after a follow-up (rule A4)."""
    return pathway_numbers(case.school.local_authority_id).no_response_wait_school_days


# Barriers -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def barrier_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    form = BarrierForm(request.POST or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        barrier = barrier_create(
            acting_user=page.user,
            case_id=case_id,
            kind=data["kind"],
            factor=data["factor"],
            description=data["description"],
            identified_on=data["identified_on"],
            risk_factors=data["risk_factors"],
            resilience_factors=data["resilience_factors"],
            resolved_on=data["resolved_on"],
        )
        return page.saved(
            f"Barrier added: {barrier.get_kind_display()}.",
            texts=[data["description"], data["risk_factors"], data["resilience_factors"]],
        )

    return page.handle(form, save, "cases/barrier_form.html", {"barrier": None})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def barrier_change(request: HttpRequest, case_id: int, barrier_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    barrier = record_in_case(Barrier, page.case, barrier_id)
    form = BarrierForm(request.POST or None, barrier=barrier)

    def save(data: dict[str, Any]) -> HttpResponse:
        changed = barrier_update(
            acting_user=page.user,
            case_id=case_id,
            barrier_id=barrier.pk,
            version=data["version"],
            kind=data["kind"],
            factor=data["factor"],
            description=data["description"],
            identified_on=data["identified_on"],
            risk_factors=data["risk_factors"],
            resilience_factors=data["resilience_factors"],
            resolved_on=data["resolved_on"],
        )
        return page.saved(
            f"Barrier changed: {changed.get_kind_display()}.",
            texts=[data["description"], data["risk_factors"], data["resilience_factors"]],
        )

    return page.handle(form, save, "cases/barrier_form.html", {"barrier": barrier})


# Reasonable adjustments --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def adjustment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    barriers = case_barriers(page.case)
    form = AdjustmentForm(request.POST or None, barriers=barriers)

    def save(data: dict[str, Any]) -> HttpResponse:
        adjustment_create(
            acting_user=page.user,
            case_id=case_id,
            description=data["description"],
            made_on=data["made_on"],
            barrier_id=data.get("barrier"),
        )
        return page.saved("Reasonable adjustment added.", texts=[data["description"]])

    relevant, others = adjustment_examples(b.kind for b in barriers if b.resolved_on is None)
    return page.handle(
        form,
        save,
        "cases/adjustment_form.html",
        {"relevant_examples": relevant, "other_examples": others},
    )


# Support offered ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def offer_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    form = OfferForm(
        request.POST or None,
        barriers=case_barriers(page.case),
        staff=staff_choices(page.case),
        wait_school_days=_wait(page.case),
        initial={"made_by": page.user.pk},
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        offer_create(
            acting_user=page.user,
            case_id=case_id,
            what=data["what"],
            for_family=data["for_family"],
            provider=data["provider"],
            provider_detail=data["provider_detail"],
            offered_on=data["offered_on"],
            method=data["method"],
            made_by_id=data["made_by"],
            barrier_id=data.get("barrier"),
            outcome=data["outcome"],
            outcome_on=data["outcome_on"],
            outcome_note=data["outcome_note"],
        )
        return page.saved(
            "Support offered recorded.",
            texts=[data["what"], data["for_family"], data["outcome_note"]],
        )

    return page.handle(form, save, "cases/offer_form.html")


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def offer_outcome(request: HttpRequest, case_id: int, offer_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    offer = record_in_case(SupportOffer, page.case, offer_id)
    form = OfferOutcomeForm(request.POST or None, offer=offer, wait_school_days=_wait(page.case))

    def save(data: dict[str, Any]) -> HttpResponse:
        changed = offer_outcome_record(
            acting_user=page.user,
            case_id=case_id,
            offer_id=offer.pk,
            version=data["version"],
            outcome=data["outcome"],
            outcome_on=data["outcome_on"],
            outcome_note=data["outcome_note"],
        )
        return page.saved(
            f"Outcome recorded: {changed.get_outcome_display()}.", texts=[data["outcome_note"]]
        )

    return page.handle(form, save, "cases/offer_outcome.html", {"offer": offer})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def offer_follow_up(request: HttpRequest, case_id: int, offer_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    offer = record_in_case(SupportOffer, page.case, offer_id)
    form = OfferFollowUpForm(
        request.POST or None, staff=staff_choices(page.case), initial={"made_by": page.user.pk}
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        follow_up = offer_follow_up_create(
            acting_user=page.user,
            case_id=case_id,
            offer_id=offer.pk,
            followed_up_on=data["followed_up_on"],
            method=data["method"],
            made_by_id=data["made_by"],
            note=data["note"],
        )
        warnings = []
        if not follow_up_counts(offer, follow_up):
            warnings.append(
                "This follow-up was by the same method and the same member of staff as the "
                'offer, so the "no response" does not count as not engaged yet: follow up '
                "by another method or ask another member of staff."
            )
        return page.saved(
            "Follow-up recorded.",
            texts=[data["note"]],
            warnings=warnings,
            to=case_section(page.case.pk, f"offer-{offer.pk}"),
        )

    return page.handle(
        form,
        save,
        "cases/offer_follow_up.html",
        {"offer": offer, "wait_school_days": _wait(page.case)},
    )


# Engagement ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def engagement_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    form = EngagementForm(request.POST or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        assessment = engagement_assessment_create(
            acting_user=page.user,
            case_id=case_id,
            assessed_on=data["assessed_on"],
            level=data["level"],
            reason=data["reason"],
        )
        return page.saved(
            f"Engagement recorded: {assessment.get_level_display()}.", texts=[data["reason"]]
        )

    return page.handle(form, save, "cases/engagement_form.html")


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/barriers/new/", barrier_new, name="barrier_new"),
    path(
        "cases/<int:case_id>/barriers/<int:barrier_id>/change/",
        barrier_change,
        name="barrier_change",
    ),
    path("cases/<int:case_id>/adjustments/new/", adjustment_new, name="adjustment_new"),
    path("cases/<int:case_id>/support/new/", offer_new, name="offer_new"),
    path(
        "cases/<int:case_id>/support/<int:offer_id>/outcome/",
        offer_outcome,
        name="offer_outcome",
    ),
    path(
        "cases/<int:case_id>/support/<int:offer_id>/follow-up/",
        offer_follow_up,
        name="offer_follow_up",
    ),
    path("cases/<int:case_id>/engagement/new/", engagement_new, name="engagement_new"),
]
