from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors

PUPILS_PER_PAGE = 50


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def pupil_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    pupils = selectors.pupil_list(user=request.user, search=search)
    page = Paginator(pupils, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/pupil_list.html", {"page": page, "search": search})


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def pupil_detail(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_detail(user=request.user, pupil_id=pupil_id)
    return render(request, "cases/pupil_detail.html", {"pupil": pupil})
