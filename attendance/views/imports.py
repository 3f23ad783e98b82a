"""Uploading a Common Transfer File or a marks CSV, and following its import.

Thin: the upload is stored and queued by `import_batch_create`, which also
turns a form sent twice into a redirect to the import already under way. A file
sent with a form that has an error is kept (attendance.services.uploads), so
that correcting the form does not mean choosing the file again. The
import itself runs in the worker (attendance.tasks.run_import); its page
refreshes itself until the report is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET, require_http_methods

from core.scoping import get_for_user_or_404

from ..forms import ImportUploadForm
from ..imports.report import ImportReport
from ..models import ImportBatch
from ..services.imports import ImportRefused, import_batch_create
from ..services.uploads import upload_allowed

if TYPE_CHECKING:
    from accounts.models import User

RECENT_IMPORTS = 10


@require_http_methods(["GET", "POST"])
@permission_required("cases.import_attendance", raise_exception=True)
def import_start(request: HttpRequest) -> HttpResponse:
    user = cast("User", request.user)  # signed in: LoginRequiredMiddleware
    recent = (
        ImportBatch.objects.for_user(user)
        .select_related("uploaded_by")
        .order_by("-created_at", "-pk")[:RECENT_IMPORTS]
    )
    if not upload_allowed(user):
        # Told before choosing a file, with no form: these accounts use the commands.
        return render(request, "attendance/import_start.html", {"form": None, "recent": recent})
    posted = request.method == "POST"
    form = (
        ImportUploadForm(request.POST, request.FILES, user=user)
        if posted
        else ImportUploadForm(user=user)
    )
    if posted and form.is_valid():
        try:
            batch, created = import_batch_create(
                acting_user=user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                academic_year=form.cleaned_data["academic_year"],
                columns=form.cleaned_data["columns"],
            )
        except ImportRefused as refused:
            form.add_error(None, str(refused))
        else:
            form.forget_kept_upload()
            if not created:
                messages.info(
                    request,
                    "This file is already being imported. Nothing new was started: "
                    "this is the import that is under way.",
                )
            return redirect("attendance:import_detail", batch_id=batch.pk)
    if posted:
        form.keep_upload()
    return render(request, "attendance/import_start.html", {"form": form, "recent": recent})


@require_GET
@permission_required("cases.import_attendance", raise_exception=True)
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_for_user_or_404(ImportBatch.objects, request.user, pk=batch_id)
    finished = batch.status in (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED)
    report = ImportReport.from_json(batch.report) if finished and batch.report else None
    return render(
        request,
        "attendance/import_detail.html",
        {"batch": batch, "finished": finished, "report": report},
    )


@require_GET
@permission_required("cases.import_attendance", raise_exception=True)
def import_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    """What the progress page polls (with JavaScript) to move its bar in place."""
    batch = get_for_user_or_404(ImportBatch.objects, request.user, pk=batch_id)
    finished = batch.status in (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED)
    return JsonResponse({"status": batch.status, "progress": batch.progress, "finished": finished})


urlpatterns: list[URLPattern | URLResolver] = [
    path("", import_start, name="import_start"),
    path("<int:batch_id>/", import_detail, name="import_detail"),
    path("<int:batch_id>/progress/", import_progress, name="import_progress"),
]
