"""Compulsory school age (Education Act 1996 s8; docs/rules.md#compulsory-school-age):
the worked examples, counted by hand against the statute's wording.

The wording each example is checked against:

- s8(2): "A person begins to be of compulsory school age (a) when he attains the
  age of five, if he attains that age on a prescribed day, and (b) otherwise at
  the beginning of the prescribed day next following his attaining that age."
  The prescribed days are 31 March, 31 August and 31 December (Education (Start
  of Compulsory School Age) Order 1998, SI 1998/1607).
- s8(3): "A person ceases to be of compulsory school age at the end of the day
  which is the school leaving date for any calendar year (a) if he attains the
  age of 16 after that day but before the beginning of the school year next
  following, (b) if he attains that age on that day, or (c) (unless paragraph
  (a) applies) if that day is the school leaving date next following his
  attaining that age." The school leaving date is the last Friday in June
  (Education (School Leaving Date) Order 1997, SI 1997/1970).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.school_age import (
    compulsory_school_age,
    is_of_compulsory_school_age,
    school_leaving_date,
)

D = dt.date

# --- When it starts: s8(2) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        # Fifth birthday Monday 1 September 2025, not a prescribed day: s8(2)(b),
        # the next prescribed day after it is 31 December 2025.
        (D(2020, 9, 1), D(2025, 12, 31)),
        # Fifth birthday Wednesday 31 December 2025, itself a prescribed day:
        # s8(2)(a), that day.
        (D(2020, 12, 31), D(2025, 12, 31)),
        # Fifth birthday 1 January 2026: s8(2)(b), the next prescribed day is
        # 31 March 2026.
        (D(2021, 1, 1), D(2026, 3, 31)),
        # Fifth birthday 31 March 2026, a prescribed day: s8(2)(a).
        (D(2021, 3, 31), D(2026, 3, 31)),
        # Fifth birthday 1 April 2026: s8(2)(b), the next prescribed day is
        # 31 August 2026 (not the start of the autumn term).
        (D(2021, 4, 1), D(2026, 8, 31)),
        # Fifth birthday 31 August 2026, a prescribed day: s8(2)(a).
        (D(2021, 8, 31), D(2026, 8, 31)),
        # Born 29 February 2020: no 29 February in 2025, so the fifth birthday is
        # 1 March 2025 (28 February would give the same answer); s8(2)(b), the
        # next prescribed day is 31 March 2025.
        (D(2020, 2, 29), D(2025, 3, 31)),
    ],
)
def test_compulsory_school_age_starts_on_the_prescribed_day_on_or_after_the_fifth_birthday(
    born: dt.date, starts: dt.date
) -> None:
    assert compulsory_school_age(born).starts == starts


# --- When it ends: s8(3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "leaving"),
    [
        # 30 June 2026 is a Tuesday; back four days to Friday 26 June.
        (2025, D(2025, 6, 27)),  # 30 June 2025 is a Monday: back three days.
        (2026, D(2026, 6, 26)),
        (2027, D(2027, 6, 25)),  # 30 June 2027 is a Wednesday: back five days.
        (2028, D(2028, 6, 30)),  # 30 June 2028 is itself a Friday.
        (2029, D(2029, 6, 29)),  # 30 June 2029 is a Saturday: back one day.
    ],
)
def test_the_school_leaving_date_is_the_last_friday_in_june(year: int, leaving: dt.date) -> None:
    assert school_leaving_date(year) == leaving
    assert leaving.weekday() == 4


@pytest.mark.parametrize(
    ("born", "ends"),
    [
        # Turns 16 on 15 March 2026, before that year's leaving date (Friday 26
        # June 2026), which is the leaving date "next following" the birthday:
        # s8(3)(c). School year 2025/26.
        (D(2010, 3, 15), D(2026, 6, 26)),
        # Turns 16 on the leaving date itself, Friday 26 June 2026: s8(3)(b).
        (D(2010, 6, 26), D(2026, 6, 26)),
        # Turns 16 on Saturday 27 June 2026, after that day's leaving date and
        # before the next school year: s8(3)(a), so it ends on 26 June 2026,
        # the day before the birthday.
        (D(2010, 6, 27), D(2026, 6, 26)),
        # Turns 16 on 31 August 2026, the last day of school year 2025/26:
        # still after 26 June and before the next school year, s8(3)(a).
        (D(2010, 8, 31), D(2026, 6, 26)),
        # Turns 16 on 1 September 2026, the first day of school year 2026/27:
        # not "before the beginning of the school year next following", so
        # (a) does not apply; (c) gives the next leaving date after the
        # birthday, the last Friday of June 2027, 25 June 2027. (On the school
        # year's first day see docs/rules.md#compulsory-school-age.)
        (D(2010, 9, 1), D(2027, 6, 25)),
        # Born 29 February 2012: 29 February 2028 exists, a 16th birthday before
        # that year's leaving date, Friday 30 June 2028: s8(3)(c).
        (D(2012, 2, 29), D(2028, 6, 30)),
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_school_year_of_16(
    born: dt.date, ends: dt.date
) -> None:
    assert compulsory_school_age(born).ends == ends


def test_both_the_first_and_the_last_day_are_included() -> None:
    # s8(2) "at the beginning of the prescribed day"; s8(3) "at the end of the
    # day which is the school leaving date".
    born = D(2020, 9, 1)  # from 31 December 2025
    assert not is_of_compulsory_school_age(born, D(2025, 12, 30))
    assert is_of_compulsory_school_age(born, D(2025, 12, 31))
    born = D(2010, 3, 15)  # until 26 June 2026
    assert is_of_compulsory_school_age(born, D(2026, 6, 26))
    assert not is_of_compulsory_school_age(born, D(2026, 6, 27))
