"""Part-time timetables: the school's register, agreeing one from a case,
recording a review and ending one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.dates import today
from core.http import acting_user
from core.pagination import page_of

from ..forms_timetables import TimetableEndForm, TimetableForm, TimetableReviewForm
from ..models import PartTimeTimetable
from ..services.timetables import (
    timetable_create,
    timetable_end,
    timetable_for_page,
    timetable_register,
    timetable_review,
)
from .section import CaseFormPage, FormPage, case_section

SECTION = "timetables"


def _page(request: HttpRequest, timetable: PartTimeTimetable) -> FormPage:
    """Back to the case the timetable was agreed in, or else to the register."""
    if timetable.case is not None:
        return CaseFormPage(
            request, back_to=case_section(timetable.case.pk, SECTION), case=timetable.case
        )
    return FormPage(request, back_to=reverse("cases:timetables"))


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def timetable_list(request: HttpRequest) -> HttpResponse:
    rows = timetable_register(user=request.user)
    return render(
        request,
        "cases/timetables.html",
        {
            "rows": page_of(rows, request),
            "show_school": acting_user(request).school_id is None,
            "reviews_overdue": sum(r.flags.review_overdue for r in rows),
            "past_end": sum(r.flags.past_planned_end for r in rows),
            "la_not_notified": sum(r.flags.la_not_notified for r in rows),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    form = TimetableForm(request.POST or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        timetable_create(acting_user=page.user, case_id=case_id, **data)
        return page.saved("Part-time timetable saved.", texts=[data["reason"]])

    return page.handle(form, save, "cases/timetable_form.html")


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_reviewed(request: HttpRequest, timetable_id: int) -> HttpResponse:
    timetable = timetable_for_page(user=request.user, timetable_id=timetable_id)
    page = _page(request, timetable)
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

    def save(data: dict[str, Any]) -> HttpResponse:
        timetable_review(acting_user=page.user, timetable_id=timetable.pk, **data)
        return page.saved("Review recorded.")

    return page.handle(form, save, "cases/timetable_review.html", {"timetable": timetable})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def timetable_finish(request: HttpRequest, timetable_id: int) -> HttpResponse:
    timetable = timetable_for_page(user=request.user, timetable_id=timetable_id)
    page = _page(request, timetable)
    form = TimetableEndForm(
        request.POST or None, initial={"version": timetable.version, "ended_on": today()}
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        timetable_end(acting_user=page.user, timetable_id=timetable.pk, **data)
        return page.saved("Part-time timetable ended.")

    return page.handle(form, save, "cases/timetable_end.html", {"timetable": timetable})


urlpatterns: list[URLPattern | URLResolver] = [
    path("timetables/", timetable_list, name="timetables"),
    path("cases/<int:case_id>/timetables/new/", timetable_new, name="timetable_new"),
    path("timetables/<int:timetable_id>/review/", timetable_reviewed, name="timetable_review"),
    path("timetables/<int:timetable_id>/end/", timetable_finish, name="timetable_end"),
]
