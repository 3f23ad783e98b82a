"""What an import reports back: counts, warnings and every error, with where in
the file each error is, so that the person who sent the file can fix it.

Stored as JSON in `ImportBatch.report`, shown on the import page and printed by
the `import_ctf` and `import_marks` commands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

# Enough to show the pattern of what is wrong without a page of thousands of rows.
MAX_ERRORS = 200

Status = Literal["succeeded", "failed"]


@dataclass(frozen=True)
class FileError:
    """One thing wrong with the file. `place` is "Line 14" or an XML path."""

    place: str
    message: str
    upn: str = ""
    date: dt.date | None = None
    session: str = ""

    def __str__(self) -> str:
        who = " ".join(
            part
            for part in (self.upn, f"on {self.date.isoformat()}" if self.date else "", self.session)
            if part
        )
        return ": ".join(part for part in (self.place, who, self.message) if part)

    def as_json(self) -> dict[str, str]:
        return {
            "place": self.place,
            "upn": self.upn,
            "date": self.date.isoformat() if self.date else "",
            "session": self.session,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileError:
        raw_date = data.get("date") or ""
        return cls(
            place=str(data.get("place", "")),
            message=str(data.get("message", "")),
            upn=str(data.get("upn", "")),
            date=dt.date.fromisoformat(raw_date) if raw_date else None,
            session=str(data.get("session", "")),
        )


class ErrorList:
    """Collects errors while a file is read, keeping the first MAX_ERRORS.

    Reading goes on after the first error so that one report lists everything
    to fix, rather than one error per attempt.
    """

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        self.limit = limit
        self.items: list[FileError] = []
        self.not_shown = 0

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items) + self.not_shown

    def add(
        self,
        place: str,
        message: str,
        *,
        upn: str = "",
        date: dt.date | None = None,
        session: str = "",
    ) -> None:
        if len(self.items) >= self.limit:
            self.not_shown += 1
            return
        self.items.append(FileError(place, message, upn=upn, date=date, session=session))

    def extend(self, other: ErrorList) -> None:
        for error in other.items:
            self.add(
                error.place, error.message, upn=error.upn, date=error.date, session=error.session
            )
        self.not_shown += other.not_shown


@dataclass
class Counts:
    pupils_created: int = 0
    pupils_updated: int = 0
    carers_created: int = 0
    carers_updated: int = 0
    enrolments_created: int = 0
    enrolments_updated: int = 0
    registers_created: int = 0
    registers_updated: int = 0
    marks_loaded: int = 0
    marks_changed: int = 0
    schools_created: int = 0
    pupils_not_imported: int = 0


COUNT_LABELS: dict[str, str] = {
    "schools_created": "Schools added",
    "pupils_created": "Pupils added",
    "pupils_updated": "Pupils updated",
    "carers_created": "Parents and carers added",
    "carers_updated": "Parents and carers updated",
    "enrolments_created": "Enrolments added",
    "enrolments_updated": "Enrolments extended",
    "registers_created": "Registers added",
    "registers_updated": "Registers updated",
    "marks_loaded": "Marks loaded",
    "marks_changed": "Marks replaced",
    "pupils_not_imported": "Pupils not imported (held by another school)",
}


@dataclass
class ImportReport:
    status: Status = "succeeded"
    counts: Counts = field(default_factory=Counts)
    warnings: list[str] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    errors_not_shown: int = 0
    # Pupil by pupil: what the file said that another school's records kept out.
    not_imported: list[str] = field(default_factory=list)

    @classmethod
    def failed(cls, errors: ErrorList, warnings: list[str] | None = None) -> ImportReport:
        return cls(
            status="failed",
            warnings=list(warnings or []),
            errors=list(errors.items),
            errors_not_shown=errors.not_shown,
        )

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_shown

    def count_rows(self) -> list[tuple[str, int]]:
        """(label, number) in the order a reader expects, for pages and commands."""
        return [(label, getattr(self.counts, name)) for name, label in COUNT_LABELS.items()]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "counts": asdict(self.counts),
            "warnings": list(self.warnings),
            "errors": [error.as_json() for error in self.errors],
            "errors_not_shown": self.errors_not_shown,
            "not_imported": list(self.not_imported),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        known = {f.name for f in fields(Counts)}
        counts = {k: int(v) for k, v in (data.get("counts") or {}).items() if k in known}
        status: Status = "failed" if data.get("status") == "failed" else "succeeded"
        return cls(
            status=status,
            counts=Counts(**counts),
            warnings=[str(w) for w in data.get("warnings") or []],
            errors=[FileError.from_json(e) for e in data.get("errors") or []],
            errors_not_shown=int(data.get("errors_not_shown") or 0),
            not_imported=[str(line) for line in data.get("not_imported") or []],
        )

    def lines(self) -> list[str]:
        """The report in plain English, one line each, for the commands."""
        if self.succeeded:
            out = ["Imported."]
            out += [f"  {label}: {number}" for label, number in self.count_rows()]
        else:
            total = self.error_count
            out = [f"Not imported: the file has {total} error{'s' if total != 1 else ''}."]
            out.append("Nothing was changed. Correct the file and import it again.")
            out += [f"  {error}" for error in self.errors]
            if self.errors_not_shown:
                out.append(f"  ... and {self.errors_not_shown} more errors not shown.")
        if self.not_imported:
            out.append("Held by another school:")
            out += [f"  {line}" for line in self.not_imported]
        if self.warnings:
            out.append("Warnings:")
            out += [f"  {warning}" for warning in self.warnings]
        return out
