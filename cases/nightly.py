"""The nightly run: every kind of flag's detector, batch by batch, raising what
has become due and resolving what has cleared (docs/rules.md#flags).

- Idempotent: one open flag per kind per subject (a database constraint), so a
  second run, or a run resumed after a crash, raises nothing twice. A flag a
  user resolved is not raised again for the same due date.
- Batches: a batch of schools is judged and written in one transaction; a
  worker killed mid-run leaves whole batches done and the rest untouched, and
  the next run finishes them.
- One at a time: under a PostgreSQL advisory lock (core/locks.py).
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

from django.db import transaction
from django.utils import timezone

from accounts.models import School
from core.locks import advisory_lock

from .hooks import Due, FlagKind, Night, all_flag_kinds
from .models import Flag, NightlyRun

logger = logging.getLogger(__name__)

LOCK_NAME = "cases.run_nightly"
# Schools per batch: at the benchmark LA's ~30 pupils a school... a batch of
# 50 schools is a few thousand pupils, one transaction of a second or two.
BATCH_SCHOOLS = 50


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
                night = Night(as_at, batch)
                for kind in chosen:
                    _judge(kind, night, result, dry_run=dry_run)
            result.batches += 1
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
    due: dict[str, Due] = {}
    for found in kind.detect(night):
        due.setdefault(found.subject, found)
    open_flags = dict(
        Flag.unscoped.filter(
            kind=kind.code, school_id__in=night.school_ids, resolved_at__isnull=True
        ).values_list("subject", "pk")
    )
    cleared = [pk for subject, pk in open_flags.items() if subject not in due]
    new = [d for subject, d in due.items() if subject not in open_flags]
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
    result.resolved[kind.code] += len(cleared)
    result.still_open[kind.code] += len(due)
    if dry_run:
        return
    now = timezone.now()
    if cleared:
        Flag.unscoped.filter(pk__in=cleared, resolved_at__isnull=True).update(
            resolved_at=now, resolution=Flag.Resolution.CLEARED
        )
    if new:
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
