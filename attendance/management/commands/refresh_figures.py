import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import School
from core.dates import last_full_day
from core.locks import JobAlreadyRunning, advisory_lock

from ...services.snapshots import figures_refresh


class Command(BaseCommand):
    help = (
        "Recompute every pupil's figures (attendance, persistent and severe absence, the "
        "national threshold) for the dashboards. Runs nightly; safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, default=None, help="As at (YYYY-MM-DD); yesterday."
        )
        parser.add_argument(
            "--school", action="append", default=[], help="URN; repeat for several. All if none."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be refreshed, change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_at = options["on"] or last_full_day()
        school_ids = None
        if options["school"]:
            found = dict(School.objects.filter(urn__in=options["school"]).values_list("urn", "pk"))
            unknown = sorted(set(options["school"]) - set(found))
            if unknown:
                raise CommandError(f"No school with URN {', '.join(unknown)}.")
            school_ids = list(found.values())
        if options["dry_run"]:
            count = len(school_ids) if school_ids is not None else School.objects.count()
            self.stdout.write(f"Would refresh the figures of {count} schools as at {as_at}.")
            return
        started = time.perf_counter()
        try:
            with advisory_lock("refresh_figures"):
                result = figures_refresh(as_at=as_at, school_ids=school_ids)
        except JobAlreadyRunning as exc:
            raise CommandError(f"{exc}: try again when it has finished.") from exc
        self.stdout.write(
            f"Refreshed {result.rows} pupil figures at {result.schools} schools as at "
            f"{result.as_at} in {time.perf_counter() - started:.1f} s."
        )
