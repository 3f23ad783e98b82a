"""Half-term letters for a whole school: choose the pupils, start a batch, make
its letters and text messages in the background, and read them out again
(one ZIP, one PDF to print, a CSV for the SMS provider).

Which pupils (docs/rules.md#half-term-letters): every pupil on roll at the
school on the day the figures count to, who had a possible session in the half
term and whose attendance in it was below the threshold the lead chose
(90% by default: missing 10% or more is persistent absence), or every such
pupil whatever their attendance. Who is written to: each parent or carer who
receives the school's letters (`PupilCarer.receives_correspondence`, the rule
every letter follows: a parent who does not live with the pupil only once the
DSL agreed). Who gets a text: each of them with a mobile number
who is reached by phone (their preferred contact is a text, a call or the
school's app), when the pupil missed any school.

A letter or text already made for the same pupil, parent and half term (by an
earlier batch) is not made again and not in this batch's downloads, so no
family is sent the same letter twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import School, User
from attendance.figures import PERSISTENT_ABSENCE_RATE
from attendance.half_terms import HalfTermCounts, half_term_counts, half_terms_so_far, on_roll
from attendance.models import SchoolTerm
from core.audit import audit_record
from core.dates import last_full_day, today
from core.locks import JobAlreadyRunning, advisory_lock
from core.models import AuditEvent
from core.queue import enqueue_on_commit
from core.scoping import get_for_user_or_404
from pupils.models import Carer, Pupil, PupilCarer
from pupils.selectors import correspondence_recipients_of

from ..kinds import KINDS
from ..kinds.half_term import (
    MAX_SMS_PARTS,
    HalfTerm,
    HalfTermSubject,
    fill_text,
    half_term_data,
    half_term_variables,
    sms_parts,
)
from ..models import Document, DocumentBatch, TextMessage
from .generate import DocumentRefused, address_refusal, carer_needs, render_html, render_pdf
from .wording import wording_for

logger = logging.getLogger(__name__)

LETTER = "half_term"
TEXT = "half_term_text"
# Below 90% attendance: missing 10% or more of sessions, persistent absence.
DEFAULT_THRESHOLD = round(100 - PERSISTENT_ABSENCE_RATE)
# Pupils made per round: their figures, families and existing letters are read
# in a few queries, then the progress is saved.
CHUNK = 25
TEXT_CONTACT_METHODS = {
    Carer.ContactMethod.TEXT,
    Carer.ContactMethod.PHONE,
    Carer.ContactMethod.APP,
}
# A phone number as the SMS provider's CSV takes it; anything else is quoted
# so that a spreadsheet does not run it.
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]*")


def may_send(user: object) -> bool:
    return bool(rules.has_perm("documents.make_half_term_letters", user)) and bool(
        getattr(user, "school_id", None)
    )


def school_of(user: User) -> School:
    """The school whose letters this user sends; 403 for anyone else."""
    if not may_send(user) or user.school is None:
        raise PermissionDenied(
            "Half-term letters are sent by the school's attendance lead or designated "
            "safeguarding lead."
        )
    return user.school


def school_refusal(school: School) -> SafeString | None:
    return address_refusal(school, reverse("documents:school_details"))


def half_terms(user: User) -> QuerySet[SchoolTerm]:
    """The half terms the lead can write about: those that have started."""
    return half_terms_so_far(school_of(user).pk, today())


def half_term_of(term: SchoolTerm) -> HalfTerm:
    """The half term, its figures counted to its last day or, while it is still
    running, to the last full day (today's registers are not complete)."""
    return HalfTerm(term.name, term.start, term.end, min(term.end, last_full_day()))


@dataclass(frozen=True)
class Chosen:
    """The pupils a batch would write to, in the order the letters print."""

    half_term: HalfTerm
    threshold: int | None
    pupils: list[tuple[Pupil, HalfTermCounts]]
    recipients: int
    texts: int


def pupils_chosen(*, school: School, half_term: HalfTerm, threshold: int | None) -> Chosen:
    """Pupils on roll when the figures stop, with a possible session in the
    half term and (unless `threshold` is None) attendance below `threshold`%.
    A handful of queries whatever the size of the school."""
    pupil_ids = list(on_roll(school.pk, half_term.as_at).values_list("pupil_id", flat=True))
    counts = half_term_counts(
        school_id=school.pk, first=half_term.first, last=half_term.as_at, pupil_ids=pupil_ids
    )
    wanted = [
        pupil_id
        for pupil_id, figures in counts.items()
        if figures.counts.possible
        and (threshold is None or (figures.rate is not None and figures.rate < threshold))
    ]
    pupils = Pupil.unscoped.filter(pk__in=wanted).order_by("legal_surname", "legal_forename", "pk")
    links = correspondence_recipients_of(wanted)
    chosen = [(pupil, counts[pupil.pk]) for pupil in pupils]
    texts = sum(
        1
        for pupil, figures in chosen
        if figures.missed
        for link in links.get(pupil.pk, [])
        if _texted(link)
    )
    return Chosen(
        half_term,
        threshold,
        chosen,
        recipients=sum(len(links.get(pupil_id, [])) for pupil_id in wanted),
        texts=texts,
    )


def _texted(link: PupilCarer) -> bool:
    carer = link.carer
    return bool(carer.mobile.strip()) and carer.preferred_contact_method in TEXT_CONTACT_METHODS


def half_term_batch_start(
    *, acting_user: User, term_id: int, threshold: int | None
) -> DocumentBatch:
    """Ask for the half-term letters of the lead's school: refused while the
    school has no address, for a half term not yet started, or when no pupil
    is chosen. The letters are made by the worker (`half_term_batch_run`)."""
    school = school_of(acting_user)
    refused = school_refusal(school)
    if refused is not None:
        raise DocumentRefused(refused)
    term = get_for_user_or_404(
        SchoolTerm.objects.for_user(acting_user).filter(school=school), acting_user, pk=term_id
    )
    if term.start > today():
        raise ValidationError({"term": "That half term has not started yet"})
    if threshold is not None and not 1 <= threshold <= 100:
        raise ValidationError({"threshold": "Enter a percentage from 1 to 100"})
    chosen = pupils_chosen(school=school, half_term=half_term_of(term), threshold=threshold)
    if not chosen.pupils:
        raise ValidationError("No pupil on roll matches: there is no letter to make.")
    half_term = chosen.half_term
    with transaction.atomic():
        batch = DocumentBatch.unscoped.create(
            school=school,
            kind=LETTER,
            term=term,
            term_name=half_term.name,
            first_day=half_term.first,
            last_day=half_term.last,
            as_at=half_term.as_at,
            threshold=threshold,
            pupil_ids=[pupil.pk for pupil, _ in chosen.pupils],
            total=len(chosen.pupils),
            requested_by=acting_user,
            requested_at=timezone.now(),
        )
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=batch,
            school=school,
            changes={
                "half_term": half_term.name,
                "threshold": threshold,
                "pupils": batch.total,
            },
            note=f"Half-term letters asked for: {batch.total} pupils, {half_term.name}"
            + (f", attendance below {threshold}%" if threshold is not None else ", every pupil"),
        )
        from ..tasks import make_document_batch  # the task module imports this one

        enqueue_on_commit(make_document_batch, batch.pk)
    return batch


def half_term_batch_run(*, batch_id: int) -> DocumentBatch:
    """Make the batch's letters and texts, a chunk of pupils at a time, saving
    the progress after each. Run again after a worker died, it carries on from
    the last chunk saved; run twice at once, the second does nothing."""
    try:
        with advisory_lock(f"document_batch:{batch_id}"):
            return _run(batch_id)
    except JobAlreadyRunning:
        return DocumentBatch.unscoped.get(pk=batch_id)


def _run(batch_id: int) -> DocumentBatch:
    batch = DocumentBatch.unscoped.select_related("school__local_authority", "requested_by").get(
        pk=batch_id
    )
    if batch.status in (DocumentBatch.Status.DONE, DocumentBatch.Status.FAILED):
        return batch
    batch.status = DocumentBatch.Status.RUNNING
    batch.started_at = batch.started_at or timezone.now()
    _save(batch, "status", "started_at")
    try:
        maker = _Maker(batch)
        remaining = batch.pupil_ids[batch.done :]
        for start in range(0, len(remaining), CHUNK):
            maker.chunk(remaining[start : start + CHUNK])
        _combine(batch)
        batch.status = DocumentBatch.Status.DONE
    except Exception as exc:
        logger.exception("document batch %s failed", batch.pk)
        batch.status = DocumentBatch.Status.FAILED
        batch.error = f"{type(exc).__name__}: {exc}"[:2000]
    batch.finished_at = timezone.now()
    _save(batch, "status", "error", "finished_at", "combined_file", "combined_checksum")
    audit_record(
        actor=batch.requested_by,
        action=AuditEvent.Action.UPDATE,
        target=batch,
        school=batch.school,
        changes={
            "status": batch.status,
            "letters": batch.letters,
            "texts": batch.texts,
            "already_made": batch.already_made,
            "failed": batch.failed,
        },
        note=f"Half-term letters {batch.get_status_display().lower()}: {batch.letters} letters, "
        f"{batch.texts} text messages, {batch.failed} pupils with a letter not made",
    )
    return batch


def _save(batch: DocumentBatch, *fields: str) -> None:
    # Outside any transaction, so the progress page sees it at once.
    DocumentBatch.unscoped.filter(pk=batch.pk).update(**{f: getattr(batch, f) for f in fields})


class _Maker:
    """Makes one chunk of pupils' letters and texts at a time."""

    def __init__(self, batch: DocumentBatch) -> None:
        self.batch = batch
        self.school = batch.school
        self.half_term = HalfTerm(batch.term_name, batch.first_day, batch.last_day, batch.as_at)
        self.letter = KINDS[LETTER]
        self.text = KINDS[TEXT]
        self.texts = wording_for(self.school.local_authority_id, TEXT)
        self.made_on = today()

    def chunk(self, pupil_ids: list[int]) -> None:
        batch = self.batch
        pupils = Pupil.unscoped.in_bulk(pupil_ids)
        figures = half_term_counts(
            school_id=self.school.pk,
            first=self.half_term.first,
            last=self.half_term.as_at,
            pupil_ids=pupil_ids,
        )
        links = correspondence_recipients_of(pupil_ids)
        keys = [
            HalfTermSubject(kind, self.school, self.half_term, pupils[p], link, figures[p]).key
            for kind in (self.letter, self.text)
            for p in pupil_ids
            for link in links.get(p, [])
        ]
        made = dict(
            Document.unscoped.filter(subject_key__in=keys, superseded_at__isnull=True).values_list(
                "subject_key", "batch_id"
            )
        )
        made.update(
            TextMessage.unscoped.filter(subject_key__in=keys).values_list("subject_key", "batch_id")
        )
        texts: list[TextMessage] = []
        for pupil_id in pupil_ids:
            pupil = pupils[pupil_id]
            recipients = links.get(pupil_id, [])
            if not recipients:
                self._problem(pupil, None, "No parent or carer receives the school's letters.")
                batch.failed += 1
                continue
            all_made = True
            for link in recipients:
                letter = HalfTermSubject(
                    self.letter, self.school, self.half_term, pupil, link, figures[pupil_id]
                )
                all_made &= self._letter(letter, made)
                if figures[pupil_id].missed and _texted(link):
                    text = HalfTermSubject(
                        self.text, self.school, self.half_term, pupil, link, figures[pupil_id]
                    )
                    texts.extend(self._text(text, made))
            batch.failed += not all_made
        TextMessage.unscoped.bulk_create(texts)
        batch.texts += len(texts)
        batch.done += len(pupil_ids)
        _save(batch, "done", "failed", "letters", "texts", "already_made", "problems", "to_explain")

    def _problem(self, pupil: Pupil, link: PupilCarer | None, reason: str) -> None:
        self.batch.problems.append(
            {
                "pupil": pupil.display_name,
                "pupil_id": pupil.pk,
                "recipient": str(link.carer) if link else "",
                "reason": reason,
            }
        )

    def _letter(self, subject: HalfTermSubject, made: Mapping[str, int | None]) -> bool:
        """Make and store one letter; False when it could not be made."""
        batch = self.batch
        if subject.key in made:
            # Made by this batch before its worker stopped, or by an earlier one.
            if made[subject.key] == batch.pk:
                batch.letters += 1
            else:
                batch.already_made += 1
            return True
        carer = subject.recipient.carer
        if not carer.address.strip():
            self._problem(subject.pupil, subject.recipient, f"There is no address for {carer}.")
            return False
        data = half_term_data(subject, dated=self.made_on, signed_by=batch.requested_by)
        reference = subject.reference(1)
        html = render_html(
            self.letter,
            data,
            reference=reference,
            local_authority_id=self.school.local_authority_id,
        )
        pdf = render_pdf(html)
        document = Document(
            pupil=subject.pupil,
            school=self.school,
            batch=batch,
            kind=self.letter.code,
            title=self.letter.title,
            recipient=subject.recipient,
            subject_key=subject.key,
            version=1,
            reference=reference,
            checksum=hashlib.sha256(pdf).hexdigest(),
            data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
            made_by=batch.requested_by,
            made_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                document.file.save(
                    f"half-term-{self.half_term.key}-{subject.pupil.pk}-{subject.recipient.pk}.pdf",
                    ContentFile(pdf),
                    save=False,
                )
                document.save()
                audit_record(
                    actor=batch.requested_by,
                    action=AuditEvent.Action.CREATE,
                    target=document,
                    school=self.school,
                    changes={"reference": document.reference, "checksum": document.checksum},
                    note=f"{document.title} made (half-term letters, batch {batch.pk})",
                )
        except IntegrityError:
            # Another batch made it a moment ago: it is not made twice.
            document.file.delete(save=False)
            batch.already_made += 1
            return True
        batch.letters += 1
        needs = ", ".join(carer_needs(carer))
        if needs:
            batch.to_explain.append(
                {"pupil": subject.pupil.display_name, "recipient": str(carer), "needs": needs}
            )
        return True

    def _text(
        self, subject: HalfTermSubject, made: Mapping[str, int | None]
    ) -> Iterator[TextMessage]:
        batch = self.batch
        if subject.key in made:
            if made[subject.key] != batch.pk:
                batch.already_made += 1
            else:
                batch.texts += 1
            return
        data = half_term_data(subject, dated=self.made_on, signed_by=batch.requested_by)
        message = text_message(self.texts, data)
        if message is None:
            self._problem(
                subject.pupil,
                subject.recipient,
                f"The text message would take more than {MAX_SMS_PARTS} texts: "
                "shorten the LA's wording.",
            )
            return
        yield TextMessage(
            batch=batch,
            pupil=subject.pupil,
            recipient=subject.recipient,
            subject_key=subject.key,
            phone=subject.recipient.carer.mobile.strip(),
            message=message,
            parts=sms_parts(message),
            data=data,
            made_at=timezone.now(),
        )


def text_message(texts: dict[str, str], data: dict[str, Any]) -> str | None:
    """The text, in the LA's wording: the full one if it fits in two texts,
    else the short one; None if neither fits. Plain text, one line."""
    values = half_term_variables(data)
    for key in ("message", "short_message"):
        message = " ".join(fill_text(texts[key], values).split())
        if sms_parts(message) <= MAX_SMS_PARTS:
            return message
    return None


def _combine(batch: DocumentBatch) -> None:
    """Every letter the batch made, in one PDF, in print order."""
    from pypdf import PdfWriter

    documents = list(batch_letters(batch))
    if not documents:
        return
    writer = PdfWriter()
    for document in documents:
        with document.file.open("rb") as handle:
            writer.append(io.BytesIO(handle.read()))
    out = io.BytesIO()
    writer.write(out)
    content = out.getvalue()
    batch.combined_file.save(
        f"half-term-{batch.first_day:%Y%m%d}-letters.pdf", ContentFile(content), save=False
    )
    batch.combined_checksum = hashlib.sha256(content).hexdigest()


def batch_letters(batch: DocumentBatch) -> list[Document]:
    """The letters the batch made, in print order: pupils as chosen, then
    their parents in the order they were added."""
    order = {pupil_id: index for index, pupil_id in enumerate(batch.pupil_ids)}
    documents = list(
        Document.unscoped.filter(batch=batch, superseded_at__isnull=True).only(
            "pk", "file", "reference", "pupil_id", "recipient_id", "superseded_at"
        )
    )
    documents.sort(key=lambda d: (order.get(d.pupil_id or 0, 0), d.recipient_id or 0))
    return documents


# Reading a batch -----------------------------------------------------------------


def batch_for_user(*, user: User, batch_id: int) -> DocumentBatch:
    """The batch, if it is of the user's school and they send its letters:
    404 outside their scope, 403 for a role that does not send them."""
    batch = get_for_user_or_404(
        DocumentBatch.objects.for_user(user).select_related("requested_by", "school"),
        user,
        pk=batch_id,
    )
    school_of(user)
    return batch


def batches_for_user(*, user: User) -> list[DocumentBatch]:
    school = school_of(user)
    return list(
        DocumentBatch.objects.for_user(user)
        .filter(school=school)
        .select_related("requested_by")
        .defer("pupil_ids", "problems", "to_explain")[:20]
    )


def letters_zip(batch: DocumentBatch) -> io.BytesIO:
    """Every letter the batch made, one PDF each, numbered in print order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for number, document in enumerate(batch_letters(batch), start=1):
            with document.file.open("rb") as handle:
                archive.writestr(f"{number:04d}-{document.filename}", handle.read())
    out.seek(0)
    return out


def texts_csv(batch: DocumentBatch) -> str:
    """The batch's text messages for the school's SMS provider: phone, message."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone", "message"])
    for phone, message in TextMessage.unscoped.filter(batch=batch).values_list("phone", "message"):
        writer.writerow(
            [phone if _PHONE.fullmatch(phone) else _safe_cell(phone), _safe_cell(message)]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    # A spreadsheet would run a cell starting with one of these as a formula.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
