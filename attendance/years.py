"""Academic years and where each session sits in a year's mark string.

An academic year runs from 1 September to 31 August and is named by the year it
starts in (2025 is 2025/26). Its mark string holds two characters per calendar
date from 1 September: index 2*n is the AM session of day n, 2*n+1 the PM.
The figures' period is the academic year of the "as at" date (see
docs/rules.md#a2-attendance-and-absence-figures).
"""

import datetime as dt
from typing import Literal

Session = Literal["AM", "PM"]
SESSIONS: tuple[Session, Session] = ("AM", "PM")


def academic_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def year_start(year: int) -> dt.date:
    return dt.date(year, 9, 1)


def year_end(year: int) -> dt.date:
    return dt.date(year + 1, 8, 31)


def days_in_year(year: int) -> int:
    return (year_end(year) - year_start(year)).days + 1


def marks_length(year: int) -> int:
    return 2 * days_in_year(year)


def day_index(day: dt.date) -> int:
    """Days since 1 September of the day's own academic year."""
    return (day - year_start(academic_year_of(day))).days


def mark_index(day: dt.date, session: Session) -> int:
    return 2 * day_index(day) + (0 if session == "AM" else 1)


def date_at(year: int, index: int) -> dt.date:
    """The date of the session at `index` in `year`'s mark string."""
    return year_start(year) + dt.timedelta(days=index // 2)


def session_at(index: int) -> Session:
    return SESSIONS[index % 2]


def year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def empty_marks(year: int) -> str:
    return "-" * marks_length(year)
