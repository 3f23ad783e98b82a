import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.dates import today
from core.locks import JobAlreadyRunning

from ...nightly import run_nightly
from ...services.flags_digest import digest_send


class Command(BaseCommand):
    help = (
        "Raise the flags that became due and resolve those that cleared (the nightly "
        "job, by hand). Safe to run again: nothing is raised twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-at", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD; today."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--digest", action="store_true", help="Send the morning digests too.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_at = options["as_at"] or today()
        try:
            result = run_nightly(as_at=as_at, dry_run=options["dry_run"])
        except JobAlreadyRunning as exc:
            raise CommandError(f"{exc}: try again when it has finished.") from exc
        for code in sorted(set(result.raised) | set(result.resolved) | set(result.still_open)):
            self.stdout.write(
                f"{code}: {result.raised[code]} raised, {result.resolved[code]} resolved, "
                f"{result.still_open[code]} due"
            )
        self.stdout.write(f"Nightly run {result.summary()}.")
        if options["digest"] and not options["dry_run"]:
            self.stdout.write(f"Digests sent: {digest_send(as_at=as_at)}.")
