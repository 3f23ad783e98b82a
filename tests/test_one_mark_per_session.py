"""One session of one child is one session (rule A2): a session two schools
both mark counts once, and marks dated outside the pupil's enrolment at that
school are not counted; both are reported on the pupil's page and in the
import report."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from attendance import figures as fig
from attendance import selectors
from attendance.loading import pupil_data
from attendance.reports import figures_for_pupil
from attendance.services.calendars import school_days_refresh
from attendance.services.imports import marks_csv_import
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index

from .conftest import signed_in_client
from .factories import EnrolmentFactory, PupilFactory, SchoolFactory, UserFactory
from .factories_attendance import marks_csv

pytestmark = pytest.mark.django_db

YEAR = 2025
MONDAY, TUESDAY = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
AS_AT = dt.date(2026, 3, 6)


def register(pupil, school, marks: dict[tuple[dt.date, str], str]) -> IncomingRegister:
    chars = list(empty_marks(YEAR))
    for (day, session), char in marks.items():
        chars[mark_index(day, session)] = char
    return IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars))


TRUANT_MONDAY_TUESDAY = {
    (MONDAY, "AM"): "O",
    (MONDAY, "PM"): "N",
    (TUESDAY, "AM"): "O",
    (TUESDAY, "PM"): "N",
}


@pytest.fixture
def moved():
    """A pupil on roll at Oakfield since September 2024 whose move to Brookfield
    started on Monday 2 March 2026, while Oakfield has not yet recorded the
    leaving date: both enrolments cover 2 and 3 March, and both schools' files
    mark them O (AM) and N (PM)."""
    oakfield = SchoolFactory(name="Oakfield Primary")
    brookfield = SchoolFactory(name="Brookfield Primary", local_authority=oakfield.local_authority)
    pupil = PupilFactory(school=oakfield)
    EnrolmentFactory(pupil=pupil, school=brookfield, start=MONDAY)
    registers_merge(
        incoming=[
            register(pupil, oakfield, TRUANT_MONDAY_TUESDAY),
            register(pupil, brookfield, TRUANT_MONDAY_TUESDAY),
        ]
    )
    school_days_refresh(pairs={(oakfield.pk, YEAR), (brookfield.pk, YEAR)})
    return pupil, oakfield, brookfield


def test_a_session_marked_by_two_schools_counts_once(moved):
    """Two schools both marking O and N on Monday 2 and Tuesday 3 March 2026:
    4 unauthorised sessions, not 8. Brookfield's marks count, because its
    enrolment started latest (2 March 2026, against September 2024): the school
    the pupil moved to holds the current roll. Source: one mark per pupil per
    session (School Attendance (Pupil Registration) (England) Regulations 2024,
    reg. 10) and the DfE's absence statistics, which count a session once."""
    pupil, oakfield, brookfield = moved
    data = pupil_data(pupil.pk, AS_AT)

    figures = fig.pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )

    assert figures.unauthorised_absence_sessions == 4
    assert figures.possible_sessions == 4
    assert figures.unauthorised_last_10_school_weeks == 4
    assert figures.missing_marks == 0  # Oakfield's marks are not "missing": they count elsewhere
    (problem,) = data.problems
    assert (problem.kind, problem.school_id, problem.counted_school_id) == (
        fig.MARKED_TWICE,
        oakfield.pk,
        brookfield.pk,
    )
    assert (problem.first, problem.last, problem.sessions) == (MONDAY, TUESDAY, 4)


def test_the_figures_are_the_same_through_the_api_the_command_and_the_page(moved):
    pupil, _oakfield, brookfield = moved
    lead = UserFactory(school=brookfield)
    by_selector = selectors.figures_for_upn(user=lead, upn=pupil.upn, as_at=AS_AT)

    by_command = figures_for_pupil(pupil_id=pupil.pk, upn=pupil.upn, as_at=AS_AT)
    response = signed_in_client(lead).get(
        reverse("pupil-attendance", args=[pupil.upn]), {"on": AS_AT.isoformat()}
    )

    assert by_selector == by_command
    assert response.json()["unauthorised_absence_sessions"] == 4


def test_an_attended_mark_counts_over_an_absence_when_both_started_together():
    """Dual registration from the same day (both enrolments start 1 September
    2025): the main school marks O, the other school marks present. The pupil
    was in school: the attended mark counts, 2 possible, 2 attended."""
    main, other = SchoolFactory(), SchoolFactory()
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=main, start=dt.date(2025, 9, 1))
    EnrolmentFactory(pupil=pupil, school=other, start=dt.date(2025, 9, 1))
    registers_merge(
        incoming=[
            register(pupil, main, {(MONDAY, "AM"): "O", (MONDAY, "PM"): "O"}),
            register(pupil, other, {(MONDAY, "AM"): "/", (MONDAY, "PM"): "\\"}),
        ]
    )
    data = pupil_data(pupil.pk, AS_AT)
    figures = fig.pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )
    assert (figures.possible_sessions, figures.attended_sessions) == (2, 2)
    assert data.problems[0].counted_school_id == other.pk


def test_marks_before_the_enrolment_starts_are_not_counted_and_are_reported(moved):
    """Brookfield also sent an N for both sessions of Friday 27 February 2026,
    before the enrolment starting 2 March: not counted (still 4 unauthorised,
    not 6), and reported on the pupil's page."""
    pupil, _oakfield, brookfield = moved
    friday = dt.date(2026, 2, 27)
    registers_merge(
        incoming=[register(pupil, brookfield, {(friday, "AM"): "N", (friday, "PM"): "N"})]
    )
    data = pupil_data(pupil.pk, AS_AT)
    figures = fig.pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )

    assert figures.unauthorised_absence_sessions == 4
    outside = [p for p in data.problems if p.kind == fig.OUTSIDE_ENROLMENT]
    assert [(p.school_id, p.first, p.last, p.sessions) for p in outside] == [
        (brookfield.pk, friday, friday, 2)
    ]

    lead = UserFactory(school=brookfield)

    with time_machine.travel(dt.datetime(2026, 3, 6, 16, tzinfo=dt.UTC), tick=False):
        page = signed_in_client(lead).get(reverse("attendance:pupil_attendance", args=[pupil.pk]))
    text = " ".join(page.content.decode().replace("&#x27;", "'").split())
    assert "Problems in the registers" in text
    assert (
        "2 sessions marked by Brookfield Primary on 27 February 2026 fall outside the "
        "pupil's enrolment there and are not counted"
    ) in text
    assert (
        "4 sessions from 2 March 2026 to 3 March 2026 were marked by both Oakfield Primary "
        "and Brookfield Primary: each counts once, with Brookfield Primary's mark"
    ) in text


def test_a_schools_own_figures_keep_its_marks_inside_its_enrolment(moved):
    """Each school's dashboard counts its own enrolment (the DfE counts per
    enrolment): Oakfield still shows its 4 sessions; the pupil's threshold
    count, from every school, is 4, not 8."""
    pupil, oakfield, _brookfield = moved
    data = pupil_data(pupil.pk, AS_AT)
    at_oakfield = fig.school_figures(
        upn=pupil.upn,
        school_id=oakfield.pk,
        registers=data.stored,
        spans=data.spans,
        context=data.context,
    )
    assert at_oakfield.unauthorised_absence_sessions == 4
    assert at_oakfield.unauthorised_last_10_school_weeks == 4


def test_the_import_report_names_sessions_already_marked_by_another_school():
    """Brookfield's marks CSV for 2 and 3 March, where Oakfield's register
    already marks them: imported, and the report says they count once."""
    oakfield = SchoolFactory(name="Oakfield Primary")
    brookfield = SchoolFactory(name="Brookfield Primary", local_authority=oakfield.local_authority)
    pupil = PupilFactory(school=oakfield)
    EnrolmentFactory(pupil=pupil, school=brookfield, start=MONDAY)
    registers_merge(incoming=[register(pupil, oakfield, TRUANT_MONDAY_TUESDAY)])

    report = marks_csv_import(
        source=marks_csv(
            f"{pupil.upn},2026-03-02,AM,O",
            f"{pupil.upn},2026-03-02,PM,N",
            f"{pupil.upn},2026-03-03,AM,O",
            f"{pupil.upn},2026-03-03,PM,N",
        ),
        school=brookfield,
        batch=None,
        acting_user=None,
    )

    assert report.succeeded, report.errors
    assert report.warnings == [
        f"UPN {pupil.upn}: 4 sessions from 2 March 2026 to 3 March 2026 were marked by both "
        "Oakfield Primary and Brookfield Primary: each counts once, with Brookfield Primary's "
        "mark (the enrolment that started latest; on the same start, the attended mark). "
        "Check both registers."
    ]
