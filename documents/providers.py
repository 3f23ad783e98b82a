"""What documents provides to the apps below it, through their hooks."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.timezone import localdate

from cases.hooks import ChronologyItem
from cases.models import AttendanceCase

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
