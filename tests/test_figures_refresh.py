"""The nightly refresh stores, per school, the same numbers the live figures give."""

import datetime as dt

import pytest
from django.core.management import call_command

from attendance.figures import pupil_figures
from attendance.loading import context_for, registers_by_pupil, spans_by_pupil
from attendance.models import PupilFigures, RegisterYear
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.services.snapshots import figures_refresh
from attendance.years import empty_marks, mark_index

from .factories import EnrolmentFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


def register(pupil, school, sessions):
    chars = list(empty_marks(YEAR))
    for (day, session), char in sessions.items():
        chars[mark_index(dt.date.fromisoformat(day), session)] = char
    return IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars))


def week_of(monday, am, pm):
    start = dt.date.fromisoformat(monday)
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range(5)]
    return {**{(day, "AM"): am for day in days}, **{(day, "PM"): pm for day in days}}


def test_refresh_stores_each_schools_own_figures_and_the_pupils_threshold():
    first, second = SchoolFactory(), SchoolFactory()
    mover, stayer = PupilFactory(), PupilFactory(school=second)
    EnrolmentFactory(pupil=mover, school=first, start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 12))
    EnrolmentFactory(pupil=mover, school=second, start=dt.date(2025, 9, 15))
    registers_merge(
        incoming=[
            register(
                mover,
                first,
                {**week_of("2025-09-01", "O", "O"), **week_of("2025-09-08", "/", "\\")},
            ),
            register(mover, second, week_of("2025-09-15", "/", "N")),
            register(
                stayer,
                second,
                {**week_of("2025-09-08", "/", "\\"), **week_of("2025-09-15", "/", "\\")},
            ),
        ]
    )
    school_days_refresh(pairs={(first.pk, YEAR), (second.pk, YEAR)})

    result = figures_refresh(as_at=dt.date(2025, 9, 19))

    assert result.rows == 3
    rows = {(r.pupil_id, r.school_id): r for r in PupilFigures.unscoped.all()}
    at_first, at_second = rows[(mover.pk, first.pk)], rows[(mover.pk, second.pk)]
    assert (at_first.possible_sessions, at_first.unauthorised_absence_sessions) == (20, 10)
    assert (at_second.possible_sessions, at_second.unauthorised_absence_sessions) == (10, 5)
    assert at_first.on_roll is False
    assert at_second.on_roll is True
    # 15 unauthorised sessions across both schools: the threshold is the pupil's.
    assert at_second.unauthorised_last_10_school_weeks == 15
    assert at_second.national_threshold_met
    assert rows[(stayer.pk, second.pk)].attendance_rate == 100

    spans = spans_by_pupil([mover.pk])
    live = pupil_figures(
        upn=mover.upn,
        registers=registers_by_pupil([mover.pk], years={YEAR}, up_to=dt.date(2025, 9, 19))[
            mover.pk
        ],
        spans=spans[mover.pk],
        context=context_for(dt.date(2025, 9, 19), spans[mover.pk]),
    )
    assert live.unauthorised_absence_sessions == 15
    assert live.possible_sessions == at_first.possible_sessions + at_second.possible_sessions


def test_refresh_is_idempotent_and_limited_to_the_schools_asked_for():
    school, elsewhere = SchoolFactory(), SchoolFactory()
    pupil, other = PupilFactory(school=school), PupilFactory(school=elsewhere)
    registers_merge(
        incoming=[
            register(pupil, school, week_of("2025-09-08", "/", "I")),
            register(other, elsewhere, week_of("2025-09-08", "/", "\\")),
        ]
    )
    figures_refresh(as_at=dt.date(2025, 9, 12))
    before = list(
        PupilFigures.unscoped.order_by("pk").values(
            "pupil_id", "school_id", "authorised_absence_sessions"
        )
    )

    figures_refresh(as_at=dt.date(2025, 9, 12), school_ids=[school.pk])
    figures_refresh(as_at=dt.date(2025, 9, 12), school_ids=[school.pk])

    after = list(
        PupilFigures.unscoped.order_by("pk").values(
            "pupil_id", "school_id", "authorised_absence_sessions"
        )
    )
    assert sorted(map(str, before)) == sorted(map(str, after))
    assert PupilFigures.unscoped.get(pupil=pupil).authorised_absence_sessions == 5


def test_refresh_command_reports_what_it_did(capsys):
    school = SchoolFactory()
    pupil = PupilFactory(school=school)
    registers_merge(incoming=[register(pupil, school, week_of("2025-09-08", "/", "\\"))])

    call_command("refresh_figures", "--on", "2025-09-12", "--school", school.urn)
    assert "Refreshed 1 pupil figures at 1 schools as at 2025-09-12" in capsys.readouterr().out

    call_command("refresh_figures", "--on", "2025-09-12", "--dry-run")
    assert "Would refresh" in capsys.readouterr().out
    assert RegisterYear.unscoped.count() == 1


def test_school_days_follow_new_marks_only_where_there_is_no_calendar():
    from attendance.models import SchoolTerm, SchoolYearDays
    from attendance.services.calendars import school_days_refresh

    derived, with_calendar = SchoolFactory(), SchoolFactory()
    SchoolTerm.unscoped.create(
        school=with_calendar, name="Autumn", start=dt.date(2025, 9, 3), end=dt.date(2025, 12, 19)
    )
    pairs = {(derived.pk, YEAR), (with_calendar.pk, YEAR)}
    school_days_refresh(pairs=pairs)
    for school in (derived, with_calendar):
        pupil = PupilFactory(school=school)
        registers_merge(incoming=[register(pupil, school, {("2025-09-06", "AM"): "/"})])
    school_days_refresh(pairs=pairs, after_marks_change=True)

    saturday = (dt.date(2025, 9, 6) - dt.date(2025, 9, 1)).days
    days = dict(SchoolYearDays.unscoped.values_list("school_id", "days"))
    assert days[derived.pk][saturday] == "1"  # a Saturday with marks: a school day
    assert days[with_calendar.pk][saturday] == "0"  # the calendar decides


def test_an_import_refreshes_its_schools_figures_as_at_yesterday(
    django_capture_on_commit_callbacks,
):
    import time_machine

    from attendance.services.snapshots import figures_refresh_after_commit

    school = SchoolFactory()
    pupil = PupilFactory(school=school)
    registers_merge(incoming=[register(pupil, school, week_of("2025-09-08", "/", "O"))])

    with (
        time_machine.travel(dt.datetime(2025, 9, 13, 9, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        figures_refresh_after_commit(school_ids={school.pk})

    row = PupilFigures.unscoped.get(pupil=pupil)
    assert row.as_at == dt.date(2025, 9, 12)
    assert (row.possible_sessions, row.unauthorised_absence_sessions) == (10, 5)


def test_the_thirtieth_school_day_after_a_date_skips_half_term_and_closures():
    from attendance.models import SchoolClosure, SchoolTerm
    from attendance.services.calendars import school_days_after, school_days_refresh

    school = SchoolFactory()
    SchoolTerm.unscoped.create(
        school=school, name="Autumn 1", start=dt.date(2025, 9, 3), end=dt.date(2025, 10, 24)
    )
    SchoolTerm.unscoped.create(
        school=school, name="Autumn 2", start=dt.date(2025, 11, 3), end=dt.date(2025, 12, 19)
    )
    SchoolClosure.unscoped.create(school=school, date=dt.date(2025, 11, 3), kind="inset")
    school_days_refresh(pairs={(school.pk, YEAR)})

    # Issued Monday 13 October: 9 school days from the 14th to 24 October, half
    # term, an INSET day on 3 November, then 21 more: the 30th is Tuesday 2 December.
    assert school_days_after(school_id=school.pk, day=dt.date(2025, 10, 13), count=30) == (
        dt.date(2025, 12, 2)
    )
    assert school_days_after(school_id=school.pk, day=dt.date(2025, 10, 13), count=1) == (
        dt.date(2025, 10, 14)
    )
