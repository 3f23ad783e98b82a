"""The dashboard's weekly trend is stored by the figures refresh and read in one
query (issue "Fast at LA scale", item 2): the same weeks and counts as counting
every register, so the page no longer grows with the school."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from attendance import figures as fig
from attendance.models import RegisterYear, SchoolWeekFigures
from attendance.selectors import school_weekly_trend

from .conftest import signed_in_client
from .factories import PupilFactory
from .test_attendance_pages import AS_AT, YEAR, _present, early_week_n, fridays_pm, load, register

pytestmark = pytest.mark.django_db


def week_by_week_by_hand(marks: list[str]) -> dict[dt.date, tuple[int, int]]:
    """Each register counted on its own, week by week, and summed: the slow way."""
    start = dt.date(YEAR, 9, 1)
    weeks: dict[dt.date, tuple[int, int]] = {}
    for text in marks:
        for offset in range(0, (AS_AT - start).days + 1):
            day = start + dt.timedelta(days=offset)
            counts = fig.count_marks(text[2 * offset : 2 * offset + 2])
            monday = day - dt.timedelta(days=day.weekday())
            possible, attended = weeks.get(monday, (0, 0))
            weeks[monday] = (possible + counts.possible, attended + counts.attended)
    return {monday: counts for monday, counts in weeks.items() if counts[0]}


def test_the_refresh_stores_the_same_weeks_as_counting_each_register(lead, school):
    codes = [_present, fridays_pm, early_week_n]
    pupils = [PupilFactory(school=school) for _ in codes]
    load([register(p, school, code) for p, code in zip(pupils, codes, strict=True)], [school])

    stored = {
        row.week_start: (row.possible_sessions, row.attended_sessions)
        for row in SchoolWeekFigures.unscoped.filter(school=school, as_at=AS_AT)
    }
    marks = list(RegisterYear.unscoped.filter(school=school).values_list("marks", flat=True))
    assert stored == week_by_week_by_hand(marks)
    # 12 school weeks; in each, 3 pupils x 10 sessions, less 1 (Friday PM) and 6 (Mon-Wed).
    assert len(stored) == 12
    assert set(stored.values()) == {(30, 23)}


def test_the_dashboard_reads_the_stored_trend_in_one_query(lead, school, django_assert_num_queries):
    load([register(PupilFactory(school=school), school, fridays_pm)], [school])
    with django_assert_num_queries(2):  # the school, then its stored weeks
        trend = school_weekly_trend(user=lead, school_id=school.pk, as_at=AS_AT)
    assert len(trend) == 12
    assert {(w.possible, w.attended) for w in trend} == {(10, 9)}


def test_a_day_the_refresh_has_not_stored_is_counted_from_the_registers(lead, school):
    load([register(PupilFactory(school=school), school, fridays_pm)], [school])
    earlier = AS_AT - dt.timedelta(days=7)
    trend = school_weekly_trend(user=lead, school_id=school.pk, as_at=earlier)
    assert len(trend) == 11
    assert trend[-1].monday == dt.date(2024, 11, 11)


def test_the_page_shows_the_stored_trend(lead, school):
    load([register(PupilFactory(school=school), school, fridays_pm)], [school])
    response = signed_in_client(lead).get(reverse("attendance:school_dashboard", args=[school.pk]))
    assert "90.0%" in response.text
