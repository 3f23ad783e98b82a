"""How long each kind of record is kept (docs/rules.md, "Retention").

Each kind has a default period, what it counts from, and its source. An LA
may set a longer period for its schools (never a shorter one than a statute
requires: the form refuses it). A record past its period is only listed for
review; nothing is deleted until an LA manager approves it (records.services
.retention).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str
    default_years: int
    # The least the law allows, where a statute sets one; 0 where none does.
    minimum_years: int
    counted_from: str
    source: str


REGISTERS = RecordKind(
    key="attendance_register",
    label="Attendance registers",
    default_years=6,
    minimum_years=6,
    counted_from="the end of the academic year of the entries",
    source=(
        "The School Attendance (Pupil Registration) (England) Regulations 2024 "
        "(SI 2024/208), regulation 7: every entry in a register is kept for at "
        "least six years (three under the 2006 Regulations)"
    ),
)
CASE_FILES = RecordKind(
    key="closed_case_file",
    label="Closed case files (contacts, meetings, the pupil's voice, plans, notices)",
    default_years=25,
    minimum_years=0,
    counted_from="the pupil's date of birth, once the case is closed",
    source=(
        "IRMS Information Management Toolkit for Schools: a pupil's educational "
        "record is kept until the pupil's 25th birthday (date of birth + 25 years)"
    ),
)
KINDS = {kind.key: kind for kind in (REGISTERS, CASE_FILES)}


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def register_kept_until(academic_year: int, years: int) -> dt.date:
    """The last day a year's register must be kept: `years` after 31 August,
    the end of the academic year of its last entry."""
    return add_years(dt.date(academic_year + 1, 8, 31), years)


def case_file_kept_until(date_of_birth: dt.date, years: int) -> dt.date:
    return add_years(date_of_birth, years)
