"""A subject-access export: everything the service holds about one pupil and
their family, as a ZIP of JSON and the letters and bundles as PDFs (UK GDPR
Article 15; the ICO's guidance on the right of access: "a copy of the personal
data", with the information about how it is used).

What is "about the pupil" is found, not listed: every row of the product's
apps that points to the pupil, or to a row already found (a case, then its
contacts, meetings, plans, notices, referrals, and their own rows), followed
until nothing new turns up. So a model added to any app is in the export
without this file changing. Parents and carers linked to the pupil are
included as people, but nothing is followed from them: a sibling's records
are not the subject's. Staff, schools and LAs are named, not exported.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from accounts.models import User
from cases.selectors_access_log import pupil_access_log
from core.audit import audit_record
from core.models import AuditEvent
from documents.models import Document
from pupils.models import Carer, Pupil, PupilCarer

from ..walk import Found, rows_pointing_to

# Rows found through these are included but not followed: the family, not
# their other children's records.
LEAVES: tuple[type[models.Model], ...] = (Carer,)


def records_about(pupil: Pupil) -> Found:
    found = Found()
    found.add([pupil])
    rows_pointing_to(found, leaves=LEAVES)
    links = found.by_model.get(PupilCarer, {}).values()
    carer_ids = [link.carer_id for link in links if isinstance(link, PupilCarer)]
    found.add(Carer.unscoped.filter(pk__in=carer_ids))
    return found


def _row_json(row: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.pk}
    for f in row._meta.concrete_fields:
        # A generated column (the pupil's search text) is only the fields again.
        if f.primary_key or f.generated:
            continue
        value = getattr(row, f.attname)
        # A stored file is named here; its content is under documents/ in the ZIP.
        data[f.attname] = value.name if isinstance(f, models.FileField) else value
    for m2m in row._meta.many_to_many:
        data[m2m.name] = sorted(getattr(row, m2m.name).values_list("pk", flat=True))
    return data


def _people(found: Found) -> dict[str, dict[str, str]]:
    """Staff named in the records, by id: who did what, without their accounts."""
    user_ids = {
        getattr(row, f.attname)
        for rows in found.by_model.values()
        for row in rows.values()
        for f in row._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is User
    } - {None}
    return {
        str(user.pk): {
            "name": user.full_name,
            "role": user.get_role_display(),
            "organisation": user.organisation_name,
        }
        for user in User.objects.filter(pk__in=user_ids).select_related("school", "local_authority")
    }


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    rows: int
    documents: int


def subject_access_export(
    *, pupil: Pupil, acting_user: User, access_log: Iterable[AuditEvent], base_url: str
) -> Export:
    """The ZIP, and a record in the audit trail that it was made, by whom."""
    found = records_about(pupil)
    made_at = timezone.now()
    records = {
        model._meta.label: [_row_json(row) for row in rows.values()]
        for model, rows in sorted(found.by_model.items(), key=lambda item: item[0]._meta.label)
    }
    log = [
        {
            "when": event.occurred_at,
            "who": event.actor.full_name if event.actor else "the system",
            "action": event.get_action_display(),
            "what": event.note or event.target_label,
        }
        for event in access_log
    ]
    # The letters and notices as they were made and sent (documents app), with
    # any translation attached: not made again, which could differ.
    documents: list[tuple[str, bytes]] = []
    stored = [d for d in found.by_model.get(Document, {}).values() if isinstance(d, Document)]
    for document in sorted(stored, key=lambda d: (d.made_at, d.pk)):
        with document.file.open("rb") as handle:
            documents.append((f"documents/{document.filename}", handle.read()))
        if document.translated_file:
            with document.translated_file.open("rb") as handle:
                name = document.filename.replace(".pdf", "-translation.pdf")
                documents.append((f"documents/{name}", handle.read()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(pupil, acting_user, made_at, len(documents)))
        archive.writestr(
            "records.json", json.dumps(records, cls=DjangoJSONEncoder, indent=2, sort_keys=True)
        )
        archive.writestr(
            "staff.json",
            json.dumps(_people(found), cls=DjangoJSONEncoder, indent=2, sort_keys=True),
        )
        archive.writestr("access-log.json", json.dumps(log, cls=DjangoJSONEncoder, indent=2))
        for name, content in documents:
            archive.writestr(name, content)
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.VIEW_SENSITIVE,
        target=pupil,
        note=f"subject-access export made ({sum(map(len, records.values()))} records, "
        f"{len(documents)} documents)",
    )
    return Export(
        filename=f"subject-access-{pupil.upn or pupil.pk}-{made_at:%Y-%m-%d}.zip",
        content=buffer.getvalue(),
        rows=sum(map(len, records.values())),
        documents=len(documents),
    )


def _readme(pupil: Pupil, user: User, made_at: dt.datetime, documents: int) -> str:
    return (
        f"Everything Attendance Pathway holds about {pupil.display_name} and their family.\n"
        f"Made {timezone.localtime(made_at):%-d %B %Y at %H:%M} by {user.full_name} "
        f"({user.get_role_display()}, {user.organisation_name}).\n\n"
        "records.json      every record about the pupil, by kind: the pupil, their schools,\n"
        "                  parents and carers, registers and figures, cases, contacts,\n"
        "                  meetings, the pupil's voice, support, plans, notices, referrals,\n"
        "                  penalty notices and holiday requests\n"
        "staff.json        the staff named in the records (ids in records.json)\n"
        "access-log.json   who opened or changed the record, and when\n"
        f"documents/        the letters sent, as PDFs ({documents})\n\n"
        "Before sending this to the person who asked, check it for information about\n"
        "other people (ICO guidance on the right of access: third-party information).\n"
    )


def export_for(*, user: User, pupil_id: int, base_url: str) -> Export:
    """The export of a pupil the user may see (404 otherwise)."""
    pupil, events = pupil_access_log(user=user, pupil_id=pupil_id)
    return subject_access_export(
        pupil=pupil, acting_user=user, access_log=events, base_url=base_url
    )
