from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from ..models import AttendanceCase
from ..selectors_threshold import NO_CASE, ThresholdFilters, threshold_pupils, threshold_schools

PUPILS_PER_PAGE = 50


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def threshold_list(request: HttpRequest) -> HttpResponse:
    filters = ThresholdFilters.from_query(
        request.GET.get("school", ""), request.GET.get("stage", "")
    )
    rows = threshold_pupils(user=request.user, filters=filters)
    page = Paginator(rows, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    stages = [(NO_CASE, "No open case"), *AttendanceCase.Stage.choices]
    return render(
        request,
        "cases/threshold_list.html",
        {
            "page": page,
            "filters": filters,
            "schools": threshold_schools(request.user),
            "stages": [(value, label) for value, label in stages if value != "closed"],
            "stage_labels": dict(AttendanceCase.Stage.choices),
            "filtered": filters.school_id is not None or bool(filters.stage),
        },
    )


urlpatterns = [path("threshold/", threshold_list, name="threshold_list")]
