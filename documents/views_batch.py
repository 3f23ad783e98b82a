"""The half-term letters pages: the school's batches, asking for one (with the
count of pupils before it starts), its progress, and its downloads. Thin: each
calls the batch service (documents/services/batch.py)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases.views.section import FormPage
from core.audit import record_view
from core.http import acting_user

from .forms_batch import HalfTermForm
from .models import DocumentBatch
from .services.batch import (
    batch_for_user,
    batches_for_user,
    half_term_batch_start,
    half_term_of,
    half_terms,
    letters_zip,
    pupils_chosen,
    school_of,
    school_refusal,
    texts_csv,
)

# How often the progress page reloads itself while the letters are made (it
# needs no JavaScript); "Stop refreshing" turns it off (WCAG 2.2.1).
REFRESH_SECONDS = 5


def _list_url() -> str:
    return reverse("documents:half_term_batches")


@require_GET
def half_term_batches(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    school = school_of(user)
    return render(
        request,
        "documents/half_term_batches.html",
        {
            "school": school,
            "batches": batches_for_user(user=user),
            "refusal": school_refusal(school),
        },
    )


@require_http_methods(["GET", "POST"])
def half_term_new(request: HttpRequest) -> HttpResponse:
    """Choose the half term and the pupils; a GET with a choice shows how many
    pupils, letters and texts it makes, and the button that starts it."""
    user = acting_user(request)
    school = school_of(user)
    page = FormPage(request, back_to=_list_url())
    refused = school_refusal(school)
    if refused is not None:
        return page.refuse(refused)
    terms = half_terms(user)
    if request.method == "POST":
        form = HalfTermForm(request.POST, terms=terms)
    else:
        form = HalfTermForm(request.GET if "term" in request.GET else None, terms=terms)
    chosen = None
    if request.method == "GET" and form.is_bound and form.is_valid():
        chosen = pupils_chosen(
            school=school,
            half_term=half_term_of(form.cleaned_data["term"]),
            threshold=form.chosen_threshold,
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        batch = half_term_batch_start(
            acting_user=user, term_id=data["term"].pk, threshold=form.chosen_threshold
        )
        return page.saved(
            f"The letters for {batch.total} pupils are being made.",
            to=reverse("documents:half_term_batch", args=[batch.pk]),
        )

    return page.handle(
        form,
        save,
        "documents/half_term_new.html",
        {"school": school, "chosen": chosen, "has_terms": terms.exists()},
    )


@require_GET
def half_term_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = batch_for_user(user=acting_user(request), batch_id=batch_id)
    refresh = batch.running and request.GET.get("refresh") != "off"
    return render(
        request,
        "documents/half_term_batch.html",
        {"batch": batch, "refresh": REFRESH_SECONDS if refresh else 0},
    )


def _done_batch(request: HttpRequest, batch_id: int) -> DocumentBatch:
    batch = batch_for_user(user=acting_user(request), batch_id=batch_id)
    if batch.status != DocumentBatch.Status.DONE:
        raise Http404("The letters are not ready.")
    return batch


@require_GET
def half_term_zip(request: HttpRequest, batch_id: int) -> FileResponse:
    batch = _done_batch(request, batch_id)
    record_view(
        request,
        target=batch,
        what=f"Half-term letters, {batch.term_name}: {batch.letters} letters downloaded (ZIP)",
        school=batch.school,
    )
    return FileResponse(
        letters_zip(batch),
        as_attachment=True,
        filename=f"half-term-letters-{batch.first_day:%Y-%m-%d}-{batch.pk}.zip",
        content_type="application/zip",
    )


@require_GET
def half_term_pdf(request: HttpRequest, batch_id: int) -> FileResponse:
    batch = _done_batch(request, batch_id)
    if not batch.combined_file:
        raise Http404("This batch made no letters.")
    record_view(
        request,
        target=batch,
        what=f"Half-term letters, {batch.term_name}: {batch.letters} letters downloaded "
        "(one PDF to print)",
        school=batch.school,
    )
    return FileResponse(
        batch.combined_file.open("rb"),
        as_attachment=True,
        filename=f"half-term-letters-{batch.first_day:%Y-%m-%d}-{batch.pk}.pdf",
        content_type="application/pdf",
    )


@require_GET
def half_term_texts(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _done_batch(request, batch_id)
    record_view(
        request,
        target=batch,
        what=f"Half-term text messages, {batch.term_name}: {batch.texts} downloaded (CSV)",
        school=batch.school,
    )
    response = HttpResponse(texts_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="half-term-texts-{batch.first_day:%Y-%m-%d}-{batch.pk}.csv"'
    )
    return response
