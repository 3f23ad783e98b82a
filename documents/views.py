"""The documents pages: a case's documents (make, download, attach a
translation), the old Notice to Improve letter address, the school's details
and the LA's wording. Thin: each calls one selector or service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from accounts.rules import is_attendance_lead, is_la_manager
from accounts.services.organisations import school_details_update
from cases.views.section import FormPage
from core.audit import record_view
from core.http import acting_user
from core.queue import enqueue_on_commit
from notices.selectors import notice_for_user

from .forms import MakeForm, SchoolDetailsForm, TranslationForm, WordingForm
from .kinds import KINDS
from .kinds.base import fill
from .models import Document
from .selectors import case_documents, case_for_documents, document_for_user
from .services.generate import (
    DocumentRefused,
    may_make,
    needs_explaining,
    notice_letter_not_to_send,
    refusal,
    subject_for,
    translation_attach,
)
from .services.wording import paragraph_of, wording_for, wording_save, wording_versions
from .tasks import make_document


def _list_url(case_id: int) -> str:
    return reverse("documents:case_documents", args=[case_id])


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def documents(request: HttpRequest, case_id: int) -> HttpResponse:
    case, rows = case_documents(user=acting_user(request), case_id=case_id)
    return render(request, "documents/case_documents.html", {"case": case, "rows": rows})


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_case", raise_exception=True)
def make(request: HttpRequest, case_id: int) -> HttpResponse:
    """Check and queue one document. The sender sees the recipient's language
    and literacy needs first and says how it will be translated or explained."""
    user = acting_user(request)
    case = case_for_documents(user=user, case_id=case_id)
    key = request.GET.get("key") or request.POST.get("key", "")
    try:
        subject = subject_for(case, key)
    except DocumentRefused:
        raise Http404("That document does not apply to this case.") from None
    if not may_make(user, subject.kind):
        raise PermissionDenied(f"Your role cannot make a {subject.kind.title.lower()}.")
    page = FormPage(request, back_to=_list_url(case.pk))
    refused = refusal(subject)
    if refused is not None:
        return page.refuse(refused)
    current = Document.unscoped.filter(subject_key=subject.key, superseded_at__isnull=True).first()
    form = MakeForm(
        request.POST or None, explain=needs_explaining(subject), new_version=current is not None
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        # Queued: WeasyPrint takes a second or so a document. The worker makes
        # it with the same checks (documents.services.generate.document_make).
        enqueue_on_commit(
            make_document,
            user.pk,
            case.pk,
            subject.key,
            data.get("translation_note", ""),
            data.get("reason", ""),
        )
        return page.saved(f"{subject.kind.title} is being made. It appears in the list when ready.")

    return page.handle(
        form,
        save,
        "documents/make.html",
        {"case": case, "subject": subject, "current": current, "key": subject.key},
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def download(request: HttpRequest, document_id: int) -> FileResponse:
    document = document_for_user(user=acting_user(request), document_id=document_id)
    to = f" to {document.recipient.carer}" if document.recipient else ""
    record_view(
        request,
        target=document,
        what=f"{document.title}{to} downloaded ({document.reference})",
        school=document.issuing_school,
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type="application/pdf",
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def translation(request: HttpRequest, document_id: int) -> FileResponse:
    document = document_for_user(user=acting_user(request), document_id=document_id)
    if not document.translated_file:
        raise Http404("No translation is attached.")
    record_view(
        request,
        target=document,
        what=f"Translation ({document.translated_language}) of {document.reference} downloaded",
        school=document.issuing_school,
    )
    return FileResponse(
        document.translated_file.open("rb"),
        as_attachment=True,
        filename=document.filename.replace(".pdf", "-translation.pdf"),
        content_type="application/pdf",
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.view_case", raise_exception=True)
def translation_new(request: HttpRequest, document_id: int) -> HttpResponse:
    user = acting_user(request)
    document = document_for_user(user=user, document_id=document_id)
    # Refused as the service refuses it, before the form is shown.
    if not may_make(user, KINDS[document.kind]):
        raise PermissionDenied("Your role cannot add a translation to this document.")
    page = FormPage(
        request,
        back_to=_list_url(document.case_id)
        if document.case_id
        else reverse("documents:half_term_batches"),
    )
    form = TranslationForm(request.POST or None, request.FILES or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        upload = data["file"]
        translation_attach(
            acting_user=user,
            document_id=document.pk,
            language=data["language"],
            content=upload.read(),
            filename=upload.name,
        )
        return page.saved(f"Translation attached to {document.reference}.")

    return page.handle(
        form, save, "documents/translation_form.html", {"document": document, "case": document.case}
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def notice_letter(request: HttpRequest, notice_id: int, recipient_id: int) -> HttpResponse:
    """The Notice to Improve letter's old address (`notices:letter` leads here):
    the live notice's letter as made and stored, or the case's documents to
    make it; a corrected or withdrawn notice's letter marked "DO NOT SEND"."""
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    recipient = notice.recipients.select_related("carer").filter(pk=recipient_id).first()
    if recipient is None:
        raise Http404("No such recipient of this notice.")
    if not notice.is_live:
        rendered = notice_letter_not_to_send(notice, recipient)
        record_view(
            request,
            target=notice,
            what=f"{notice.get_status_display().split(' by')[0]} Notice to Improve letter "
            f"to {recipient.carer} downloaded",
            school=notice.case.school,
        )
        return HttpResponse(
            rendered.pdf,
            content_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="nti-{notice.pk}-{recipient.pk}'
                f'-{notice.status}.pdf"'
            },
        )
    document = (
        Document.objects.for_user(user)
        .filter(kind="notice_to_improve", notice=notice, recipient=recipient)
        .order_by("-version")
        .first()
    )
    if document is not None:
        return redirect("documents:download", document.pk)
    messages.info(request, "Make the letter here first: it is stored once made.")
    return redirect(_list_url(notice.case_id))


@require_http_methods(["GET", "POST"])
def school_details(request: HttpRequest) -> HttpResponse:
    """The school's address and contact details, as its letters print them."""
    user = acting_user(request)
    if not is_attendance_lead(user) or user.school is None:
        raise PermissionDenied("Only the school's attendance lead can change its details.")
    school = user.school
    page = FormPage(request, back_to=reverse("documents:school_details"))
    form = SchoolDetailsForm(
        request.POST or None,
        initial={n: getattr(school, n) for n in ("address", "postcode", "phone", "email")},
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        school_details_update(acting_user=user, **data)
        return page.saved("The school's details are saved.", to=reverse("home"))

    return page.handle(form, save, "documents/school_details.html", {"school": school})


def _la_manager(request: HttpRequest) -> Any:
    user = acting_user(request)
    if not is_la_manager(user) or user.local_authority_id is None:
        raise PermissionDenied("The LA's wording is changed by an LA manager.")
    return user


SAMPLE = {
    "pupil_name": "Sam Example",
    "parent_name": "Ms Alex Example",
    "school_name": "Example Primary School",
    "la_name": "Example Council",
    "date": "2 February 2026",
    "period_ends_on": "Monday 23 March 2026",
    "notice_issued_on": "2 February 2026",
    "notice_number": "1234",
    "la_phone": "01234 567890",
    "la_email": "attendance@example.gov.uk",
    "pupil_forename": "Sam",
    "days_missed": "6",
    "half_term": "Spring 2",
    "attendance_rate": "76.0%",
    "meeting_date": "Tuesday 10 March 2026",
    "meeting_time": "9:30am",
}


@require_GET
def wordings(request: HttpRequest) -> HttpResponse:
    user = _la_manager(request)
    kinds = []
    for kind in KINDS.values():
        if kind.paragraphs:
            texts = wording_for(user.local_authority_id, kind.code)
            kinds.append((kind, [(p, texts[p.key]) for p in kind.paragraphs]))
    return render(request, "documents/wordings.html", {"kinds": kinds})


@require_http_methods(["GET", "POST"])
def wording_edit(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    user = _la_manager(request)
    try:
        paragraph = paragraph_of(kind, key)
    except ValidationError:
        raise Http404("No such paragraph.") from None
    current = wording_for(user.local_authority_id, kind)[key]
    page = FormPage(request, back_to=reverse("documents:wordings"))
    form = WordingForm(request.POST or None, initial={"text": current})
    preview = ""
    if request.method == "POST" and "preview" in request.POST and form.is_valid():
        preview = fill(
            form.cleaned_data["text"], {v: SAMPLE.get(v, v) for v in paragraph.variables}
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        wording = wording_save(acting_user=user, kind_code=kind, key=key, text=data["text"])
        return page.saved(
            format_html(
                "{}, {}: version {} saved.", KINDS[kind].title, paragraph.label, wording.version
            )
        )

    context = {
        "kind": KINDS[kind],
        "paragraph": paragraph,
        "versions": wording_versions(user.local_authority_id, kind, key),
        "preview": preview,
    }
    if preview:
        return page.render("documents/wording_form.html", form, context)
    return page.handle(form, save, "documents/wording_form.html", context)
