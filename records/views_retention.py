"""The LA manager's retention pages: the records past their period, a
decision on each, and the LA's periods."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.http import acting_user
from core.once import act_once

from .forms import RetentionDecisionForm, RetentionPeriodsForm
from .models import RetentionReview
from .retention_rules import KINDS
from .services.retention import (
    retention_delete,
    retention_keep,
    retention_set,
    retention_years,
)

REVIEWS_PER_PAGE = 50


@require_http_methods(["GET", "POST"])
@permission_required("records.review_retention", raise_exception=True)
def retention(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    # The permission holds for a superuser too, who has no LA's periods to set.
    if user.local_authority_id is None:
        raise PermissionDenied("Retention is decided by the LA's managers.")
    current = {key: retention_years(user.local_authority_id, key) for key in KINDS}
    form = RetentionPeriodsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():

        def save() -> HttpResponse:
            for key in KINDS:
                if form.cleaned_data[key] != current[key]:
                    retention_set(acting_user=user, kind=key, years=form.cleaned_data[key])
            messages.success(request, "The retention periods are saved.")
            return redirect("records:retention")

        return act_once(request, save)
    waiting = RetentionReview.objects.filter(
        local_authority_id=user.local_authority_id, status=RetentionReview.Status.WAITING
    ).select_related("school")
    page = Paginator(waiting, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/retention.html",
        {"page": page, "form": form, "kinds": KINDS.values(), "current": current},
    )


@require_http_methods(["GET", "POST"])
@permission_required("records.review_retention", raise_exception=True)
def retention_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = acting_user(request)
    review = RetentionReview.objects.filter(
        pk=review_id, local_authority_id=user.local_authority_id
    ).first()
    if review is None:
        raise Http404("No such record to review.")
    form = RetentionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def decide() -> HttpResponse:
            action = (
                retention_delete if form.cleaned_data["decision"] == "delete" else retention_keep
            )
            try:
                done = action(
                    acting_user=user, review_id=review.pk, reason=form.cleaned_data["reason"]
                )
            except ValidationError as refused:
                form.add_error(None, refused)
                return render(
                    request, "records/retention_decide.html", {"review": review, "form": form}
                )
            messages.success(request, f"{done.get_status_display()}: {done.description}.")
            return redirect("records:retention")

        return act_once(request, decide)
    return render(request, "records/retention_decide.html", {"review": review, "form": form})
