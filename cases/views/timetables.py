"""Part-time timetables: the school's register, agreeing one from a case,
recording a review and ending one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.dates import today
from core.http import acting_user
from core.language import language_advice

from ..forms_timetables import TimetableEndForm, TimetableForm, TimetableReviewForm
from ..models import PartTimeTimetable
from ..services.plans import case_for_page
from ..services.timetables import (
    timetable_create,
    timetable_end,
    timetable_for_page,
    timetable_register,
    timetable_review,
)


def _back(timetable: PartTimeTimetable) -> HttpResponseRedirect:
    """To the case the timetable was agreed in, or else to the register."""
    if timetable.case_id is not None:
        return redirect(reverse("cases:case_detail", args=[timetable.case_id]) + "#timetables")
    return redirect("cases:timetables")


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def timetable_list(request: HttpRequest) -> HttpResponse:
    rows = timetable_register(user=request.user)
    return render(
        request,
        "cases/timetables.html",
        {
            "rows": rows,
            "show_school": acting_user(request).school_id is None,
            "reviews_overdue": sum(r.flags.review_overdue for r in rows),
            "past_end": sum(r.flags.past_planned_end for r in rows),
            "la_not_notified": sum(r.flags.la_not_notified for r in rows),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for_page(user=request.user, case_id=case_id)
    form = TimetableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            timetable_create(acting_user=acting_user(request), case_id=case.pk, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Part-time timetable saved.")
            advice = language_advice([form.cleaned_data["reason"]])
            if advice:
                messages.warning(request, advice)
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#timetables")
    return render(request, "cases/timetable_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_reviewed(request: HttpRequest, timetable_id: int) -> HttpResponse:
    timetable = timetable_for_page(user=request.user, timetable_id=timetable_id)
    form = TimetableReviewForm(
        request.POST or None,
        initial={
            "version": timetable.version,
            "reviewed_on": today(),
            "planned_end": timetable.planned_end,
            "parent_agreed_on": timetable.parent_agreed_on,
            "la_notified_on": timetable.la_notified_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            timetable_review(
                acting_user=acting_user(request), timetable_id=timetable.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Review recorded.")
            return _back(timetable)
    return render(request, "cases/timetable_review.html", {"timetable": timetable, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_finish(request: HttpRequest, timetable_id: int) -> HttpResponse:
    timetable = timetable_for_page(user=request.user, timetable_id=timetable_id)
    form = TimetableEndForm(
        request.POST or None, initial={"version": timetable.version, "ended_on": today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            timetable_end(
                acting_user=acting_user(request), timetable_id=timetable.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Part-time timetable ended.")
            return _back(timetable)
    return render(request, "cases/timetable_end.html", {"timetable": timetable, "form": form})


urlpatterns: list[URLPattern | URLResolver] = [
    path("timetables/", timetable_list, name="timetables"),
    path("cases/<int:case_id>/timetables/new/", timetable_new, name="timetable_new"),
    path("timetables/<int:timetable_id>/review/", timetable_reviewed, name="timetable_review"),
    path("timetables/<int:timetable_id>/end/", timetable_finish, name="timetable_end"),
]
