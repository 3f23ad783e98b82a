"""The case itself: the caseload, opening, the case page, changing and closing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET, require_http_methods

from attendance.reports import figures_for_pupil
from core.audit import record_view
from core.dates import today
from core.http import acting_user
from core.language import language_advice
from pupils import selectors

from ..forms_cases import CaseChangeForm, CaseCloseForm, CaseOpenForm
from ..models import AttendanceCase
from ..selectors_cases import case_file, caseload_page
from ..services.casework import case_close, case_open, case_update

# A lead's working list: one screen of the most pressing cases, the rest a page away.
CASES_PER_PAGE = 50


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def case_list(request: HttpRequest) -> HttpResponse:
    closed = request.GET.get("status") == "closed"
    status = AttendanceCase.Status.CLOSED if closed else AttendanceCase.Status.OPEN
    page = caseload_page(
        user=request.user,
        status=status,
        page_number=request.GET.get("page"),
        per_page=CASES_PER_PAGE,
    )
    return render(request, "cases/caseload.html", {"page": page, "closed": closed})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def case_start(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_detail(user=request.user, pupil_id=pupil_id)
    existing = AttendanceCase.objects.for_user(request.user).filter(
        pupil=pupil, school=acting_user(request).school, status=AttendanceCase.Status.OPEN
    )
    if existing.exists():
        messages.info(request, f"{pupil} already has an open case.")
        return redirect("cases:case_detail", case_id=existing.get().pk)
    figures = figures_for_pupil(pupil_id=pupil.pk, upn=pupil.upn, as_at=today())
    form = CaseOpenForm(
        request.POST or None,
        school_id=acting_user(request).school_id,
        initial={"lead_professional": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = case_open(
                acting_user=acting_user(request),
                pupil_id=pupil.pk,
                reason=form.cleaned_data["reason"],
                lead_professional=form.cleaned_data["lead_professional"],
                stage=form.cleaned_data["stage"],
                figures=figures.as_json(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Case opened for {pupil}.")
            advice = language_advice([form.cleaned_data["reason"]])
            if advice:
                messages.warning(request, advice)
            return redirect("cases:case_detail", case_id=case.pk)
    return render(
        request, "cases/case_open.html", {"pupil": pupil, "form": form, "figures": figures}
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    file = case_file(user=request.user, case_id=case_id)
    # The case file holds the pupil's voice, barriers and home visits.
    record_view(request, target=file.case, what="case file", school=file.case.school)
    return render(
        request,
        "cases/case_detail.html",
        {
            "file": file,
            "case": file.case,
            "can_change": file.case.is_open and request.user.has_perm("cases.change_case"),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def case_change(request: HttpRequest, case_id: int) -> HttpResponse:
    file = case_file(user=request.user, case_id=case_id)
    case = file.case
    form = CaseChangeForm(
        request.POST or None,
        school_id=case.school_id,
        initial={
            "version": case.version,
            "stage": case.stage,
            "lead_professional": case.lead_professional_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            case_update(
                acting_user=acting_user(request),
                case_id=case.pk,
                version=form.cleaned_data["version"],
                lead_professional=form.cleaned_data["lead_professional"],
                stage=form.cleaned_data["stage"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Case updated.")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(request, "cases/case_change.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def case_end(request: HttpRequest, case_id: int) -> HttpResponse:
    file = case_file(user=request.user, case_id=case_id)
    case = file.case
    form = CaseCloseForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        try:
            case_close(
                acting_user=acting_user(request),
                case_id=case.pk,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Case closed.")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(request, "cases/case_close.html", {"case": case, "form": form})


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", case_list, name="caseload"),
    path("pupils/<int:pupil_id>/open-case/", case_start, name="case_open"),
    path("cases/<int:case_id>/", case_detail, name="case_detail"),
    path("cases/<int:case_id>/change/", case_change, name="case_change"),
    path("cases/<int:case_id>/close/", case_end, name="case_close"),
]
