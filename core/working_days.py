"""Working days in England: Monday to Friday, less the England and Wales bank
holidays (Banking and Financial Dealings Act 1971, Schedule 1, and the days
appointed by proclamation each year).

The `holidays` package holds the dates offline, including days moved by
proclamation (the 2022 Queen's funeral, coronations) and substitute days when a
holiday falls at a weekend. Two rules lean on this module:

- a school with no term calendar has its school days estimated beyond its last
  register mark as working days (docs/rules.md#school-days);
- a posted penalty notice is deemed received on a working day after posting
  (Interpretation Act 1978 s7; docs/rules.md#a5-penalty-notices).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """The bank holidays of England and Wales in one calendar year."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: dt.date) -> bool:
    return day in bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def working_days_after(day: dt.date, count: int) -> dt.date:
    """The `count`th working day after `day` (not counting `day` itself).
    Example: 2 working days after Friday 6 March 2026 is Tuesday 10 March."""
    if count < 1:
        raise ValueError("count must be at least 1")
    found = 0
    current = day
    while found < count:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def working_days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every working day from `first` to `last`, both included."""
    days = []
    current = first
    while current <= last:
        if is_working_day(current):
            days.append(current)
        current += dt.timedelta(days=1)
    return days
