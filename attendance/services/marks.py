"""Writing register marks: merge incoming marks into the stored registers.

The one write path for marks, used by both imports, the demo data and the
benchmarks. On PostgreSQL new registers go in with COPY and changed ones through
a temporary table and one UPDATE (ADR 0002); on SQLite, Django's bulk methods.
A later mark for the same session replaces the earlier one, and the replaced
mark is kept in `MarkChange`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.functions import Substr
from django.utils import timezone

from ..codes import BY_CHAR, NO_MARK
from ..models import ImportBatch, MarkChange, RegisterYear
from ..years import date_at, empty_marks, session_at

_OWN = RegisterYear.Origin.SCHOOL


@dataclass
class IncomingRegister:
    """Marks for one pupil at one school in one academic year, full length
    (attendance.years.marks_length), with "-" wherever the source says nothing."""

    pupil_id: int
    school_id: int
    academic_year: int
    marks: str
    originals: dict[str, str] = field(default_factory=dict)
    origin: str = RegisterYear.Origin.SCHOOL
    # For history: the school whose file carried the marks.
    supplied_by_id: int | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.pupil_id, self.school_id, self.academic_year)


@dataclass
class MergeResult:
    registers_created: int = 0
    registers_updated: int = 0
    marks_loaded: int = 0
    marks_changed: int = 0
    touched: set[tuple[int, int]] = field(default_factory=set)  # (school, year)
    written: list[IncomingRegister] = field(default_factory=list)
    # History refused because the school holds its own register for that year.
    kept_own: list[IncomingRegister] = field(default_factory=list)


def registers_merge(
    *, incoming: Sequence[IncomingRegister], batch: ImportBatch | None = None
) -> MergeResult:
    """Store the incoming marks. Call inside the import's transaction.

    Only the stretch of each stored register that the incoming marks cover is
    read and rewritten, so appending a day for a whole LA moves two characters
    per pupil, not a year of marks.

    History (another school's file's marks for a school) never replaces a
    school's own register; a school's own marks take over a register that held
    only history.
    """
    result = MergeResult()
    new_rows: list[IncomingRegister] = []
    updates: list[_Update] = []
    changes: list[MarkChange] = []
    now_own: list[tuple[int, int, int]] = []
    for year, items in _by_year(incoming).items():
        held = _held(year, {item.school_id for item in items})
        known: list[IncomingRegister] = []
        for item in items:
            held_origin = held.get((item.pupil_id, item.school_id))
            if held_origin == _OWN and item.origin != _OWN:
                result.kept_own.append(item)
                continue
            if held_origin is not None and held_origin != _OWN and item.origin == _OWN:
                now_own.append(item.key)
            result.marks_loaded += len(item.marks) - item.marks.count(NO_MARK)
            result.touched.add((item.school_id, item.academic_year))
            result.written.append(item)
            if held_origin is not None:
                known.append(item)
            else:
                new_rows.append(item)
        lo, hi = _window(known)
        if lo >= hi:
            continue
        stored = _stored_parts(year, {item.school_id for item in known}, lo, hi)
        for item in known:
            update, item_changes = _merge(
                stored[(item.pupil_id, item.school_id)], item, lo, hi, batch
            )
            changes.extend(item_changes)
            if update is not None:
                updates.append(update)
    result.registers_created = len(new_rows)
    result.registers_updated = len(updates)
    result.marks_changed = len(changes)
    if connection.vendor == "postgresql":
        _copy_new(new_rows)
        _update_via_temp_table(updates)
    else:
        _write_with_orm(new_rows, updates)
    MarkChange.unscoped.bulk_create(changes, batch_size=2000)
    for pupil_id, school_id, year in now_own:
        RegisterYear.unscoped.filter(
            pupil_id=pupil_id, school_id=school_id, academic_year=year
        ).update(origin=_OWN, supplied_by=None)
    return result


def blank_register(pupil_id: int, school_id: int, academic_year: int) -> IncomingRegister:
    return IncomingRegister(pupil_id, school_id, academic_year, empty_marks(academic_year))


@dataclass(frozen=True)
class _Stored:
    pk: int
    academic_year: int
    part: str  # the stored marks from `lo` to `hi`
    originals: dict[str, str]


@dataclass(frozen=True)
class _Update:
    pk: int
    lo: int
    part: str
    originals: dict[str, str]


def _by_year(incoming: Iterable[IncomingRegister]) -> dict[int, list[IncomingRegister]]:
    years: dict[int, list[IncomingRegister]] = defaultdict(list)
    for item in incoming:
        years[item.academic_year].append(item)
    return years


def _window(items: Iterable[IncomingRegister]) -> tuple[int, int]:
    """The smallest stretch of positions holding every incoming mark."""
    lo, hi = 10**6, 0
    for item in items:
        end = len(item.marks.rstrip(NO_MARK))
        if end:
            lo = min(lo, len(item.marks) - len(item.marks.lstrip(NO_MARK)))
            hi = max(hi, end)
    return lo, hi


def _held(year: int, school_ids: set[int]) -> dict[tuple[int, int], str]:
    """(pupil, school) of the registers already stored for this year, with their
    origin: a new one goes straight into the COPY, with nothing to read or merge."""
    rows = RegisterYear.unscoped.filter(academic_year=year, school_id__in=school_ids)
    return {
        (pupil_id, school_id): origin
        for pupil_id, school_id, origin in rows.values_list("pupil_id", "school_id", "origin")
    }


def _stored_parts(
    year: int, school_ids: set[int], lo: int, hi: int
) -> dict[tuple[int, int], _Stored]:
    rows = (
        RegisterYear.unscoped.filter(academic_year=year, school_id__in=school_ids)
        .annotate(part=Substr("marks", lo + 1, hi - lo))
        .values_list("pk", "pupil_id", "school_id", "part", "originals")
    )
    return {
        (pupil_id, school_id): _Stored(pk, year, part, originals or {})
        for pk, pupil_id, school_id, part, originals in rows.iterator(chunk_size=10_000)
    }


def _merge(
    stored: _Stored, item: IncomingRegister, lo: int, hi: int, batch: ImportBatch | None
) -> tuple[_Update | None, list[MarkChange]]:
    """Incoming marks replace stored ones session by session; "-" keeps what is
    stored. A replaced real mark is recorded as a change."""
    new = item.marks[lo:hi]
    merged: list[str] = []
    changes: list[MarkChange] = []
    originals = dict(stored.originals)
    for offset, (was, now) in enumerate(zip(stored.part, new, strict=True)):
        if now == NO_MARK:
            merged.append(was)
            continue
        merged.append(now)
        key = str(lo + offset)
        old_original, new_original = stored.originals.get(key), item.originals.get(key)
        if new_original is None:
            originals.pop(key, None)
        else:
            originals[key] = new_original
        if was != NO_MARK and (was != now or old_original != new_original):
            changes.append(
                MarkChange(
                    register_id=stored.pk,
                    position=lo + offset,
                    date=date_at(stored.academic_year, lo + offset),
                    session=session_at(lo + offset),
                    old_code=old_original or BY_CHAR[was].code,
                    new_code=new_original or BY_CHAR[now].code,
                    batch=batch,
                )
            )
    part = "".join(merged)
    if part == stored.part and originals == stored.originals:
        return None, changes
    return _Update(stored.pk, lo, part, originals), changes


def _copy_new(rows: Sequence[IncomingRegister]) -> None:
    if not rows:
        return
    now = timezone.now()
    table = RegisterYear._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table} (pupil_id, school_id, academic_year, marks, originals, origin, "
            "supplied_by_id, updated_at) FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            originals = json.dumps(r.originals) if r.originals else "{}"
            copy.write_row(
                (
                    r.pupil_id,
                    r.school_id,
                    r.academic_year,
                    r.marks,
                    originals,
                    r.origin,
                    r.supplied_by_id,
                    now,
                )
            )


def _update_via_temp_table(updates: Sequence[_Update]) -> None:
    if not updates:
        return
    # atomic: the temporary table never outlives a failed update.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_marks "
            "(id bigint PRIMARY KEY, lo integer, part text, originals jsonb)"
        )
        with cursor.copy("COPY incoming_marks (id, lo, part, originals) FROM STDIN") as copy:
            for update in updates:
                copy.write_row((update.pk, update.lo, update.part, json.dumps(update.originals)))
        cursor.execute(
            "UPDATE attendance_registeryear AS r "
            "SET marks = overlay(r.marks placing i.part from i.lo + 1 for length(i.part)), "
            "originals = i.originals, updated_at = now() "
            "FROM incoming_marks AS i WHERE r.id = i.id"
        )
        cursor.execute("DROP TABLE incoming_marks")


def _write_with_orm(new_rows: Sequence[IncomingRegister], updates: Sequence[_Update]) -> None:
    """The same writes for SQLite (development): slower, and fine at that size."""
    RegisterYear.unscoped.bulk_create(
        [
            RegisterYear(
                pupil_id=r.pupil_id,
                school_id=r.school_id,
                academic_year=r.academic_year,
                marks=r.marks,
                originals=r.originals,
                origin=r.origin,
                supplied_by_id=r.supplied_by_id,
            )
            for r in new_rows
        ],
        batch_size=500,
    )
    for update in updates:
        register = RegisterYear.unscoped.get(pk=update.pk)
        register.marks = (
            register.marks[: update.lo]
            + update.part
            + register.marks[update.lo + len(update.part) :]
        )
        register.originals = update.originals
        register.save(update_fields=["marks", "originals", "updated_at"])
