from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET

from ..selectors_chronology import KINDS, case_chronology


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def chronology(request: HttpRequest, case_id: int) -> HttpResponse:
    kinds = [k for k in request.GET.getlist("kind") if k in KINDS] or list(KINDS)
    case, entries = case_chronology(user=request.user, case_id=case_id, kinds=kinds)
    return render(
        request,
        "cases/chronology.html",
        {"case": case, "entries": entries, "kinds": KINDS, "selected": kinds},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/chronology/", chronology, name="chronology"),
]
