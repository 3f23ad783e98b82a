"""What documents provides to the apps below it, through their hooks."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.timezone import localdate

from cases.hooks import ChronologyItem
from cases.models import AttendanceCase
from notices.models import NoticeToImprove
from pupils.models import PupilCarer

from .kinds import Subject
from .models import Document


def chronology_items(case: AttendanceCase, day: dt.date) -> list[ChronologyItem]:
    """Each document made for the case on or before `day` (one query)."""
    items = []
    for document in Document.unscoped.filter(case=case).select_related(
        "made_by", "recipient__carer"
    ):
        made_on = localdate(document.made_at)
        if made_on > day:
            continue
        to = f" to {document.recipient.carer}" if document.recipient else ""
        version = f" (version {document.version})" if document.version > 1 else ""
        detail = f"Reference {document.reference}."
        if not document.is_current:
            detail += " Superseded by a later version."
        items.append(
            ChronologyItem(
                made_on,
                f"Document made: {document.title}{to}{version}",
                detail,
                document.made_by.full_name,
                reverse("documents:download", args=[document.pk]),
            )
        )
    return items


def letter_as_served(notice: NoticeToImprove, recipient: PupilCarer) -> tuple[str, bool]:
    """The stored letter to this parent, made again from the data it was made
    from (the same words and figures), or, where none was stored, the letter
    the product would make from the record now."""
    from .kinds import KINDS
    from .services.generate import render_html

    kind = KINDS["notice_to_improve"]
    stored = (
        Document.unscoped.filter(
            kind=kind.code, notice=notice, recipient=recipient, superseded_by__isnull=True
        )
        .order_by("-version")
        .first()
    )
    if stored is not None:
        html = render_html(
            kind,
            stored.data,
            reference=stored.reference,
            local_authority_id=notice.case.school.local_authority_id,
        )
        return html, True
    subject = Subject(kind=kind, case=notice.case, notice=notice, recipient=recipient)
    html = render_html(
        kind,
        kind.data(subject),
        reference=subject.reference(1),
        local_authority_id=notice.case.school.local_authority_id,
    )
    return html, False


def half_term_panel(request: HttpRequest) -> SafeString:
    """On the home page of a school's attendance lead or DSL: the way to the
    half-term letters. Others see nothing."""
    from .services.batch import may_send

    if not may_send(request.user):
        return SafeString("")
    return render_to_string("documents/home_half_term.html", request=request)
