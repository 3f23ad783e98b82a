from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.demo.builder import (
    DEFAULT_PUPILS_PER_SCHOOL,
    DEFAULT_SEED,
    DemoDataError,
    DemoSummary,
    demo_build,
)


class Command(BaseCommand):
    help = (
        "Build the Northmoor Council demo: three schools, a few hundred pupils with their "
        "families, and one account per role, then print how to sign in. Does nothing if the "
        "demo is already there, unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"The same seed always builds the same pupils (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--pupils-per-school",
            type=int,
            default=DEFAULT_PUPILS_PER_SCHOOL,
            help=f"Pupils on roll at each school (default {DEFAULT_PUPILS_PER_SCHOOL}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo pupils and families and build them again; put the demo "
            "schools and accounts, passwords included, back as they were built.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo_build(
                seed=options["seed"],
                pupils_per_school=options["pupils_per_school"],
                reset=options["reset"],
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_report(summary, style=self.style.SUCCESS))


def _report(summary: DemoSummary, *, style: Callable[[str], str]) -> str:
    where = f"{summary.local_authority} (LA {summary.la_code})"
    counts = (
        f"{summary.schools} schools, {summary.pupils} pupils, {summary.carers} parents and "
        f"carers, {summary.pupils_who_moved_school} pupils who moved school"
    )
    if summary.created:
        lines = [style(f"Built the demo local authority {where}: {counts}.")]
    else:
        lines = [
            f"Demo data is already present: {where}, {counts}.",
            "Run with --reset to build it again.",
        ]
    if summary.missing_accounts:
        lines.append(
            "These demo accounts have been deleted; --reset brings them back: "
            + ", ".join(summary.missing_accounts)
        )
    header = ("Role", "Email", "School or LA", "Password")
    rows = [
        (account.role, account.email, account.organisation, summary.password)
        for account in summary.accounts
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines.append("")
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    lines += ["", f"Every account's password is {summary.password}"]
    lines.append(f"Sign in at {summary.sign_in_url}")
    return "\n".join(line.rstrip() for line in lines)
