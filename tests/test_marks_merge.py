"""The one write path for marks: later marks replace earlier ones, session by
session, and every replaced mark is kept in the history."""

import datetime as dt

import pytest

from attendance.models import MarkChange, RegisterYear
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index

from .factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


def incoming(pupil, school, sessions, originals=None):
    chars = list(empty_marks(YEAR))
    for (day, session), char in sessions.items():
        chars[mark_index(dt.date.fromisoformat(day), session)] = char
    return IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars), originals or {})


def stored(pupil, day, session):
    marks = RegisterYear.unscoped.get(pupil=pupil).marks
    return marks[mark_index(dt.date.fromisoformat(day), session)]


@pytest.fixture
def pupil_at_school():
    school = SchoolFactory()
    return PupilFactory(school=school), school


def test_a_newer_mark_replaces_the_older_one_and_the_change_is_kept(pupil_at_school):
    pupil, school = pupil_at_school
    registers_merge(incoming=[incoming(pupil, school, {("2025-09-08", "AM"): "N"})])

    result = registers_merge(
        incoming=[incoming(pupil, school, {("2025-09-08", "AM"): "I", ("2025-09-08", "PM"): "I"})]
    )

    assert (result.registers_created, result.registers_updated, result.marks_changed) == (0, 1, 1)
    assert stored(pupil, "2025-09-08", "AM") == "I"
    assert stored(pupil, "2025-09-08", "PM") == "I"
    change = MarkChange.unscoped.get()
    assert (change.date, change.session, change.old_code, change.new_code) == (
        dt.date(2025, 9, 8),
        "AM",
        "N",
        "I",
    )


def test_sessions_the_new_file_says_nothing_about_are_kept(pupil_at_school):
    pupil, school = pupil_at_school
    registers_merge(incoming=[incoming(pupil, school, {("2025-09-08", "AM"): "/"})])
    registers_merge(incoming=[incoming(pupil, school, {("2025-09-09", "AM"): "/"})])
    assert stored(pupil, "2025-09-08", "AM") == "/"
    assert stored(pupil, "2025-09-09", "AM") == "/"
    assert not MarkChange.unscoped.exists()


def test_merging_the_same_marks_twice_changes_nothing(pupil_at_school):
    pupil, school = pupil_at_school
    marks = {("2025-09-08", "AM"): "/", ("2025-09-08", "PM"): "C"}
    registers_merge(incoming=[incoming(pupil, school, marks, {"15": "H"})])
    before = RegisterYear.unscoped.values("marks", "originals").get()

    again = registers_merge(incoming=[incoming(pupil, school, marks, {"15": "H"})])

    assert (again.registers_updated, again.marks_changed) == (0, 0)
    assert RegisterYear.unscoped.values("marks", "originals").get() == before


def test_a_legacy_original_goes_when_its_mark_is_replaced(pupil_at_school):
    pupil, school = pupil_at_school
    position = mark_index(dt.date(2025, 9, 8), "PM")
    registers_merge(
        incoming=[incoming(pupil, school, {("2025-09-08", "PM"): "C"}, {str(position): "H"})]
    )
    registers_merge(incoming=[incoming(pupil, school, {("2025-09-08", "PM"): "I"})])

    register = RegisterYear.unscoped.get()
    assert register.originals == {}
    change = MarkChange.unscoped.get()
    assert (change.old_code, change.new_code) == ("H", "I")


def test_each_school_keeps_its_own_register(pupil_at_school):
    pupil, school = pupil_at_school
    other = SchoolFactory()
    registers_merge(
        incoming=[
            incoming(pupil, school, {("2025-09-08", "AM"): "/"}),
            incoming(pupil, other, {("2025-10-08", "AM"): "O"}),
        ]
    )
    assert RegisterYear.unscoped.filter(pupil=pupil).count() == 2
