"""Compulsory school age (Education Act 1996 s8), from a date of birth alone.

The offence of s444 and penalty notices (ss444A-444B) concern a child "of
compulsory school age", so a Notice to Improve, a referral and a penalty notice
are refused for a child outside it. Plain functions, no database: the pupil is
the only input, and every rule that needs the answer calls these.

- **Starts** (s8(2), and the Education (Start of Compulsory School Age) Order
  1998, SI 1998/1607, which prescribes 31 March, 31 August and 31 December): on
  the fifth birthday if it is a prescribed day, otherwise at the beginning of the
  next prescribed day after it.
- **Ends** (s8(3), and the Education (School Leaving Date) Order 1997, SI
  1997/1970: the last Friday in June) at the end of the school leaving date
  (a) of the year in which the child turns 16 after that date but before the
  next school year begins, (b) on which the child turns 16, or (c) otherwise
  next following the sixteenth birthday. So: the last Friday in June of the
  school year (1 September to 31 August) in which the child turns 16.

The child is of compulsory school age from the start of the first day to the
end of the last, both included.

See docs/rules.md#compulsory-school-age.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

# SI 1998/1607 art. 2: the prescribed days, as (month, day), in calendar order.
PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))
START_AGE = 5
END_AGE = 16
# The school year begins on 1 September (see docs/rules.md for why not the
# school's first day of term).
SCHOOL_YEAR_STARTS = (9, 1)


class CompulsorySchoolAge(NamedTuple):
    """The first and last days on which a child is of compulsory school age."""

    starts: dt.date
    ends: dt.date


def birthday(date_of_birth: dt.date, age: int) -> dt.date:
    """The day a child attains `age` (Family Law Reform Act 1969 s9: at the
    start of the anniversary of the birth). A child born on 29 February has
    the anniversary on 1 March in a year with no 29 February; 28 February
    would give the same answers below, as neither is a prescribed day or near
    a school leaving date."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return dt.date(date_of_birth.year + age, 3, 1)


def school_leaving_date(year: int) -> dt.date:
    """The last Friday in June of `year` (SI 1997/1970)."""
    last = dt.date(year, 6, 30)
    # Friday is weekday 4; step back from 30 June to it.
    return last - dt.timedelta(days=(last.weekday() - 4) % 7)


def compulsory_school_age(date_of_birth: dt.date) -> CompulsorySchoolAge:
    """The first and last days of compulsory school age for a child born on
    `date_of_birth`."""
    fifth = birthday(date_of_birth, START_AGE)
    # s8(2): the fifth birthday if it is a prescribed day, else the next one.
    # 31 December is prescribed, so the next one is always in the same year.
    starts = next(
        day
        for day in (dt.date(fifth.year, month, dom) for month, dom in PRESCRIBED_DAYS)
        if day >= fifth
    )
    sixteenth = birthday(date_of_birth, END_AGE)
    leaving = school_leaving_date(sixteenth.year)
    if sixteenth <= leaving:
        # s8(3)(b) on the leaving date, (c) before it: this year's.
        ends = leaving
    elif sixteenth < dt.date(sixteenth.year, *SCHOOL_YEAR_STARTS):
        # s8(3)(a): after the leaving date but before the next school year.
        ends = leaving
    else:
        # s8(3)(c): from 1 September, the next year's leaving date.
        ends = school_leaving_date(sixteenth.year + 1)
    return CompulsorySchoolAge(starts=starts, ends=ends)


def is_of_compulsory_school_age(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether a child born on `date_of_birth` is of compulsory school age on `on`."""
    starts, ends = compulsory_school_age(date_of_birth)
    return starts <= on <= ends
