"""An LA's wording of the documents' editable paragraphs: read (falling back to
the product's) and saved (each save a new version, audited)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from accounts.rules import is_la_manager
from core.audit import audit_record
from core.models import AuditEvent

from ..kinds import KINDS, Paragraph
from ..kinds.base import unknown_variables
from ..models import Wording


def paragraph_of(kind_code: str, key: str) -> Paragraph:
    kind = KINDS.get(kind_code)
    found = next((p for p in kind.paragraphs if p.key == key), None) if kind else None
    if found is None:
        raise ValidationError("There is no such paragraph.")
    return found


def wording_for(local_authority_id: int, kind_code: str) -> dict[str, str]:
    """Each editable paragraph of a kind: the LA's latest wording, else the product's."""
    kind = KINDS[kind_code]
    texts = {p.key: p.default for p in kind.paragraphs}
    latest: dict[str, int] = {}
    for wording in Wording.objects.filter(local_authority_id=local_authority_id, kind=kind_code):
        if wording.paragraph in texts and wording.version > latest.get(wording.paragraph, 0):
            latest[wording.paragraph] = wording.version
            texts[wording.paragraph] = wording.text
    return texts


def wording_versions(local_authority_id: int, kind_code: str, key: str) -> list[Wording]:
    return list(
        Wording.objects.filter(
            local_authority_id=local_authority_id, kind=kind_code, paragraph=key
        ).select_related("made_by")
    )


def wording_save(*, acting_user: User, kind_code: str, key: str, text: str) -> Wording:
    """A new version of the LA's wording of one paragraph. Only an LA manager
    words their own LA's documents; the text may use the paragraph's variables
    and nothing else."""
    if not is_la_manager(acting_user) or acting_user.local_authority_id is None:
        raise PermissionDenied("Only an LA manager can change the LA's wording.")
    paragraph = paragraph_of(kind_code, key)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter the wording"})
    unknown = unknown_variables(text, paragraph.variables)
    if unknown:
        raise ValidationError(
            {"text": f"These are not variables this paragraph can use: {', '.join(unknown)}"}
        )
    with transaction.atomic():
        latest = (
            Wording.objects.select_for_update()
            .filter(
                local_authority_id=acting_user.local_authority_id, kind=kind_code, paragraph=key
            )
            .aggregate(top=Max("version"))["top"]
        )
        wording = Wording.objects.create(
            local_authority_id=acting_user.local_authority_id,
            kind=kind_code,
            paragraph=key,
            version=(latest or 0) + 1,
            text=text,
            made_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=wording,
            changes={"text": text},
            note=f"{KINDS[kind_code].title}, {paragraph.label}: version {wording.version}",
        )
    return wording
