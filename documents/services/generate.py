"""Making a document: find what applies, refuse what cannot be sent, render
it, store it with its checksum and data, and supersede the version before.

A document is never regenerated silently: making one again needs a reason,
and gives a new record (version n+1); the old one is kept, marked superseded.
Called from the Celery task `documents.tasks.make_document` (and by
`render_documents`, which writes files without storing them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import LocalAuthority, School, User
from accounts.rules import can_do_school_casework, is_la_user, is_system_admin
from cases.models import AttendanceCase
from core.audit import audit_record
from core.models import AuditEvent
from core.scoping import get_for_user_or_404
from notices.models import NoticeToImprove
from pupils.models import Carer, PupilCarer

from ..kinds import KINDS, Kind, Subject
from ..kinds.base import fill
from ..kinds.notice_to_improve import not_to_send
from ..models import Document
from .wording import wording_for


class DocumentRefused(ValidationError):
    """Why a document cannot be made now, in words for the sender (may hold a link)."""


def subjects_of(case: AttendanceCase) -> list[Subject]:
    """Every document that applies to the case, kind by kind."""
    return [subject for kind in KINDS.values() for subject in kind.subjects(case)]


def subject_for(case: AttendanceCase, key: str) -> Subject:
    found = next((s for s in subjects_of(case) if s.key == key), None)
    if found is None:
        raise DocumentRefused("That document does not apply to this case.")
    return found


def settings_link(subject: Subject) -> str:
    """Where the issuer's address is set."""
    if subject.kind.issued_by_la:
        return reverse("admin:accounts_localauthority_change", args=[subject.issuer.pk])
    return reverse("documents:school_details")


def address_refusal(issuer: School | LocalAuthority, link: str) -> SafeString | None:
    """A letter says who it is from: refused while the issuer has no address."""
    if issuer.has_address:
        return None
    return format_html(
        "{} has no address yet, so the letter cannot say who it is from. "
        '<a class="govuk-link" href="{}">Add the address in {}\'s details</a>.',
        issuer.name,
        link,
        issuer.name,
    )


def refusal(subject: Subject) -> SafeString | None:
    """Why this document cannot be made yet, with a link to put it right; None if it can."""
    refused = address_refusal(subject.issuer, settings_link(subject))
    if refused is not None:
        return refused
    if subject.recipient is not None and not subject.recipient.carer.address.strip():
        return format_html(
            "There is no address for {}. "
            '<a class="govuk-link" href="{}">Add it on the pupil\'s family page</a>.',
            subject.recipient.carer,
            reverse("cases:pupil_detail", args=[subject.case.pupil_id]),
        )
    return None


def carer_needs(carer: Carer) -> list[str]:
    """What a parent needs to read a letter, in words: their language when it
    is not English, an interpreter, help with reading. Empty when nothing."""
    needs = []
    if carer.preferred_language.strip().lower() not in {"", "english"}:
        needs.append(carer.preferred_language)
    if carer.interpreter_needed:
        needs.append("needs an interpreter")
    if carer.literacy_support_needed:
        needs.append("needs help with reading")
    return needs


def needs_explaining(subject: Subject) -> bool:
    """Does the recipient need the letter translated or explained? Then the
    sender records how it will be, before it is made."""
    return subject.recipient is not None and bool(carer_needs(subject.recipient.carer))


def may_make(user: User, kind: Kind) -> bool:
    if is_system_admin(user):
        return True
    return bool(is_la_user(user)) if kind.issued_by_la else bool(can_do_school_casework(user))


@dataclass(frozen=True)
class Rendered:
    html: str
    pdf: bytes
    checksum: str


def render_html(
    kind: Kind, data: dict[str, Any], *, reference: str, local_authority_id: int
) -> str:
    texts = wording_for(local_authority_id, kind.code)
    values = kind.variables(data)
    paragraphs = {key: mark_safe(fill(text, values)) for key, text in texts.items()}  # noqa: S308 (escaped by fill)
    return render_to_string(
        kind.template, {**data, "reference": reference, "paragraphs": paragraphs}
    )


def render_pdf(html: str) -> bytes:
    import weasyprint  # heavy (a second at start-up): loaded only when a document is made

    pdf = weasyprint.HTML(string=html, base_url="/").write_pdf()
    assert pdf is not None
    return pdf


def render(subject: Subject, *, version: int) -> tuple[dict[str, Any], Rendered]:
    data = subject.kind.data(subject)
    reference = subject.reference(version)
    html = render_html(
        subject.kind,
        data,
        reference=reference,
        local_authority_id=subject.case.school.local_authority_id,
    )
    pdf = render_pdf(html)
    return data, Rendered(html, pdf, hashlib.sha256(pdf).hexdigest())


def notice_letter_not_to_send(notice: NoticeToImprove, recipient: PupilCarer) -> Rendered:
    """A corrected or withdrawn notice's letter, kept for the record: the
    letter as stored (or as the record makes it now, if none was), marked
    "DO NOT SEND" at the top with why. Made on request, never stored."""
    kind = KINDS["notice_to_improve"]
    subject = Subject(kind, notice.case, notice=notice, recipient=recipient)
    stored = (
        Document.unscoped.filter(kind=kind.code, notice=notice, recipient=recipient)
        .order_by("-version")
        .first()
    )
    data = dict(stored.data) if stored is not None else kind.data(subject)
    data["not_to_send"] = not_to_send(notice)
    html = render_html(
        kind,
        data,
        reference=stored.reference if stored is not None else subject.reference(1),
        local_authority_id=notice.case.school.local_authority_id,
    )
    pdf = render_pdf(html)
    return Rendered(html, pdf, hashlib.sha256(pdf).hexdigest())


def document_make(
    *,
    acting_user: User,
    case_id: int,
    key: str,
    translation_note: str = "",
    reason: str = "",
) -> Document:
    """Make the document `key` of the case and store it. Refused outside the
    user's scope (404), for a role that does not issue this kind (403), while
    an address is missing, without a word on how a recipient who needs it will
    have the letter translated or explained, and, when a version exists,
    without the reason for a new one."""
    case = get_for_user_or_404(
        AttendanceCase.objects.for_user(acting_user).select_related(
            "pupil", "school__local_authority"
        ),
        acting_user,
        pk=case_id,
    )
    subject = subject_for(case, key)
    if not may_make(acting_user, subject.kind):
        raise PermissionDenied(f"Your role cannot make a {subject.kind.title.lower()}.")
    refused = refusal(subject)
    if refused is not None:
        raise DocumentRefused(refused)
    if needs_explaining(subject) and not translation_note.strip():
        raise DocumentRefused(
            {"translation_note": "Say how the letter will be translated or explained"}
        )
    with transaction.atomic():
        current = (
            Document.unscoped.select_for_update()
            .filter(subject_key=subject.key, superseded_at__isnull=True)
            .first()
        )
        if current is not None and not reason.strip():
            raise DocumentRefused(
                {"reason": "This document has been made already: say why a new version is needed"}
            )
        top = Document.unscoped.filter(subject_key=subject.key).aggregate(top=Max("version"))
        version = (top["top"] or 0) + 1
        data, rendered = render(subject, version=version)
        document = Document(
            case=case,
            kind=subject.kind.code,
            title=subject.kind.title,
            notice=subject.notice,
            penalty_notice=subject.penalty_notice,
            recipient=subject.recipient,
            subject_key=subject.key,
            version=version,
            reference=subject.reference(version),
            checksum=rendered.checksum,
            data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
            translation_note=translation_note.strip(),
            made_by=acting_user,
            made_at=timezone.now(),
        )
        if current is not None:
            # Out of the way first: one current version per document (the constraint).
            current.superseded_at = timezone.now()
            current.superseded_reason = reason.strip()
            Document.unscoped.filter(pk=current.pk).update(
                superseded_at=current.superseded_at, superseded_reason=current.superseded_reason
            )
        document.file.save(
            f"{subject.kind.code}-v{version}.pdf", ContentFile(rendered.pdf), save=False
        )
        document.save()
        if current is not None:
            Document.unscoped.filter(pk=current.pk).update(superseded_by=document)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=document,
            school=case.school,
            changes={"reference": document.reference, "checksum": document.checksum},
            note=f"{document.title} made"
            + (
                f" (version {version}, replacing version {current.version}: {reason.strip()})"
                if current
                else ""
            ),
        )
    return document


def translation_attach(
    *, acting_user: User, document_id: int, language: str, content: bytes, filename: str
) -> Document:
    """Store a translated version with the document it translates (audited)."""
    with transaction.atomic():
        document = get_for_user_or_404(
            Document.objects.for_user(acting_user).select_for_update(of=("self",)),
            acting_user,
            pk=document_id,
        )
        if not may_make(acting_user, KINDS[document.kind]):
            raise PermissionDenied("Your role cannot add a translation to this document.")
        if not language.strip():
            raise ValidationError({"language": "Enter the language of the translation"})
        if not content.startswith(b"%PDF"):
            raise ValidationError({"file": "The translation must be a PDF"})
        document.translated_file.save(
            f"{document.kind}-v{document.version}-translation.pdf", ContentFile(content), save=False
        )
        document.translated_checksum = hashlib.sha256(content).hexdigest()
        document.translated_language = language.strip()
        document.translated_at = timezone.now()
        document.translated_by = acting_user
        document.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.UPDATE,
            target=document,
            school=document.issuing_school,
            changes={
                "translated_language": language.strip(),
                "translated_checksum": document.translated_checksum,
            },
            note=f"Translation ({language.strip()}) of {document.reference}, from {filename}",
        )
    return document
