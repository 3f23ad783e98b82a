import rules
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.audit import record_view
from pupils import selectors
from pupils.forms import CorrespondenceDecisionForm
from pupils.services.families import carer_correspondence_decide

from ..selectors_cases import open_case_for

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
    record_view(request, target=pupil, what="pupil and family page")
    open_case = open_case_for(user=request.user, pupil_id=pupil.pk)
    return render(
        request,
        "cases/pupil_detail.html",
        {
            "pupil": pupil,
            "open_case": open_case,
            # The rules alone: `perms` falls through to Django's ModelBackend,
            # two queries, for everyone the rule refuses.
            "may_see_access_log": rules.has_perm("cases.view_access_log", request.user),
            "may_export": rules.has_perm("records.export_subject_access", request.user),
        },
    )


@require_POST
def carer_correspondence(request: HttpRequest, pupil_id: int, link_id: int) -> HttpResponse:
    """The DSL's decision on writing to a parent who does not live with the pupil."""
    form = CorrespondenceDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("cases:pupil_detail", pupil_id=pupil_id)
    try:
        link = carer_correspondence_decide(
            acting_user=request.user,  # type: ignore[arg-type]
            link_id=link_id,
            include=form.cleaned_data["include"] == "yes",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("cases:pupil_detail", pupil_id=pupil_id)
    if link.pupil_id != pupil_id:
        raise Http404("No such record.")
    verb = "will" if link.included_in_correspondence else "will not"
    messages.success(request, f"{link.carer} {verb} get letters and messages about attendance.")
    return redirect("cases:pupil_detail", pupil_id=pupil_id)
