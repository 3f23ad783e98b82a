"""The nightly run: every kind of flag's detector, batch by batch, raising what
has become due and resolving what has cleared (docs/rules.md#flags).

- Idempotent: one open flag per kind per subject (a database constraint), so a
  second run, or a run resumed after a crash, raises nothing twice. A flag a
  user resolved is not raised again for the same due date.
- Batches: a batch of schools is judged and written in one transaction; a
  worker killed mid-run leaves whole batches done and the rest untouched, and
  the next run finishes them.
- One at a time: under a PostgreSQL advisory lock (core/locks.py).
- In the database: on PostgreSQL a kind with an SQL form (cases.hooks.SqlJudge)
  is judged by one read-only statement per batch that compares what is due
  with the open flags; only what is new or cleared comes back to Python.
- Catching up: detectors judge "as at" a date from the records themselves, so
  the run after a missed night raises what fell due on it, with its own date.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import School
from core.locks import advisory_lock

from .hooks import LAST_SCHOOL_DAYS, Due, FlagKind, Night, SqlJudge, all_flag_kinds
from .models import Flag, NightlyRun

logger = logging.getLogger(__name__)

LOCK_NAME = "cases.run_nightly"
# Schools per batch. Judged in the database, the benchmark LA's 420 schools
# (130,000 pupils) are one batch: a transaction of a few seconds on a steady
# night and under 30 on the first (docs/benchmarks.md); smaller batches only
# add statements, as each kind is one statement whatever the batch's size.
BATCH_SCHOOLS = 500
# A run that raised or cleared this many flags refreshes the table's statistics.
REPLAN_AFTER = 1000


@dataclass
class NightlyResult:
    as_at: dt.date
    dry_run: bool
    raised: Counter[str] = field(default_factory=Counter)
    resolved: Counter[str] = field(default_factory=Counter)
    still_open: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"as at {self.as_at}{' (dry run)' if self.dry_run else ''}: "
            f"{sum(self.raised.values())} raised, {sum(self.resolved.values())} resolved, "
            f"{sum(self.still_open.values())} still open, {self.batches} batches, "
            f"{self.seconds:.1f} s"
        )


def run_nightly(
    *,
    as_at: dt.date,
    dry_run: bool = False,
    batch_schools: int = BATCH_SCHOOLS,
    kinds: Sequence[str] | None = None,
) -> NightlyResult:
    """Judge every kind of flag as at `as_at` at every school. Raises
    core.locks.JobAlreadyRunning when another run holds the lock."""
    started = time.monotonic()
    result = NightlyResult(as_at=as_at, dry_run=dry_run)
    chosen = [k for code, k in all_flag_kinds().items() if kinds is None or code in kinds]
    with advisory_lock(LOCK_NAME):
        run_started = timezone.now()
        school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(school_ids), batch_schools):
            batch = school_ids[start : start + batch_schools]
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Short statements, each planned as costly (a correlated
                    # count, a register scan): compiling them with JIT took
                    # longer than running them.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL jit = off")
                night = Night(as_at, batch)
                for kind in chosen:
                    _judge(kind, night, result, dry_run=dry_run)
            result.batches += 1
        changed = sum(result.raised.values()) + sum(result.resolved.values())
        if not dry_run and changed >= REPLAN_AFTER and connection.vendor == "postgresql":
            # Many flags raised or cleared (a first night, the start of a
            # term): the table's statistics are refreshed now, not whenever
            # autovacuum next looks, so the next night is planned on them.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Flag._meta.db_table}")
        result.seconds = time.monotonic() - started
        if not dry_run:
            NightlyRun.objects.update_or_create(
                as_at=as_at,
                defaults={
                    "started_at": run_started,
                    "finished_at": timezone.now(),
                    "raised": sum(result.raised.values()),
                    "resolved": sum(result.resolved.values()),
                    "counts": {
                        "raised": dict(result.raised),
                        "resolved": dict(result.resolved),
                        "open": dict(result.still_open),
                    },
                },
            )
    logger.info("nightly run %s", result.summary())
    return result


def _judge(kind: FlagKind, night: Night, result: NightlyResult, *, dry_run: bool) -> None:
    if kind.judge is not None and connection.vendor == "postgresql":
        _judge_in_database(kind, kind.judge, night, result, dry_run=dry_run)
        return
    due: dict[str, Due] = {}
    for found in kind.detect(night):
        due.setdefault(found.subject, found)
    open_flags = dict(
        Flag.unscoped.filter(
            kind=kind.code, school_id__in=night.school_ids, resolved_at__isnull=True
        ).values_list("subject", "pk")
    )
    cleared = [pk for subject, pk in open_flags.items() if subject not in due]
    result.resolved[kind.code] += len(cleared)
    result.still_open[kind.code] += len(due)
    if cleared and not dry_run:
        Flag.unscoped.filter(pk__in=cleared, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=Flag.Resolution.CLEARED
        )
    _raise(
        kind,
        night,
        [d for subject, d in due.items() if subject not in open_flags],
        result,
        dry_run=dry_run,
    )


# One read-only statement per kind and batch (so PostgreSQL may share a scan
# of the registers between its workers): the subjects due (the kind's SELECT,
# run once) side by side with the batch's open flags (a full join, so a hash or
# merge join whatever the planner thinks of a table just filled); back come the
# open flags no longer due and the subjects due with no open flag: on a steady
# night, neither. A subject names its school (a pupil at a school, a case, a
# notice), so as in the detectors' path only the batch's flags are compared;
# the unique key guards the rest.
_JUDGE_SQL = """
    WITH due AS MATERIALIZED ({due}),
    open AS MATERIALIZED (
      SELECT f.id, f.subject::text AS subject FROM {flags} f
      JOIN {schools} sd ON sd.school_id = f.school_id
      WHERE f.kind = %(kind)s AND f.resolved_at IS NULL),
    compared AS MATERIALIZED (
      SELECT due.*, open.id AS open_flag_id FROM due
      FULL JOIN open ON open.subject COLLATE "C" = due.subject COLLATE "C")
    SELECT (SELECT count(*) FROM due),
           (SELECT array_agg(c.open_flag_id) FROM compared c WHERE c.subject IS NULL),
           new.*
    FROM (SELECT 1) AS one
    LEFT JOIN (SELECT * FROM compared c WHERE c.open_flag_id IS NULL) AS new ON true
"""


def _judge_in_database(
    kind: FlagKind, judge: SqlJudge, night: Night, result: NightlyResult, *, dry_run: bool
) -> None:
    due_sql, params = judge.due(night)
    sql = _JUDGE_SQL.format(due=due_sql, flags=Flag._meta.db_table, schools=LAST_SCHOOL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**night.sql_params(), **params, "kind": kind.code})
        rows = cursor.fetchall()
    due_count, cleared = rows[0][0], rows[0][1] or []
    result.still_open[kind.code] += due_count
    result.resolved[kind.code] += len(cleared)
    if cleared and not dry_run:
        Flag.unscoped.filter(pk__in=cleared, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=Flag.Resolution.CLEARED
        )
    new: list[Due] = []
    for row in rows:
        # The counts, the kind's columns, then the (missing) open flag's id.
        if row[2] is not None:
            found = judge.build(night, tuple(row[2:-1]))
            if found is not None:
                new.append(found)
    _raise(kind, night, new, result, dry_run=dry_run)


def _raise(
    kind: FlagKind, night: Night, new: list[Due], result: NightlyResult, *, dry_run: bool
) -> None:
    if new:
        # A user resolved it (with a note) and the same thing is still due on
        # the same day: their decision stands until it becomes due afresh.
        dismissed = set(
            Flag.unscoped.filter(
                kind=kind.code,
                school_id__in=night.school_ids,
                resolution=Flag.Resolution.BY_USER,
            ).values_list("subject", "due_on")
        )
        new = [d for d in new if (d.subject, d.due_on) not in dismissed]
    result.raised[kind.code] += len(new)
    if dry_run or not new:
        return
    now = timezone.now()
    Flag.unscoped.bulk_create(
        [
            Flag(
                kind=kind.code,
                subject=d.subject,
                pupil_id=d.pupil_id,
                case_id=d.case_id,
                school_id=d.school_id,
                due_on=d.due_on,
                detail=d.detail[:300],
                raised_at=now,
                raised_as_at=night.as_at,
            )
            for d in new
        ],
        batch_size=2000,
        # The advisory lock keeps runs apart; this keeps a run that lost
        # the lock some other way from failing on the unique key.
        ignore_conflicts=True,
    )
