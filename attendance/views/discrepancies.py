"""Differences another school's import found with this school's records: the
list, and dealing with one. Thin: the selector scopes, the service decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET, require_http_methods

from core.scoping import get_for_user_or_404

from ..forms_discrepancies import DiscrepancyResolveForm
from ..selectors import import_discrepancies
from ..services.discrepancies import (
    DiscrepancyRefused,
    discrepancy_resolve,
    leaving_date_may_be_recorded,
    may_resolve_discrepancies,
)

RESOLVED_SHOWN = 20
# A school's first CTF from a large feeder school can raise hundreds at once.
WAITING_PER_PAGE = 25


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "attendance/discrepancies.html",
        {
            "waiting": Paginator(
                import_discrepancies(user=request.user, resolved=False), WAITING_PER_PAGE
            ).get_page(request.GET.get("page")),
            "resolved": import_discrepancies(user=request.user, resolved=True)[:RESOLVED_SHOWN],
            "may_resolve": may_resolve_discrepancies(request.user),  # type: ignore[arg-type]
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_pupil", raise_exception=True)
def discrepancy_resolve_page(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    discrepancy = get_for_user_or_404(
        import_discrepancies(user=request.user, resolved=False), request.user, pk=discrepancy_id
    )
    if not may_resolve_discrepancies(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    on_roll = leaving_date_may_be_recorded(discrepancy)
    form = DiscrepancyResolveForm(request.POST or None, on_roll=on_roll)
    if request.method == "POST" and form.is_valid():
        try:
            discrepancy_resolve(
                acting_user=request.user,  # type: ignore[arg-type]
                discrepancy_id=discrepancy.pk,
                resolution=form.cleaned_data["resolution"],
                left_on=form.cleaned_data.get("left_on"),
            )
        except DiscrepancyRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, f"Marked as dealt with: {discrepancy.pupil}.")
            return redirect("attendance:discrepancy_list")
    return render(
        request,
        "attendance/discrepancy_resolve.html",
        {"discrepancy": discrepancy, "form": form, "on_roll": on_roll},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("", discrepancy_list, name="discrepancy_list"),
    path("<int:discrepancy_id>/", discrepancy_resolve_page, name="discrepancy_resolve"),
]
