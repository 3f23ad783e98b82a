from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET

from core.audit import record_view
from core.dates import today

from ..selectors_chronology import KINDS, case_chronology


def _kinds(request: HttpRequest) -> list[str]:
    return [k for k in request.GET.getlist("kind") if k in KINDS] or list(KINDS)


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def chronology(request: HttpRequest, case_id: int) -> HttpResponse:
    kinds = _kinds(request)
    case, entries = case_chronology(user=request.user, case_id=case_id, kinds=kinds)
    record_view(request, target=case, what="case chronology opened")
    return render(
        request,
        "cases/chronology.html",
        {
            "case": case,
            "entries": entries,
            "kinds": KINDS,
            "selected": kinds,
            "pdf_query": request.GET.urlencode(),
        },
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def chronology_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """The chronology as an A4 PDF, with what was selected on the page (the
    apps above cases add their entries through the chronology hook)."""
    import weasyprint  # heavy (a second at start-up): loaded only when a PDF is made

    kinds = _kinds(request)
    case, entries = case_chronology(user=request.user, case_id=case_id, kinds=kinds)
    html = render_to_string(
        "cases/chronology_pdf.html",
        {
            "case": case,
            "entries": entries,
            "shown": [KINDS[k] for k in KINDS if k in kinds],
            "all_shown": len(kinds) == len(KINDS),
            "made_on": today(),
            "made_by": request.user,
        },
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    record_view(request, target=case, what="case chronology downloaded as PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="chronology-case-{case.pk}.pdf"'
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/chronology/", chronology, name="chronology"),
    path("cases/<int:case_id>/chronology.pdf", chronology_pdf, name="chronology_pdf"),
]
