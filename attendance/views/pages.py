"""The attendance pages: a school's dashboard, the LA overview of every school,
and a pupil's attendance. Thin: parse the request, call the selectors, build the
charts, render. Who may see what is the selectors' business (a school or pupil
outside the user's scope is a 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET

from core.audit import record_view
from core.dates import today

from .. import charts, selectors_pages
from ..hooks import pupil_page_panels
from ..selectors import DashboardFilters
from ..years import academic_year_of, year_start

# GET values are free text: cut them to the longest real value, so that a
# crafted URL cannot make a filter or sort do anything but match nothing.
_MAX_YEAR_GROUP = 3
_MAX_KEY = 20


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def school_dashboard(request: HttpRequest, school_id: int) -> HttpResponse:
    characteristic = request.GET.get("characteristic", "")[:_MAX_KEY]
    filters = DashboardFilters(
        year_group=request.GET.get("year_group", "").strip()[:_MAX_YEAR_GROUP],
        characteristic=characteristic if characteristic in DashboardFilters.CHARACTERISTICS else "",
    )
    page = selectors_pages.school_dashboard_page(
        user=request.user,
        school_id=school_id,
        filters=filters,
        today=today(),
        page_numbers={
            param: request.GET.get(param)
            for param in selectors_pages.DASHBOARD_LIST_PARAMS.values()
        },
    )
    characteristics = [(key, label) for key, (label, _) in DashboardFilters.CHARACTERISTICS.items()]
    return render(
        request,
        "attendance/school_dashboard.html",
        {
            "page": page,
            "dashboard": page.dashboard,
            "measures": page.measures,
            "filters": filters,
            "filtered": bool(filters.year_group or filters.characteristic),
            "characteristic_label": dict(characteristics).get(filters.characteristic, ""),
            "characteristics": characteristics,
            "trend_chart": charts.weekly_trend_chart(page.trend, subject=page.school.name),
            # School users have one school: the overview is for LA staff and admins.
            "show_overview_link": not getattr(request.user, "is_school_user", False),
        },
    )


@dataclass(frozen=True)
class SortColumn:
    """A sortable column heading of the LA overview: where its link goes and,
    when the table is sorted by it, which way (for `aria-sort`)."""

    key: str
    label: str
    numeric: bool
    query: str
    aria_sort: str


_OVERVIEW_COLUMNS = (
    ("name", "School", False),
    ("pupils", "Pupils on roll", True),
    ("attendance", "Attendance", True),
    ("persistent", "Persistent absence", True),
    ("severe", "Severe absence", True),
    ("threshold", "National threshold", True),
    ("missing", "Missing marks", True),
)


def _sort_columns(sort: str, descending: bool) -> list[SortColumn]:
    columns = []
    for key, label, numeric in _OVERVIEW_COLUMNS:
        current = key == sort
        # A second click on the sorted column reverses it.
        query = f"-{key}" if current and not descending else key
        aria = ("descending" if descending else "ascending") if current else ""
        columns.append(SortColumn(key, label, numeric, query, aria))
    return columns


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def la_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    # A school user has one school: their dashboard is their overview.
    if getattr(user, "is_school_user", False) and getattr(user, "school_id", None):
        return redirect("attendance:school_dashboard", school_id=user.school_id)  # type: ignore[union-attr]
    page = selectors_pages.la_overview_page(user=user, sort=request.GET.get("sort", "")[:_MAX_KEY])
    return render(
        request,
        "attendance/la_overview.html",
        {"page": page, "columns": _sort_columns(page.sort, page.descending)},
    )


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def pupil_attendance(request: HttpRequest, pupil_id: int) -> HttpResponse:
    page = selectors_pages.pupil_page(user=request.user, pupil_id=pupil_id, as_at=today())
    record_view(request, target=page.pupil, what="pupil's attendance page")
    pattern = page.attendance.pattern
    as_at = page.figures.as_at
    return render(
        request,
        "attendance/pupil_attendance.html",
        {
            "page": page,
            "pupil": page.pupil,
            "figures": page.figures,
            "herringbone": charts.herringbone_chart(
                pattern, period=f"{page.academic_year} to {as_at.day} {as_at:%B %Y}"
            ),
            "herringbone_rows": charts.herringbone_rows(pattern),
            "herringbone_grid": charts.herringbone_grid_chart(
                charts.register_weeks(
                    page.attendance.registers, year_start(academic_year_of(as_at)), as_at
                ),
                period=f"{page.academic_year} to {as_at.day} {as_at:%B %Y}",
            ),
            # The apps above attendance add their own (cases: the open case).
            "panels": [panel for panel in pupil_page_panels(request, page.pupil) if panel],
        },
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("schools/", la_overview, name="la_overview"),
    path("schools/<int:school_id>/", school_dashboard, name="school_dashboard"),
    path("pupils/<int:pupil_id>/", pupil_attendance, name="pupil_attendance"),
]
