"""A pupil's access log (cases.selectors_access_log)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from ..selectors_access_log import pupil_access_log

EVENTS_PER_PAGE = 50


@require_GET
@permission_required("cases.view_access_log", raise_exception=True)
def access_log(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil, events = pupil_access_log(user=request.user, pupil_id=pupil_id)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/access_log.html", {"pupil": pupil, "page": page})


urlpatterns: list[URLPattern] = [
    path("pupils/<int:pupil_id>/access-log/", access_log, name="access_log"),
]
