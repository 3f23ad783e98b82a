"""Barriers, reasonable adjustments, support offered and the parents' engagement.

Each view: scoped read of the case (404), `cases.change_case` (403), a closed
case sends the user back to the case page with the reason; a record id of
another case is a 404; on POST one service call, then back to the case page's
"Barriers and support" section (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.http import require_http_methods

from core.http import acting_user
from core.language import language_advice

from ..forms_support import (
    AdjustmentForm,
    BarrierForm,
    EngagementForm,
    OfferForm,
    OfferOutcomeForm,
    adjustment_examples,
)
from ..models import AttendanceCase, Barrier, SupportOffer
from ..services.casework import CaseClosed
from ..services.meetings import case_for_form
from ..services.support import (
    adjustment_create,
    barrier_create,
    barrier_update,
    case_barriers,
    engagement_assessment_create,
    offer_create,
    offer_outcome_record,
    record_in_case,
)

# Shared by the case file's form views -----------------------------------------


def refused(request: HttpRequest, case_id: int, exc: ValidationError) -> HttpResponse:
    """Back to the case page, saying why the change cannot be made (a closed
    case, a cancelled meeting)."""
    messages.error(request, " ".join(exc.messages))
    return redirect("cases:case_detail", case_id=case_id)


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form, beside the field it is about when there
    is one, so the error summary links to it and what was typed is kept."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def back_to_case(case: AttendanceCase, *, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('cases:case_detail', args=[case.pk])}#{anchor}")


def _saved(
    request: HttpRequest, case: AttendanceCase, message: str, texts: Sequence[str]
) -> HttpResponse:
    messages.success(request, message)
    advice = language_advice(texts)
    if advice:
        messages.warning(request, advice)
    return back_to_case(case, anchor="support")


# Barriers -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def barrier_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    form = BarrierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            barrier = barrier_create(
                acting_user=user,
                case_id=case.pk,
                kind=data["kind"],
                factor=data["factor"],
                description=data["description"],
                identified_on=data["identified_on"],
                risk_factors=data["risk_factors"],
                resilience_factors=data["resilience_factors"],
                resolved_on=data["resolved_on"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(
                request,
                case,
                f"Barrier added: {barrier.get_kind_display()}.",
                [data["description"], data["risk_factors"], data["resilience_factors"]],
            )
    return render(request, "cases/barrier_form.html", {"case": case, "form": form, "barrier": None})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def barrier_change(request: HttpRequest, case_id: int, barrier_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    barrier = record_in_case(Barrier, case, barrier_id)
    form = BarrierForm(request.POST or None, barrier=barrier)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            barrier = barrier_update(
                acting_user=user,
                case_id=case.pk,
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
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(
                request,
                case,
                f"Barrier changed: {barrier.get_kind_display()}.",
                [data["description"], data["risk_factors"], data["resilience_factors"]],
            )
    return render(
        request, "cases/barrier_form.html", {"case": case, "form": form, "barrier": barrier}
    )


# Reasonable adjustments --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def adjustment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    barriers = case_barriers(case)
    form = AdjustmentForm(request.POST or None, barriers=barriers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adjustment_create(
                acting_user=user,
                case_id=case.pk,
                description=data["description"],
                made_on=data["made_on"],
                barrier_id=data.get("barrier"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(request, case, "Reasonable adjustment added.", [data["description"]])
    relevant, others = adjustment_examples(b.kind for b in barriers if b.resolved_on is None)
    return render(
        request,
        "cases/adjustment_form.html",
        {"case": case, "form": form, "relevant_examples": relevant, "other_examples": others},
    )


# Support offered ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def offer_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    form = OfferForm(request.POST or None, barriers=case_barriers(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer_create(
                acting_user=user,
                case_id=case.pk,
                what=data["what"],
                provider=data["provider"],
                provider_detail=data["provider_detail"],
                offered_on=data["offered_on"],
                barrier_id=data.get("barrier"),
                outcome=data["outcome"],
                outcome_on=data["outcome_on"],
                outcome_note=data["outcome_note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(
                request, case, "Support offered recorded.", [data["what"], data["outcome_note"]]
            )
    return render(request, "cases/offer_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def offer_outcome(request: HttpRequest, case_id: int, offer_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    offer = record_in_case(SupportOffer, case, offer_id)
    form = OfferOutcomeForm(request.POST or None, offer=offer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer = offer_outcome_record(
                acting_user=user,
                case_id=case.pk,
                offer_id=offer.pk,
                version=data["version"],
                outcome=data["outcome"],
                outcome_on=data["outcome_on"],
                outcome_note=data["outcome_note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(
                request,
                case,
                f"Outcome recorded: {offer.get_outcome_display()}.",
                [data["outcome_note"]],
            )
    return render(request, "cases/offer_outcome.html", {"case": case, "form": form, "offer": offer})


# Engagement ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def engagement_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    form = EngagementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = engagement_assessment_create(
                acting_user=user,
                case_id=case.pk,
                assessed_on=data["assessed_on"],
                level=data["level"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _saved(
                request,
                case,
                f"Engagement recorded: {assessment.get_level_display()}.",
                [data["reason"]],
            )
    return render(request, "cases/engagement_form.html", {"case": case, "form": form})


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
    path("cases/<int:case_id>/engagement/new/", engagement_new, name="engagement_new"),
]
