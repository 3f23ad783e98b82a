"""The subject-access export page: what it holds, and the download."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.http import acting_user
from pupils import selectors

from .services.subject_access import export_for


@require_http_methods(["GET", "POST"])
@permission_required("records.export_subject_access", raise_exception=True)
def subject_access(request: HttpRequest, pupil_id: int) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        export = export_for(user=user, pupil_id=pupil_id, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(export.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
    pupil = selectors.pupil_detail(user=user, pupil_id=pupil_id)
    return render(request, "records/subject_access.html", {"pupil": pupil})
