"""Writing register marks: merge incoming marks into the stored registers.

The one write path for marks, used by both imports, the demo data and the
benchmarks. On PostgreSQL new registers go in with COPY and changed ones through
a temporary table and one UPDATE (ADR 0002); on SQLite, Django's bulk methods.
A later mark for the same session replaces the earlier one, and the replaced
mark is kept in `MarkChange`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from ..codes import BY_CHAR, NO_MARK
from ..models import ImportBatch, MarkChange, RegisterYear
from ..years import date_at, empty_marks, session_at

_A_MARK = re.compile(r"[^-]")


@dataclass
class IncomingRegister:
    """Marks for one pupil at one school in one academic year, full length
    (attendance.years.marks_length), with "-" wherever the source says nothing."""

    pupil_id: int
    school_id: int
    academic_year: int
    marks: str
    originals: dict[str, str] = field(default_factory=dict)

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


def registers_merge(
    *, incoming: Sequence[IncomingRegister], batch: ImportBatch | None = None
) -> MergeResult:
    """Store the incoming marks. Call inside the import's transaction."""
    result = MergeResult()
    existing = _existing_registers(incoming)
    new_rows: list[IncomingRegister] = []
    updated: list[tuple[int, str, dict[str, str]]] = []
    changes: list[MarkChange] = []
    for item in incoming:
        marks_here = len(item.marks) - item.marks.count(NO_MARK)
        result.marks_loaded += marks_here
        result.touched.add((item.school_id, item.academic_year))
        stored = existing.get(item.key)
        if stored is None:
            new_rows.append(item)
            continue
        merged, item_changes = _merge(stored, item)
        originals = {**stored.originals, **item.originals}
        for position in item_changes:
            changes.append(
                MarkChange(
                    register_id=stored.pk,
                    position=position,
                    date=date_at(stored.academic_year, position),
                    session=session_at(position),
                    old_code=_code_name(stored.marks[position], stored.originals, position),
                    new_code=_code_name(item.marks[position], item.originals, position),
                    batch=batch,
                )
            )
        if merged != stored.marks or originals != stored.originals:
            updated.append((stored.pk, merged, originals))
    result.registers_created = len(new_rows)
    result.registers_updated = len(updated)
    result.marks_changed = len(changes)
    if connection.vendor == "postgresql":
        _copy_new(new_rows)
        _update_via_temp_table(updated)
    else:
        RegisterYear.unscoped.bulk_create(
            [
                RegisterYear(
                    pupil_id=r.pupil_id,
                    school_id=r.school_id,
                    academic_year=r.academic_year,
                    marks=r.marks,
                    originals=r.originals,
                )
                for r in new_rows
            ],
            batch_size=500,
        )
        for pk, marks, originals in updated:
            RegisterYear.unscoped.filter(pk=pk).update(
                marks=marks, originals=originals, updated_at=timezone.now()
            )
    MarkChange.unscoped.bulk_create(changes, batch_size=2000)
    return result


def blank_register(pupil_id: int, school_id: int, academic_year: int) -> IncomingRegister:
    return IncomingRegister(pupil_id, school_id, academic_year, empty_marks(academic_year))


def _existing_registers(
    incoming: Iterable[IncomingRegister],
) -> dict[tuple[int, int, int], RegisterYear]:
    pupils_by_school_year: dict[tuple[int, int], set[int]] = defaultdict(set)
    for item in incoming:
        pupils_by_school_year[(item.school_id, item.academic_year)].add(item.pupil_id)
    found: dict[tuple[int, int, int], RegisterYear] = {}
    for (school_id, year), pupil_ids in pupils_by_school_year.items():
        ids = sorted(pupil_ids)
        for chunk_start in range(0, len(ids), 5000):
            rows = RegisterYear.unscoped.filter(
                school_id=school_id,
                academic_year=year,
                pupil_id__in=ids[chunk_start : chunk_start + 5000],
            ).only("pk", "pupil_id", "school_id", "academic_year", "marks", "originals")
            for row in rows:
                found[(row.pupil_id, row.school_id, row.academic_year)] = row
    return found


def _merge(stored: RegisterYear, item: IncomingRegister) -> tuple[str, list[int]]:
    """Incoming marks replace stored ones session by session; "-" keeps the stored
    mark. Returns the merged string and the positions of replaced real marks."""
    first = _A_MARK.search(item.marks)
    if first is None:
        return stored.marks, []
    last = len(item.marks.rstrip(NO_MARK))
    lo = first.start()
    old, new = stored.marks[lo:last], item.marks[lo:last]
    merged_part = []
    changed = []
    for offset, (was, now) in enumerate(zip(old, new, strict=True)):
        if now == NO_MARK:
            merged_part.append(was)
            continue
        merged_part.append(now)
        position = lo + offset
        if was != NO_MARK and (
            was != now or stored.originals.get(str(position)) != item.originals.get(str(position))
        ):
            changed.append(position)
    return stored.marks[:lo] + "".join(merged_part) + stored.marks[last:], changed


def _code_name(char: str, originals: dict[str, str], position: int) -> str:
    return originals.get(str(position)) or BY_CHAR[char].code


def _copy_new(rows: Sequence[IncomingRegister]) -> None:
    if not rows:
        return
    now = timezone.now()
    table = RegisterYear._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table} (pupil_id, school_id, academic_year, marks, originals, updated_at) "
            "FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            copy.write_row(
                (r.pupil_id, r.school_id, r.academic_year, r.marks, json.dumps(r.originals), now)
            )


def _update_via_temp_table(rows: Sequence[tuple[int, str, dict[str, str]]]) -> None:
    if not rows:
        return
    # atomic: the temporary table never outlives a failed update.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_marks "
            "(id bigint PRIMARY KEY, marks text, originals jsonb)"
        )
        with cursor.copy("COPY incoming_marks (id, marks, originals) FROM STDIN") as copy:
            for pk, marks, originals in rows:
                copy.write_row((pk, marks, json.dumps(originals)))
        cursor.execute(
            "UPDATE attendance_registeryear AS r SET marks = i.marks, originals = i.originals, "
            "updated_at = now() FROM incoming_marks AS i WHERE r.id = i.id"
        )
        cursor.execute("DROP TABLE incoming_marks")
