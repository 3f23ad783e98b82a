"""Reads for the documents pages, each starting from the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.utils.safestring import SafeString

from accounts.models import User
from cases.models import AttendanceCase
from core.scoping import get_for_user_or_404

from .kinds import Subject
from .models import Document
from .services.generate import may_make, needs_explaining, refusal, subjects_of


@dataclass
class Row:
    """One document that applies to the case: what it is, to whom, its versions."""

    subject: Subject
    current: Document | None
    older: list[Document] = field(default_factory=list)
    refusal: SafeString | None = None
    needs_explaining: bool = False
    may_make: bool = False
    # Why a stored document must not be sent (the notice it is about was withdrawn…).
    not_to_send: str = ""


def case_for_documents(*, user: User | AnonymousUser, case_id: int) -> AttendanceCase:
    return get_for_user_or_404(
        AttendanceCase.objects.for_user(user).select_related("pupil", "school__local_authority"),
        user,
        pk=case_id,
    )


def case_documents(*, user: User, case_id: int) -> tuple[AttendanceCase, list[Row]]:
    """Every document that applies to the case, with the versions made."""
    case = case_for_documents(user=user, case_id=case_id)
    made: dict[str, list[Document]] = {}
    for document in (
        Document.objects.for_user(user)
        .filter(case=case)
        .select_related("made_by", "translated_by", "notice", "penalty_notice")
        .order_by("-version")
    ):
        made.setdefault(document.subject_key, []).append(document)
    rows = []
    for subject in subjects_of(case):
        versions = made.pop(subject.key, [])
        current = next((d for d in versions if d.is_current), None)
        rows.append(
            Row(
                subject,
                current,
                [d for d in versions if d is not current],
                refusal(subject),
                needs_explaining(subject),
                may_make(user, subject.kind),
            )
        )
    # Documents whose record no longer applies (a withdrawn notice's letters):
    # still listed, so what was sent can be found.
    orphans = [d for versions in made.values() for d in versions]
    return case, rows + [
        Row(_orphan_subject(case, d), None, [d], not_to_send=_not_to_send(d)) for d in orphans
    ]


def _not_to_send(document: Document) -> str:
    notice, penalty = document.notice, document.penalty_notice
    if notice is not None and not notice.is_live:
        return f"Do not send: the Notice to Improve is {notice.get_status_display().lower()}."
    if penalty is not None and penalty.status == penalty.Status.WITHDRAWN:
        return "Do not send: the penalty notice was withdrawn."
    return "Do not send: this document no longer applies to the case."


def _orphan_subject(case: AttendanceCase, document: Document) -> Subject:
    from .kinds import KINDS

    return Subject(
        KINDS[document.kind],
        case,
        notice=document.notice,
        penalty_notice=document.penalty_notice,
        recipient=document.recipient,
    )


def document_for_user(*, user: User | AnonymousUser, document_id: int) -> Document:
    return get_for_user_or_404(
        Document.objects.for_user(user).select_related(
            "case__school", "school", "recipient__carer"
        ),
        user,
        pk=document_id,
    )
