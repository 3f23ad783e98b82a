"""Working days: weekdays less the England and Wales bank holidays."""

import datetime as dt

import pytest

from core.working_days import is_working_day, working_days_after, working_days_between


def test_bank_holidays_of_2026_are_not_working_days():
    # gov.uk/bank-holidays, England and Wales, 2026.
    for day in (
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 3),  # Good Friday
        dt.date(2026, 4, 6),  # Easter Monday
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 25),
        dt.date(2026, 8, 31),
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute day
    ):
        assert not is_working_day(day), day
    assert is_working_day(dt.date(2026, 3, 4))


def test_second_working_day_after_a_friday_posting_is_the_tuesday():
    # Interpretation Act 1978 s7 convention: first class, second working day.
    assert working_days_after(dt.date(2026, 3, 6), 2) == dt.date(2026, 3, 10)


def test_easter_is_skipped():
    # Thursday 2 April 2026: Good Friday and Easter Monday are not counted.
    assert working_days_after(dt.date(2026, 4, 2), 1) == dt.date(2026, 4, 7)


def test_working_days_between_counts_both_ends():
    days = working_days_between(dt.date(2026, 3, 30), dt.date(2026, 4, 7))
    assert days == [
        dt.date(2026, 3, 30),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 2),
        dt.date(2026, 4, 7),
    ]


def test_count_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        working_days_after(dt.date(2026, 3, 6), 0)
