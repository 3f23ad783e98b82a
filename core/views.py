from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .dates import today
from .health import health_report
from .hooks import home_page, home_panels
from .http import is_api_request
from .pagination import page_of
from .scoping import visible_schools


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    on = today()
    # Each role's "today" list heads the page (cases: the flags).
    today_list = home_page(request) if home_page.provided else None
    visible = visible_schools(request.user)
    on_roll = (
        visible.model.objects.filter(pk=OuterRef("pk"))
        .annotate(
            n=Count(
                "enrolments",
                filter=Q(enrolments__start__lte=on)
                & (Q(enrolments__end__isnull=True) | Q(enrolments__end__gte=on)),
            )
        )
        .values("n")
    )
    schools = (
        visible.select_related("local_authority")
        .annotate(pupils_on_roll=Subquery(on_roll))
        .order_by("name", "pk")
    )
    # A school's own staff see one school: no pages, and no count to ask for.
    # An LA's schools come a page at a time, each page's pupils counted on
    # their own: counting every pupil on roll in the LA made this page slow.
    page = None if getattr(request.user, "school_id", None) else page_of(schools, request)
    panels = [panel for panel in home_panels(request) if panel]
    return render(
        request,
        "core/home.html",
        {
            "schools": schools if page is None else page,
            "page": page,
            "today": on,
            "panels": panels,
            "today_list": today_list,
        },
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    # No context processors or user: the failure may be in them.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
