"""Imports of pupils, families and register marks: a Common Transfer File or a
marks CSV.

Each import runs in two phases. First the whole file is read and checked
against the database, collecting every error and writing nothing; then, only
when there are none, everything is written in one transaction. So a file with
any error changes nothing, and importing the same file twice leaves the same
state (marks through `registers_merge`, which keeps the history of a replaced
mark; pupils, enrolments and carers matched before they are created).

Progress (0-100) is reported only outside the write transaction: a write made
inside it would not be seen by the page polling for progress until the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import LocalAuthority, School
from core.audit import audit_record
from core.models import AuditEvent
from core.queue import enqueue
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from ..imports.ctf import CtfContact, CtfFile, CtfPupil, SchoolRef, parse_ctf
from ..imports.marks_csv import CsvRegister, parse_marks_csv
from ..imports.report import Counts, ErrorList, ImportReport
from ..mark_problems import import_mark_problems
from ..models import ImportBatch, ImportDiscrepancy, RegisterYear
from ..years import (
    Session,
    date_at,
    mark_index,
    session_at,
    year_end,
    year_label,
    year_start,
)
from .calendars import school_days_refresh
from .import_ownership import (
    ImportScope,
    Ownership,
    Standing,
    discrepancies_save,
    ownership_decide,
)
from .marks import IncomingRegister, MergeResult, registers_merge
from .snapshots import figures_refresh_after_commit

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

Source = bytes | IO[bytes]
ProgressCallback = Callable[[int], None]
_T = TypeVar("_T")
# Far below any database's limit on query parameters.
_CHUNK = 2000
# A batch waiting this long was never picked up (the broker lost it, or no worker
# runs): it is taken up by import_batches_recover and no longer blocks a re-upload.
QUEUE_TIMEOUT = dt.timedelta(minutes=10)
# A whole LA's year imports in about a minute (docs/benchmarks.md): a batch
# "running" for an hour belongs to a worker that died.
RUN_TIMEOUT = dt.timedelta(hours=1)
# Seconds between two writes of a running batch's progress.
PROGRESS_EVERY = 0.5


class ImportRefused(Exception):
    """An upload that cannot be accepted at all; the message is for the user."""


# Running a batch --------------------------------------------------------------


def import_batch_create(
    *,
    acting_user: User,
    kind: str,
    upload: UploadedFile,
    academic_year: int | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[ImportBatch, bool]:
    """Store an uploaded file as a batch for the user's school and queue its import.

    Returns (batch, created). When the same file is already waiting or being
    imported for the school (a form sent twice), returns that batch instead of
    starting a second import.
    """
    school = acting_user.school
    if school is None:
        raise ImportRefused(
            "Your account is not linked to a school, so you cannot import files here. "
            "Ask for the import_ctf or import_marks command to be run instead."
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    with transaction.atomic():
        # Locks the school's row so that two copies of one form, sent at once,
        # are checked one after the other (PostgreSQL; SQLite writes one at a time).
        School.objects.select_for_update().filter(pk=school.pk).first()
        same_file = ImportBatch.unscoped.filter(school=school, kind=kind, sha256=sha256)
        running = same_file.filter(_under_way()).first()
        if running is not None:
            return running, False
        for stuck in same_file.filter(
            status__in=[ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING]
        ):
            _batch_finish(stuck, _service_failure("the file was uploaded again and imported anew"))
        options: dict[str, Any] = {}
        if academic_year is not None:
            options["academic_year"] = academic_year
        if columns:
            options["columns"] = dict(columns)
        batch = ImportBatch(
            kind=kind,
            school=school,
            uploaded_by=acting_user,
            original_name=(upload.name or "upload")[:255],
            sha256=sha256,
            options=options,
        )
        upload.seek(0)
        batch.file.save(upload.name or "upload", upload, save=False)
        batch.save()
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=batch,
            school=school,
            note="File uploaded for import",
        )
        transaction.on_commit(partial(import_batch_queue, batch_id=batch.pk))
    return batch, True


def _under_way() -> Q:
    """Batches a worker has, or will soon have: not stuck."""
    now = timezone.now()
    return Q(status=ImportBatch.Status.QUEUED, created_at__gte=now - QUEUE_TIMEOUT) | Q(
        status=ImportBatch.Status.RUNNING, started_at__gte=now - RUN_TIMEOUT
    )


def import_batch_queue(*, batch_id: int) -> None:
    """Hand the batch to a worker; if the broker cannot take it, import it here
    and now, so that an upload never waits for a worker that will not come."""
    from ..tasks import run_import  # the task module imports this one

    if not enqueue(run_import, batch_id):
        batch = ImportBatch.unscoped.get(pk=batch_id)
        batch.options = {**batch.options, "ran_without_worker": True}
        batch.save(update_fields=["options"])


@dataclass
class Recovered:
    taken_up: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def import_batches_recover() -> Recovered:
    """Take up batches left waiting past QUEUE_TIMEOUT, and fail those left
    "running" past RUN_TIMEOUT (their worker died; the import's one transaction
    means nothing was written). Run every few minutes (attendance_site/schedule.py)."""
    now = timezone.now()
    recovered = Recovered()
    for batch in ImportBatch.unscoped.filter(
        status=ImportBatch.Status.RUNNING, started_at__lt=now - RUN_TIMEOUT
    ):
        _batch_finish(batch, _service_failure("the import was interrupted before it finished"))
        recovered.failed.append(batch.pk)
    for batch_id in ImportBatch.unscoped.filter(
        status=ImportBatch.Status.QUEUED, created_at__lt=now - QUEUE_TIMEOUT
    ).values_list("pk", flat=True):
        import_batch_run(batch_id=batch_id)
        recovered.taken_up.append(batch_id)
    return recovered


def import_file_run(
    *,
    kind: str,
    path: Path,
    school: School | None,
    local_authority: LocalAuthority | None = None,
    options: Mapping[str, Any] | None = None,
) -> tuple[ImportBatch, ImportReport]:
    """Import a file from disk (the import_ctf and import_marks commands), recorded
    as a batch like an upload so that its report and the history of replaced
    marks say where they came from. The file itself is not copied."""
    with path.open("rb") as handle:
        # Streamed: a marks file is read a line at a time, never held whole.
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        handle.seek(0)
        batch = ImportBatch.unscoped.create(
            kind=kind,
            school=school,
            local_authority=local_authority,
            uploaded_by=None,
            original_name=path.name[:255],
            sha256=digest,
            options=dict(options or {}),
            status=ImportBatch.Status.RUNNING,
            started_at=timezone.now(),
        )
        return batch, import_batch_execute(batch=batch, source=handle, acting_user=None)


def import_batch_run(*, batch_id: int) -> ImportReport:
    """Run a queued batch (the Celery task). A batch already taken by another
    worker, or finished, is left alone and its stored report returned."""
    claimed = ImportBatch.unscoped.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    batch = ImportBatch.unscoped.select_related("school__local_authority", "uploaded_by").get(
        pk=batch_id
    )
    if not claimed:
        logger.info("Import batch %s is %s; not run again", batch_id, batch.status)
        return ImportReport.from_json(batch.report)
    try:
        handle = batch.file.open("rb")
    except OSError:
        logger.exception("Import batch %s: the stored file cannot be read", batch_id)
        return _batch_finish(batch, _service_failure("the uploaded file could not be read"))
    with handle:
        return import_batch_execute(batch=batch, source=handle, acting_user=batch.uploaded_by)


def import_batch_execute(
    *, batch: ImportBatch, source: Source, acting_user: User | None
) -> ImportReport:
    """Import `source` as `batch` says (its kind, school and options) and record
    the outcome on the batch: status, progress, report, finish time."""

    last_written = -PROGRESS_EVERY

    def on_progress(percent: int) -> None:
        # The page polls every 1.5 s: a write for every percent of a two-second
        # import is fifty round trips that nobody sees.
        nonlocal last_written
        now = time.monotonic()
        if now - last_written >= PROGRESS_EVERY:
            last_written = now
            ImportBatch.unscoped.filter(pk=batch.pk).update(progress=percent)

    try:
        if batch.kind == ImportBatch.Kind.CTF:
            report = ctf_import(
                source=source, batch=batch, acting_user=acting_user, on_progress=on_progress
            )
        elif batch.school is None:
            report = _service_failure("a marks file must be imported for a school")
        else:
            year = batch.options.get("academic_year")
            report = marks_csv_import(
                source=source,
                school=batch.school,
                academic_year=int(year) if year else None,
                columns=batch.options.get("columns") or None,
                batch=batch,
                acting_user=acting_user,
                on_progress=on_progress,
            )
    except Exception:
        # Nothing was written (the write is one transaction); say so rather than
        # leave the batch "importing" for ever.
        logger.exception("Import batch %s stopped", batch.pk)
        report = _service_failure("the import stopped because of a problem in the service")
    return _batch_finish(batch, report)


def _batch_finish(batch: ImportBatch, report: ImportReport) -> ImportReport:
    """Record the outcome, and delete the uploaded file: it holds whole families'
    details, and once imported (or refused) the database and the report say all
    that is needed. Someone who wants to try again uploads it again."""
    batch.status = ImportBatch.Status.SUCCEEDED if report.succeeded else ImportBatch.Status.FAILED
    batch.progress = 100
    batch.report = report.as_json()
    batch.finished_at = timezone.now()
    if batch.file:
        batch.file.delete(save=False)
    batch.save(update_fields=["status", "progress", "report", "finished_at", "file"])
    return report


def _service_failure(reason: str) -> ImportReport:
    errors = ErrorList()
    errors.add(
        "", f"Nothing was changed: {reason}. Try again, or ask for help if it happens again."
    )
    return ImportReport.failed(errors)


# Common Transfer File -------------------------------------------------------


def ctf_import(
    *,
    source: Source,
    batch: ImportBatch | None,
    acting_user: User | None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a CTF: pupils (by UPN), their parents and carers, enrolments and
    day-by-day marks, creating any school or LA the product does not know yet."""
    progress = _Progress(on_progress)
    data = _read(source)
    progress(5)
    parsed = parse_ctf(data, on_pupil=lambda done, total: progress(5 + 45 * done // total))
    warnings = list(parsed.warnings)
    if parsed.errors or parsed.file is None:
        return ImportReport.failed(parsed.errors, warnings)
    ctf = parsed.file

    errors = ErrorList()
    scope = ImportScope.of_batch(batch)
    if scope.school is not None:
        _check_ctf_is_for(ctf, scope.school, errors)
    elif scope.local_authority is not None:
        _check_ctf_is_for_la(ctf, scope.local_authority, errors)
    schools = _SchoolPlan.build(ctf, errors)
    if errors:
        return ImportReport.failed(errors, warnings)
    warnings.extend(schools.notes)
    ownership = ownership_decide(
        scope=scope,
        ctf_pupils=ctf.pupils,
        known_schools=schools.known,
        pupil_values=partial(_pupil_values, creating=False),
        carer_values=lambda pupil, contact: _carer_values(_ContactRef(pupil, contact)),
    )
    imported = [pupil for pupil in ctf.pupils if ownership.standing(pupil.upn).imported]
    progress(60)

    counts = Counts()
    with transaction.atomic():
        school_ids = schools.save(counts)
        owned = ownership.owned_school_ids | {
            school_ids[key] for key in schools.new if scope.owns(key, None)
        }
        pupils = _pupils_save(
            imported,
            counts,
            stored=ownership.stored_pupils,
            keep_details={
                upn for upn, standing in ownership.pupils.items() if not standing.changes_details
            },
        )
        _enrolments_save(
            imported,
            pupils,
            school_ids,
            counts,
            stored=ownership.enrolments,
            owned_school_ids=owned,
            enrolled_elsewhere=ownership.enrolled_elsewhere,
        )
        _carers_save(
            [p for p in imported if ownership.standing(p.upn).changes_details],
            pupils,
            counts,
            warnings,
            keep=ownership.protected_carer_ids,
        )
        incoming = []
        for pupil in imported:
            pupil_id = pupils[pupil.upn].pk
            for register in pupil.registers:
                school_id = school_ids[register.school.key]
                if school_id in owned:
                    origin, supplied_by = RegisterYear.Origin.SCHOOL, None
                elif (pupil_id, school_id, register.academic_year) in (
                    ownership.protected_registers
                ):
                    continue
                else:
                    origin = RegisterYear.Origin.TRANSFER
                    supplied_by = scope.school.pk if scope.school is not None else None
                incoming.append(
                    IncomingRegister(
                        pupil_id=pupil_id,
                        school_id=school_id,
                        academic_year=register.academic_year,
                        marks=register.marks,
                        originals=register.originals,
                        origin=origin,
                        supplied_by_id=supplied_by,
                    )
                )
        result = registers_merge(incoming=incoming, batch=batch)
        _merge_counts(counts, result)
        discrepancies = discrepancies_save(
            ownership=ownership, batch=batch, importing_school=scope.school
        )
        counts.pupils_not_imported = sum(
            1 for standing in ownership.pupils.values() if not standing.imported
        )
        school_days_refresh(pairs=result.touched, after_marks_change=True, acting_user=acting_user)
        figures_refresh_after_commit(school_ids={school for school, _ in result.touched})
        warnings.extend(
            import_mark_problems(result.written, {p.pk: upn for upn, p in pupils.items()})
        )
        _audit_import(
            acting_user=acting_user,
            batch=batch,
            scope=scope,
            counts=counts,
            pupils=pupils,
            registers=result.written,
            discrepancies=discrepancies,
        )
    progress(100)
    return ImportReport(
        counts=counts, warnings=warnings, not_imported=_not_imported_lines(ctf.pupils, ownership)
    )


def _not_imported_lines(ctf_pupils: Sequence[CtfPupil], ownership: Ownership) -> list[str]:
    """Pupil by pupil, what was refused or kept, in words for the importing
    school: the other school's values are theirs, so only the kind of each
    difference is named."""
    lines: list[str] = []
    for ctf_pupil in ctf_pupils:
        standing = ownership.standing(ctf_pupil.upn)
        name = f"{ctf_pupil.legal_forename} {ctf_pupil.legal_surname}"
        whats = sorted(
            {
                difference.topic
                for differences in standing.told.values()
                for difference in differences
            }
        )
        differing = f" The file differs on: {'; '.join(whats)}." if whats else ""
        if standing.standing is Standing.ON_ROLL_ELSEWHERE:
            lines.append(
                f"Pupil {ctf_pupil.upn} ({name}): on roll at another school on the first day "
                f"this file gives for {ownership.scope.label}, so nothing in the file for this "
                "pupil was imported. Their school and the local authority have been told; once "
                "the other school records the date the pupil left, import the file again."
                + differing
            )
        elif standing.standing is Standing.NOT_HERE:
            lines.append(
                f"Pupil {ctf_pupil.upn} ({name}): the file has no attendance at "
                f"{ownership.scope.label} for this pupil, who is known through another school, "
                "so nothing was changed. That school has been told." + differing
            )
        elif standing.standing is Standing.MOVED_ON:
            lines.append(
                f"Pupil {ctf_pupil.upn} ({name}): marks and dates at {ownership.scope.label} "
                "were imported, but the pupil has since moved to another school, which keeps "
                "their and their parents' details; it has been told." + differing
            )
        elif standing.told:
            lines.append(
                f"Pupil {ctf_pupil.upn} ({name}): imported, but records another school holds "
                "were kept as that school recorded them, and it has been told." + differing
            )
    return lines


def _audit_import(
    *,
    acting_user: User | None,
    batch: ImportBatch | None,
    scope: ImportScope,
    counts: Counts,
    pupils: Mapping[str, Pupil],
    registers: Sequence[IncomingRegister],
    discrepancies: Sequence[ImportDiscrepancy],
) -> None:
    """One audit row for the import as a whole, and one for every school whose
    records it touched (or told), naming each pupil and register."""
    upn_of = {pupil.pk: upn for upn, pupil in pupils.items()}
    by_school: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for register in registers:
        upn = upn_of.get(register.pupil_id, str(register.pupil_id))
        touched = by_school[register.school_id]
        touched["pupils"].add(upn)
        touched["registers"].add(f"{upn} {year_label(register.academic_year)} ({register.origin})")
    for record in discrepancies:
        by_school[record.school_id]["told_about"].add(record.pupil.upn)
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.IMPORT,
        target=batch,
        school=scope.school,
        changes={
            "kind": ImportBatch.Kind.CTF.value,
            "for": scope.label,
            **asdict(counts),
            "pupils": sorted(pupils),
        },
    )
    schools = School.objects.in_bulk(list(by_school))
    for school_id, touched in sorted(by_school.items()):
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.IMPORT,
            target=batch,
            school=schools[school_id],
            note=f"Import for {scope.label}: registers and pupils at {schools[school_id].name}",
            changes={name: sorted(values) for name, values in touched.items()},
        )


def _check_ctf_is_for(ctf: CtfFile, school: School, errors: ErrorList) -> None:
    """An upload for a school must be that school's file: its source, its
    destination, or a school the pupils attended. Otherwise one school could
    rewrite another's pupils and registers."""
    if not school.establishment_number:
        errors.add(
            "/CTfile/Header",
            f"{school.name} has no establishment number recorded, so a Common Transfer File "
            "cannot be matched to it. Ask an administrator to add it.",
        )
        return
    key = (school.local_authority.code, school.establishment_number)
    named = {ref.key for ref in (ctf.source_school, ctf.dest_school) if ref is not None}
    named |= {year.school.key for pupil in ctf.pupils for year in pupil.years}
    if key not in named:
        errors.add(
            "/CTfile/Header/SourceSchool",
            f"this file is not for {school.name} ({key[0]}/{key[1]}): neither its source or "
            "destination school nor any pupil's attendance is at that school",
        )


def _check_ctf_is_for_la(ctf: CtfFile, local_authority: LocalAuthority, errors: ErrorList) -> None:
    named = {ref.key[0] for ref in (ctf.source_school, ctf.dest_school) if ref is not None}
    named |= {year.school.key[0] for pupil in ctf.pupils for year in pupil.years}
    if local_authority.code not in named:
        errors.add(
            "/CTfile/Header/SourceSchool",
            f"this file is not for {local_authority.name} ({local_authority.code}): no school "
            "it names is in that local authority",
        )


@dataclass
class _NewSchool:
    ref: SchoolRef
    urn: str
    phase: str


@dataclass
class _SchoolPlan:
    """The schools a CTF's marks are for: those the product knows, and those it
    will add (with the LAs it does not know yet)."""

    known: dict[tuple[str, str], School] = field(default_factory=dict)
    new: dict[tuple[str, str], _NewSchool] = field(default_factory=dict)
    known_las: dict[str, LocalAuthority] = field(default_factory=dict)
    # What adding them will mean, for the report once they have been added.
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, ctf: CtfFile, errors: ErrorList) -> _SchoolPlan:
        plan = cls()
        first_path: dict[tuple[str, str], str] = {}
        year_groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for pupil in ctf.pupils:
            for year in pupil.years:
                first_path.setdefault(year.school.key, year.path.rsplit("/", 1)[0])
                year_groups[year.school.key].add(pupil.year_group)
        leas = {lea for lea, _ in first_path}
        plan.known_las = {la.code: la for la in LocalAuthority.objects.filter(code__in=leas)}
        for school in School.objects.filter(
            local_authority__code__in=leas,
            establishment_number__in={estab for _, estab in first_path},
        ).select_related("local_authority"):
            key = (school.local_authority.code, school.establishment_number)
            if key in first_path:
                plan.known[key] = school
        for key, path in sorted(first_path.items()):
            if key in plan.known:
                continue
            ref = ctf.schools.get(key, SchoolRef(*key))
            urn = f"{key[0]}{key[1]}"
            clash = School.objects.filter(urn=urn).first()
            if clash is not None:
                errors.add(
                    path,
                    f"{ref.label} is not known, and cannot be added with the placeholder URN "
                    f"{urn}: {clash.name} has that URN. Add the school with its real URN first.",
                )
                continue
            plan.new[key] = _NewSchool(ref, urn, _phase_guess(ref.name, year_groups[key]))
            if key[0] not in plan.known_las:
                plan.notes.append(
                    f"Local authority {key[0]} was not known and has been added as "
                    f"“LA {key[0]}”; check its name."
                )
                plan.known_las[key[0]] = LocalAuthority(code=key[0], name=f"LA {key[0]}")
            plan.notes.append(
                f"School {ref.name or 'with no name'} ({key[0]}/{key[1]}) was not known and has "
                f"been added with the placeholder URN {urn} as a "
                f"{School.Phase(plan.new[key].phase).label.lower()} school; check its URN "
                "and details."
            )
        return plan

    def save(self, counts: Counts) -> dict[tuple[str, str], int]:
        ids = {key: school.pk for key, school in self.known.items()}
        for la in self.known_las.values():
            if la.pk is None:
                la.save()
        for key, new in self.new.items():
            school = School.objects.create(
                urn=new.urn,
                name=new.ref.name or f"School {key[0]}/{key[1]}",
                phase=new.phase,
                local_authority=self.known_las[key[0]],
                establishment_number=key[1],
            )
            ids[key] = school.pk
            counts.schools_created += 1
        return ids


_PRIMARY_WORDS = re.compile(r"\b(primary|infant|junior|first)\b", re.IGNORECASE)
_SECONDARY_WORDS = re.compile(r"\b(secondary|high|college|grammar)\b", re.IGNORECASE)


def _phase_guess(name: str, year_groups: Iterable[str]) -> str:
    """A first guess, for someone to check (the warning says so): from the
    school's name, else secondary when every pupil is in year 7 or above."""
    if _PRIMARY_WORDS.search(name):
        return School.Phase.PRIMARY
    if _SECONDARY_WORDS.search(name):
        return School.Phase.SECONDARY
    groups = list(year_groups)
    numbers = [int(group) for group in groups if group.isdigit()]
    if numbers and len(numbers) == len(groups) and min(numbers) >= 7:
        return School.Phase.SECONDARY
    return School.Phase.PRIMARY


_PUPIL_FIELDS = (
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "sex",
    "year_group",
    "sen_status",
    "free_school_meals",
    "looked_after",
)


def _pupil_values(pupil: CtfPupil, *, creating: bool) -> dict[str, Any]:
    """The values the file gives. What it leaves out (a preferred name, SEN, free
    school meals, looked after, an unknown sex) keeps what is stored."""
    values: dict[str, Any] = {
        "legal_forename": pupil.legal_forename,
        "legal_surname": pupil.legal_surname,
        "date_of_birth": pupil.date_of_birth,
    }
    optional: dict[str, Any] = {
        "preferred_forename": pupil.preferred_forename or None,
        "preferred_surname": pupil.preferred_surname or None,
        "sex": pupil.sex if pupil.sex != Pupil.Sex.UNKNOWN else None,
        "year_group": pupil.year_group or None,
        "sen_status": pupil.sen_status,
        "free_school_meals": pupil.free_school_meals,
        "looked_after": pupil.looked_after,
    }
    values.update({name: value for name, value in optional.items() if value is not None})
    if creating:
        values.setdefault("sex", Pupil.Sex.UNKNOWN)
    return values


def _pupils_save(
    ctf_pupils: Sequence[CtfPupil],
    counts: Counts,
    *,
    stored: Mapping[str, Pupil],
    keep_details: set[str],
) -> dict[str, Pupil]:
    """`stored`: the pupils already held, by UPN, as read to decide the
    ownership (with every field this writes)."""
    new: list[Pupil] = []
    changed: list[Pupil] = []
    for ctf_pupil in ctf_pupils:
        existing = stored.get(ctf_pupil.upn)
        if existing is None:
            new.append(Pupil(upn=ctf_pupil.upn, **_pupil_values(ctf_pupil, creating=True)))
            continue
        if ctf_pupil.upn in keep_details:
            continue
        values = _pupil_values(ctf_pupil, creating=False)
        if any(getattr(existing, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(existing, name, value)
            changed.append(existing)
    Pupil.unscoped.bulk_create(new, batch_size=500)
    Pupil.unscoped.bulk_update(changed, _PUPIL_FIELDS, batch_size=500)
    counts.pupils_created += len(new)
    counts.pupils_updated += len(changed)
    return {
        **{p.upn: stored[p.upn] for p in ctf_pupils if p.upn in stored},
        **{pupil.upn: pupil for pupil in new},
    }


def _enrolments_save(
    ctf_pupils: Sequence[CtfPupil],
    pupils: Mapping[str, Pupil],
    school_ids: Mapping[tuple[str, str], int],
    counts: Counts,
    *,
    stored: Mapping[int, list[Enrolment]],
    owned_school_ids: set[int],
    enrolled_elsewhere: set[tuple[int, int]],
) -> None:
    """Rule A3: with no entry or leaving date in the file, an enrolment spans
    exactly the dates its marks cover. A span that overlaps or touches an
    enrolment already held for the pupil at that school extends it, so a second
    import of the same file adds nothing. At a school the import is not for,
    history adds an enrolment only where the pupil has none: that school's own
    admission register is never changed."""
    spans: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for ctf_pupil in ctf_pupils:
        for year in ctf_pupil.years:
            key = (pupils[ctf_pupil.upn].pk, school_ids[year.school.key])
            if key[1] not in owned_school_ids and key in enrolled_elsewhere:
                continue
            spans[key].append((year.first_date, year.last_date))
    # `stored`: every enrolment of the pupils already held, as read to decide
    # the ownership; a pupil new to the service has none.
    held: dict[tuple[int, int], list[Enrolment]] = defaultdict(list)
    file_schools = set(school_ids.values())
    for pupil_id in sorted({pupil_id for pupil_id, _ in spans}):
        for enrolment in sorted(stored.get(pupil_id, []), key=lambda e: e.start):
            if enrolment.school_id in file_schools:
                held[(enrolment.pupil_id, enrolment.school_id)].append(enrolment)
    new: list[Enrolment] = []
    changed: dict[int, Enrolment] = {}
    for (pupil_id, school_id), dates in spans.items():
        for start, end in _spans_merge(dates):
            enrolments = held[(pupil_id, school_id)]
            match = next((e for e in enrolments if _meets(e, start, end)), None)
            if match is None:
                enrolment = Enrolment(pupil_id=pupil_id, school_id=school_id, start=start, end=end)
                enrolments.append(enrolment)
                new.append(enrolment)
                continue
            wider_start = min(match.start, start)
            wider_end = None if match.end is None else max(match.end, end)
            if (wider_start, wider_end) != (match.start, match.end):
                match.start, match.end = wider_start, wider_end
                if match.pk is not None:
                    changed[match.pk] = match
    Enrolment.unscoped.bulk_create(new, batch_size=500)
    Enrolment.unscoped.bulk_update(list(changed.values()), ["start", "end"], batch_size=500)
    counts.enrolments_created += len(new)
    counts.enrolments_updated += len(changed)


def _spans_merge(spans: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _meets(enrolment: Enrolment, start: dt.date, end: dt.date) -> bool:
    """The enrolment overlaps the span or touches it (ends the day before, or
    starts the day after)."""
    day = dt.timedelta(days=1)
    return enrolment.start <= end + day and (enrolment.end is None or enrolment.end >= start - day)


# Parents and carers -----------------------------------------------------------

_R = PupilCarer.Relationship
# The DfE's CBDS relationship codes for a pupil's contacts, as real CTFs carry
# them. See docs/rules.md#ctf-contacts.
CBDS_RELATIONSHIPS: dict[str, str] = {
    "PAM": _R.MOTHER,
    "PAF": _R.FATHER,
    "STM": _R.STEP_MOTHER,
    "STF": _R.STEP_FATHER,
    "FOM": _R.FOSTER_CARER,
    "FOF": _R.FOSTER_CARER,
    "CAR": _R.CARER,
    "FAM": _R.OTHER_RELATIVE,
    "REL": _R.OTHER_RELATIVE,
    "CHM": _R.CHILDMINDER,
    "DOC": _R.DOCTOR,
    "SWR": _R.SOCIAL_WORKER,
    "TCH": _R.TEACHER,
    "HTC": _R.HEAD_TEACHER,
    "RLG": _R.RELIGIOUS_CONTACT,
    "OTH": _R.OTHER,
}
# Older exports (and our first sample file) say "parent" or "step-parent" and
# leave the sex to the contact's gender or title; some write words, not codes.
_UNGENDERED: dict[str, tuple[str, str, str]] = {
    # code: (if a woman, if a man, if not known)
    "PAR": (_R.MOTHER, _R.FATHER, _R.PARENT),
    "PARENT": (_R.MOTHER, _R.FATHER, _R.PARENT),
    "STP": (_R.STEP_MOTHER, _R.STEP_FATHER, _R.STEP_PARENT),
    "STEP-PARENT": (_R.STEP_MOTHER, _R.STEP_FATHER, _R.STEP_PARENT),
    "STEP PARENT": (_R.STEP_MOTHER, _R.STEP_FATHER, _R.STEP_PARENT),
}
_WORDS: dict[str, str] = {
    "MOTHER": _R.MOTHER,
    "FATHER": _R.FATHER,
    "GRP": _R.GRANDPARENT,
    "GRANDPARENT": _R.GRANDPARENT,
    "FOS": _R.FOSTER_CARER,
    "FOSTER PARENT": _R.FOSTER_CARER,
    "FOSTER CARER": _R.FOSTER_CARER,
    "CARER": _R.CARER,
    "SOCIAL WORKER": _R.SOCIAL_WORKER,
}
# Parental responsibility is assumed, when the file does not say, only for these.
_PARENTS = {_R.MOTHER, _R.FATHER, _R.PARENT}
_WOMEN_TITLES = {"MRS", "MS", "MISS"}


def _relationship(contact: CtfContact) -> str | None:
    """The relationship a contact's code stands for; None for a code we do not know."""
    code = contact.relationship
    if code in CBDS_RELATIONSHIPS:
        return CBDS_RELATIONSHIPS[code]
    if code in _UNGENDERED:
        gender = contact.gender
        if gender not in {"M", "F"}:
            title = contact.title.upper().rstrip(".")
            gender = "F" if title in _WOMEN_TITLES else "M" if title == "MR" else ""
        woman, man, unknown = _UNGENDERED[code]
        return woman if gender == "F" else man if gender == "M" else unknown
    return _WORDS.get(code)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _name_key(contact: CtfContact) -> tuple[str, str]:
    return (contact.forename.casefold().strip(), contact.surname.casefold().strip())


@dataclass
class _ContactRef:
    pupil: CtfPupil
    contact: CtfContact

    @property
    def handles(self) -> set[str]:
        """Email and phone numbers, normalised: a sibling's contact with the same
        name and one of these is the same person."""
        found = {f"@{self.contact.email.casefold()}"} if self.contact.email else set()
        found |= {f"#{_squash(n)}" for n in (self.contact.phone, self.contact.mobile) if n}
        return found


def _sibling_groups(ctf_pupils: Sequence[CtfPupil]) -> list[list[_ContactRef]]:
    """Contacts of different pupils in the file who are one person: the same name
    and the same email or phone number. Each group becomes one carer."""
    by_name: dict[tuple[str, str], list[_ContactRef]] = defaultdict(list)
    for pupil in ctf_pupils:
        for contact in pupil.contacts:
            by_name[_name_key(contact)].append(_ContactRef(pupil, contact))
    groups: list[list[_ContactRef]] = []
    for refs in by_name.values():
        # Union-find over the contacts with this name, joined by a shared handle.
        parent = list(range(len(refs)))

        def root(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        owner: dict[str, int] = {}
        for i, ref in enumerate(refs):
            for handle in ref.handles:
                if handle in owner:
                    parent[root(i)] = root(owner[handle])
                else:
                    owner[handle] = i
        grouped: dict[int, list[_ContactRef]] = defaultdict(list)
        for i, ref in enumerate(refs):
            grouped[root(i)].append(ref)
        groups.extend(grouped.values())
    return groups


def _carer_values(ref: _ContactRef) -> dict[str, str]:
    contact = ref.contact
    if contact.address_as_pupil:
        address, postcode = ref.pupil.address, ref.pupil.postcode
    else:
        address, postcode = contact.address, contact.postcode
    values = {
        "title": contact.title,
        "forename": contact.forename,
        "surname": contact.surname,
        "address": address,
        "postcode": postcode,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "email": contact.email,
    }
    # Blank in the file means "not given", never "remove what we hold".
    return {name: value for name, value in values.items() if value}


def _lives_with_pupil(ref: _ContactRef) -> bool | None:
    contact = ref.contact
    if contact.address_as_pupil:
        return True
    if not contact.address:
        return None
    same_lines = _squash(contact.address) == _squash(ref.pupil.address)
    same_postcode = not (contact.postcode and ref.pupil.postcode) or (
        _squash(contact.postcode) == _squash(ref.pupil.postcode)
    )
    return same_lines and same_postcode


def _carers_save(
    ctf_pupils: Sequence[CtfPupil],
    pupils: Mapping[str, Pupil],
    counts: Counts,
    warnings: list[str],
    *,
    keep: set[int],
) -> None:
    """Match each contact to a carer this pupil already has (same name), else to
    the carer shared with a sibling in the file, else add one; then link them.
    The details of a carer in `keep` (a parent of a pupil another school holds)
    stay as that school recorded them.

    A DSL's decision about correspondence is never touched: it is theirs."""
    pupil_ids = [pupils[p.upn].pk for p in ctf_pupils]
    links: dict[int, list[PupilCarer]] = defaultdict(list)
    for chunk in _chunks(pupil_ids):
        for link in PupilCarer.unscoped.filter(pupil_id__in=chunk).select_related("carer"):
            links[link.pupil_id].append(link)

    def own_carer(ref: _ContactRef) -> Carer | None:
        wanted = _name_key(ref.contact)
        for link in links[pupils[ref.pupil.upn].pk]:
            if (link.carer.forename.casefold(), link.carer.surname.casefold()) == wanted:
                return link.carer
        return None

    new_carers: list[Carer] = []
    changed_carers: dict[int, Carer] = {}
    carer_of: dict[int, Carer] = {}  # by id() of the contact
    for group in _sibling_groups(ctf_pupils):
        owned = [own_carer(ref) for ref in group]
        shared = next((carer for carer in owned if carer is not None), None)
        if shared is None:
            shared = Carer(**_carer_values(group[0]))
            new_carers.append(shared)
        for ref, carer in zip(group, owned, strict=True):
            carer_of[id(ref.contact)] = carer or shared
    # In the file's order, so that "the first" in a warning is the first in the file.
    chosen = [
        (_ContactRef(pupil, contact), carer_of[id(contact)])
        for pupil in ctf_pupils
        for contact in pupil.contacts
    ]
    for ref, carer in chosen:
        values = _carer_values(ref)
        if carer.pk is None:
            # A new carer shared by siblings: fill what the first contact left blank.
            for name, value in values.items():
                if not getattr(carer, name):
                    setattr(carer, name, value)
            continue
        if carer.pk in keep:
            continue
        if any(getattr(carer, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(carer, name, value)
            changed_carers[carer.pk] = carer
    Carer.unscoped.bulk_create(new_carers, batch_size=500)
    Carer.unscoped.bulk_update(
        list(changed_carers.values()),
        ["title", "forename", "surname", "address", "postcode", "phone", "mobile", "email"],
        batch_size=500,
    )
    counts.carers_created += len(new_carers)
    counts.carers_updated += len(changed_carers)

    new_links: list[PupilCarer] = []
    changed_links: dict[int, PupilCarer] = {}
    linked: set[tuple[int, int]] = set()
    for ref, carer in chosen:
        pupil_id = pupils[ref.pupil.upn].pk
        if (pupil_id, carer.pk) in linked:
            warnings.append(
                f"Pupil {ref.pupil.upn}: {ref.contact.forename} {ref.contact.surname} is listed "
                f"twice as a contact; only the first was imported ({ref.contact.path})."
            )
            continue
        linked.add((pupil_id, carer.pk))
        held = next((x for x in links[pupil_id] if x.carer_id == carer.pk), None)
        relationship = _relationship(ref.contact)
        if relationship is None:
            relationship = _R.OTHER
            warnings.append(
                f"Pupil {ref.pupil.upn}: the relationship of {ref.contact.forename} "
                f"{ref.contact.surname} is coded {ref.contact.relationship or '(blank)'!r}, "
                "which is not a CBDS relationship code, so it was recorded as "
                f"“other contact”; check and correct it ({ref.contact.path})."
            )
        link_values: dict[str, Any] = {
            "relationship": relationship,
            "contact_priority": ref.contact.order,
        }
        responsibility = ref.contact.parental_responsibility
        lives_with = _lives_with_pupil(ref)
        if held is None:
            # Unknown parental responsibility: assumed for a parent only. Unknown
            # household: not living with the pupil, so no letter goes to an address
            # that may be unsafe until someone checks (PupilCarer.receives_correspondence).
            link_values["parental_responsibility"] = (
                responsibility if responsibility is not None else relationship in _PARENTS
            )
            link_values["lives_with_pupil"] = bool(lives_with)
            new_links.append(PupilCarer(pupil_id=pupil_id, carer=carer, **link_values))
            continue
        if responsibility is not None:
            link_values["parental_responsibility"] = responsibility
        if lives_with is not None:
            link_values["lives_with_pupil"] = lives_with
        if any(getattr(held, name) != value for name, value in link_values.items()):
            for name, value in link_values.items():
                setattr(held, name, value)
            changed_links[held.pk] = held
    PupilCarer.unscoped.bulk_create(new_links, batch_size=500)
    PupilCarer.unscoped.bulk_update(
        list(changed_links.values()),
        ["relationship", "contact_priority", "parental_responsibility", "lives_with_pupil"],
        batch_size=500,
    )


# Marks CSV ----------------------------------------------------------------------


def marks_csv_import(
    *,
    source: Source,
    school: School,
    academic_year: int | None = None,
    columns: Mapping[str, str] | None = None,
    batch: ImportBatch | None,
    acting_user: User | None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import register marks for one school: one row per pupil, date and session.
    Every pupil must already be known (by UPN) and on the school's roll on the
    date of each mark."""
    progress = _Progress(on_progress)
    progress(5)
    start = 0 if isinstance(source, bytes) else source.tell()
    parsed = parse_marks_csv(
        source,
        columns=columns,
        academic_year=academic_year,
        on_row=lambda done, total: progress(5 + 45 * done // max(total, 1)),
    )
    if parsed.errors or parsed.academic_year is None:
        return ImportReport.failed(parsed.errors)
    year = parsed.academic_year

    upns = list(parsed.registers)
    pupil_ids: dict[str, int] = {
        upn: pk
        for chunk in _chunks(upns)
        for upn, pk in Pupil.unscoped.filter(upn__in=chunk).values_list("upn", "pk")
    }
    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for chunk in _chunks(sorted(pupil_ids.values())):
        for enrolment in Enrolment.unscoped.filter(pupil_id__in=chunk, school=school):
            enrolments[enrolment.pupil_id].append(enrolment)
    if _marks_csv_off_roll(parsed.registers, pupil_ids, enrolments, year):
        if not parsed.lines_kept:
            # Read quickly, without each mark's line: read again to name them.
            if not isinstance(source, bytes):
                source.seek(start)
            parsed = parse_marks_csv(
                source, columns=columns, academic_year=academic_year, keep_lines=True
            )
        errors = parsed.errors or _marks_csv_roll_errors(
            parsed.registers, pupil_ids, enrolments, school, year
        )
        return ImportReport.failed(errors)
    upn_of = {pk: upn for upn, pk in pupil_ids.items()}
    progress(60)

    counts = Counts()
    with transaction.atomic():
        result = registers_merge(
            incoming=[
                IncomingRegister(
                    pupil_ids[upn], school.pk, year, register.marks, register.originals
                )
                for upn, register in parsed.registers.items()
            ],
            batch=batch,
        )
        _merge_counts(counts, result)
        school_days_refresh(pairs=result.touched, after_marks_change=True, acting_user=acting_user)
        figures_refresh_after_commit(school_ids={school for school, _ in result.touched})
        problems = import_mark_problems(result.written, upn_of)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.IMPORT,
            target=batch,
            school=school,
            changes={
                "kind": ImportBatch.Kind.MARKS_CSV.value,
                "academic_year": year_label(year),
                **asdict(counts),
                "pupils": sorted(upn_of[r.pupil_id] for r in result.written),
                "registers": sorted(
                    f"{upn_of[r.pupil_id]} {year_label(r.academic_year)}" for r in result.written
                ),
            },
        )
    progress(100)
    return ImportReport(counts=counts, warnings=problems)


def _marks_csv_off_roll(
    registers: Mapping[str, CsvRegister],
    pupil_ids: Mapping[str, int],
    enrolments: Mapping[int, list[Enrolment]],
    year: int,
) -> bool:
    """Is any mark for a pupil nobody knows, or on a day the pupil was not on
    the school's roll? Cheap for the usual pupil, on roll for one stretch: a
    count of "no mark" on either side of it, in C."""
    for upn, register in registers.items():
        pupil_id = pupil_ids.get(upn)
        if pupil_id is None:
            return True
        on_roll = _positions_on_roll(enrolments.get(pupil_id, []), year)
        chars = register.chars
        if isinstance(on_roll, range) and on_roll:
            lo, hi = on_roll.start, on_roll.stop
            if chars.count(b"-", 0, lo) != lo or chars.count(b"-", hi) != len(chars) - hi:
                return True
        elif any(position not in on_roll for position in register.marked_positions()):
            return True
    return False


def _marks_csv_roll_errors(
    registers: Mapping[str, CsvRegister],
    pupil_ids: Mapping[str, int],
    enrolments: Mapping[int, list[Enrolment]],
    school: School,
    year: int,
) -> ErrorList:
    """A mark for a pupil nobody knows, or on a day the pupil was not on the
    school's roll: one error per line, the earliest lines first."""

    def found() -> Iterator[tuple[int, str, str, dt.date, Session]]:
        for upn, register in registers.items():
            pupil_id = pupil_ids.get(upn)
            if pupil_id is None:
                reason = (
                    "no pupil with this UPN is known: import the pupil's Common Transfer File first"
                )
                for position in register.marked_positions():
                    yield register.line_of(position), reason, upn, *_session_of(year, position)
                continue
            on_roll = _positions_on_roll(enrolments.get(pupil_id, []), year)
            for position in register.marked_positions():
                if position not in on_roll:
                    day, session = _session_of(year, position)
                    reason = f"pupil {upn} is not on roll at {school.name} on {day.isoformat()}"
                    yield register.line_of(position), reason, upn, day, session

    errors = ErrorList()
    # Every error is counted; only the earliest lines are kept to show, in a
    # heap keyed on the negated line so its top is the latest line kept.
    total = 0
    earliest: list[tuple[int, str, str, dt.date, Session]] = []
    for item in found():
        total += 1
        if len(earliest) < errors.limit:
            heapq.heappush(earliest, (-item[0], *item[1:]))
        elif -earliest[0][0] > item[0]:
            heapq.heapreplace(earliest, (-item[0], *item[1:]))
    for negative_line, reason, upn, day, session in sorted(earliest, key=lambda e: -e[0]):
        errors.add(f"Line {-negative_line}", reason, upn=upn, date=day, session=session)
    errors.not_shown += total - len(earliest)
    return errors


def _session_of(year: int, position: int) -> tuple[dt.date, Session]:
    return date_at(year, position), session_at(position)


def _positions_on_roll(enrolments: list[Enrolment], year: int) -> range | set[int]:
    """The positions in `year`'s marks of the sessions the pupil was on roll."""
    first_day, last_day = year_start(year), year_end(year)
    spans = [
        (max(e.start, first_day), min(e.end or last_day, last_day))
        for e in enrolments
        if e.start <= last_day and (e.end is None or e.end >= first_day)
    ]
    spans = [(start, end) for start, end in spans if start <= end]
    if len(spans) == 1:
        start, end = spans[0]
        return range(mark_index(start, "AM"), mark_index(end, "PM") + 1)
    return {
        position
        for start, end in spans
        for position in range(mark_index(start, "AM"), mark_index(end, "PM") + 1)
    }


# Helpers ------------------------------------------------------------------------


class _Progress:
    """Passes on whole percentages, each once and never going backwards."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.last = -1

    def __call__(self, percent: int) -> None:
        percent = max(0, min(100, percent))
        if self.callback is not None and percent > self.last:
            self.last = percent
            self.callback(percent)


def _read(source: Source) -> bytes:
    return source if isinstance(source, bytes) else source.read()


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _merge_counts(counts: Counts, result: MergeResult) -> None:
    counts.registers_created += result.registers_created
    counts.registers_updated += result.registers_updated
    counts.marks_loaded += result.marks_loaded
    counts.marks_changed += result.marks_changed
