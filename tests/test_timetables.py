"""Part-time timetables: time-limited, reviewed, the LA told; the school's
register and the case page flag what needs doing on the right days; C2 sessions
count as authorised absence; and who may change a timetable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from attendance.reports import attendance_between, figures_for_pupil
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import AttendanceCase, PartTimeTimetable
from cases.services.casework import CaseClosed, StaleEdit
from cases.services.timetables import timetable_create, timetable_end, timetable_review
from core.models import AuditEvent

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DAY_0 = dt.date(2025, 10, 1)
START = dt.date(2025, 10, 6)
REVIEW_DUE = dt.date(2025, 10, 20)
PLANNED_END = dt.date(2025, 10, 31)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=LONDON)


@pytest.fixture
def on() -> Iterator[Callable[[dt.date], None]]:
    """`on(day)` moves the frozen clock to 10am in London on `day`."""
    traveller = time_machine.travel(at(DAY_0), tick=False)
    traveller.start()

    def move(day: dt.date) -> None:
        nonlocal traveller
        traveller.stop()
        traveller = time_machine.travel(at(day), tick=False)
        traveller.start()

    yield move
    traveller.stop()


@pytest.fixture
def case(on: Callable[[dt.date], None]) -> AttendanceCase:
    return AttendanceCaseFactory(opened_at=at(DAY_0))


def agree(case: AttendanceCase, **fields: Any) -> PartTimeTimetable:
    values: dict[str, Any] = {
        "reason": "Phased return after a long absence with anxiety.",
        "agreed_hours": "Mornings only, 8:45am to 12:15pm",
        "start": START,
        "planned_end": PLANNED_END,
        "next_review_due": REVIEW_DUE,
        "parent_agreed_on": DAY_0,
        "la_notified_on": DAY_0,
        **fields,
    }
    return timetable_create(acting_user=case.lead_professional, case_id=case.pk, **values)


def date_fields(name: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def section(html: str) -> str:
    start = html.index('<section id="timetables"')
    return html[start : html.index("</section>", start)]


def pages(case: AttendanceCase) -> tuple[str, str]:
    """The register and the case page's timetables section, as the lead sees them now."""
    client = signed_in_client(case.lead_professional)
    register = client.get(reverse("cases:timetables")).text
    case_page = section(client.get(reverse("cases:case_detail", args=[case.pk])).text)
    return register, case_page


# --- Agreeing a timetable -----------------------------------------------------------


def test_a_timetable_is_agreed_from_the_case_for_its_pupil_and_school(case):
    client = signed_in_client(case.lead_professional)
    form = client.get(reverse("cases:timetable_new", args=[case.pk])).text
    assert "must be time-limited" in form
    response = client.post(
        reverse("cases:timetable_new", args=[case.pk]),
        {
            "reason": "Phased return; his school refusal is easing.",
            "agreed_hours": "Mornings only",
            **date_fields("start", START),
            **date_fields("planned_end", PLANNED_END),
            **date_fields("next_review_due", REVIEW_DUE),
            **date_fields("parent_agreed_on", DAY_0),
            **date_fields("la_notified_on", None),
        },
        follow=True,
    )
    saved = PartTimeTimetable.unscoped.get()
    assert (saved.pupil, saved.school, saved.case) == (case.pupil, case.school, case)
    assert saved.created_by == case.lead_professional
    assert saved.la_notified_on is None
    assert "describe the specific barrier instead" in response.text
    shown = section(response.text)
    assert "Mornings only" in shown
    assert (
        "Sessions the pupil is not expected to attend are marked C2 "
        "(authorised: leave, part-time timetable)" in shown
    )
    assert "LA not notified" in shown
    assert AuditEvent.objects.filter(
        target_type="cases.PartTimeTimetable", action="create"
    ).exists()


@pytest.mark.parametrize("planned_end", [None, START, START - dt.timedelta(days=1)])
def test_a_timetable_without_an_end_after_its_start_is_refused(case, planned_end):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:timetable_new", args=[case.pk]),
        {
            "reason": "Phased return",
            "agreed_hours": "Mornings only",
            **date_fields("start", START),
            **date_fields("planned_end", planned_end),
            **date_fields("next_review_due", START),
        },
    )
    assert "There is a problem" in response.text
    assert "a part-time timetable must be time-limited" in response.text
    with pytest.raises(ValidationError, match="must be time-limited"):
        agree(case, planned_end=planned_end, next_review_due=START)
    assert not PartTimeTimetable.unscoped.exists()


def test_a_review_must_fall_within_the_timetable_and_one_runs_at_a_time(case):
    with pytest.raises(ValidationError, match="on or before the planned end"):
        agree(case, next_review_due=PLANNED_END + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="today or earlier"):
        agree(case, la_notified_on=DAY_0 + dt.timedelta(days=1))
    agree(case)
    with pytest.raises(ValidationError, match="already has a part-time timetable from 6 October"):
        agree(case)


# --- The flags, on the right days ---------------------------------------------------


def test_review_overdue_the_day_after_it_was_due_on_both_pages(case, on):
    agree(case)
    on(REVIEW_DUE)
    register, case_page = pages(case)
    assert "Review overdue" not in register
    assert "Review overdue" not in case_page
    on(REVIEW_DUE + dt.timedelta(days=1))
    register, case_page = pages(case)
    assert "Review overdue" in register
    assert "Reviews overdue: <strong>1</strong>" in register
    assert "Review overdue" in case_page
    assert "Past its planned end" not in register + case_page


def test_past_its_planned_end_the_day_after_on_both_pages(case, on):
    timetable = agree(case)
    on(dt.date(2025, 10, 20))
    timetable_review(
        acting_user=case.lead_professional,
        timetable_id=timetable.pk,
        version=1,
        reviewed_on=dt.date(2025, 10, 20),
        next_review_due=PLANNED_END,
        planned_end=PLANNED_END,
        parent_agreed_on=DAY_0,
        la_notified_on=DAY_0,
    )
    on(PLANNED_END)
    register, case_page = pages(case)
    assert "Past its planned end" not in register + case_page
    on(PLANNED_END + dt.timedelta(days=1))
    register, case_page = pages(case)
    assert "Past its planned end" in register
    assert "Past its planned end" in case_page

    # Ending it clears every flag: an ended timetable needs nothing more.
    timetable_end(
        acting_user=case.lead_professional,
        timetable_id=timetable.pk,
        version=2,
        ended_on=PLANNED_END,
    )
    register, case_page = pages(case)
    for flag in ("Past its planned end", "Review overdue", "LA not notified"):
        assert flag not in register[register.index("<table") :]
        assert flag not in case_page
    assert "Ended" in register


def test_la_not_notified_until_a_review_records_it(case):
    timetable = agree(case, la_notified_on=None)
    register, case_page = pages(case)
    assert "LA not notified: <strong>1</strong>" in register
    assert 'govuk-tag--orange">LA not notified' in register
    assert "LA not notified" in case_page
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:timetable_review", args=[timetable.pk]),
        {
            "version": "1",
            **date_fields("reviewed_on", DAY_0),
            **date_fields("next_review_due", REVIEW_DUE),
            **date_fields("planned_end", PLANNED_END),
            **date_fields("parent_agreed_on", DAY_0),
            **date_fields("la_notified_on", DAY_0),
        },
    )
    # A review before the start is refused: the timetable starts on 6 October.
    assert "on or after the start, 6 October 2025" in response.text
    with time_machine.travel(at(START), tick=False):
        client = signed_in_client(case.lead_professional)
        response = client.post(
            reverse("cases:timetable_review", args=[timetable.pk]),
            {
                "version": "1",
                **date_fields("reviewed_on", START),
                **date_fields("next_review_due", dt.date(2025, 10, 27)),
                **date_fields("planned_end", PLANNED_END),
                **date_fields("parent_agreed_on", DAY_0),
                **date_fields("la_notified_on", START),
            },
            follow=True,
        )
        assert "LA not notified" not in section(response.text)
        register, _ = pages(case)
        assert 'govuk-tag--orange">LA not notified' not in register
    saved = PartTimeTimetable.unscoped.get(pk=timetable.pk)
    assert (saved.next_review_due, saved.la_notified_on, saved.version) == (
        dt.date(2025, 10, 27),
        START,
        2,
    )
    review_event = AuditEvent.objects.get(target_type="cases.PartTimeTimetable", action="update")
    assert review_event.changes["reviewed_on"] == "2025-10-06"


# --- C2 ----------------------------------------------------------------------------


def test_c2_sessions_count_as_authorised_absence(case):
    """Mornings in school, afternoons C2 (">" in a mark string) for a week."""
    pupil, school = case.pupil, case.school
    chars = list(empty_marks(2025))
    for i in range(5):
        day = START + dt.timedelta(days=i)
        chars[mark_index(day, "AM")] = "/"
        chars[mark_index(day, "PM")] = ">"
    registers_merge(incoming=[IncomingRegister(pupil.pk, school.pk, 2025, "".join(chars))])
    school_days_refresh(pairs={(school.pk, 2025)})

    figures = figures_for_pupil(pupil_id=pupil.pk, upn=pupil.upn, as_at=dt.date(2025, 10, 10))
    assert figures.possible_sessions == 10
    assert figures.attended_sessions == 5
    assert figures.authorised_absence_sessions == 5
    assert figures.unauthorised_absence_sessions == 0
    assert figures.attendance_rate == 50
    counts = attendance_between(pupil_id=pupil.pk, first=START, last=dt.date(2025, 10, 10))
    assert (counts.attended, counts.authorised, counts.unauthorised) == (5, 5, 0)


# --- Who may change a timetable ----------------------------------------------------


def _services(timetable_id: int, case: AttendanceCase) -> dict[str, Callable[[User], Any]]:
    return {
        "create": lambda user: timetable_create(
            acting_user=user,
            case_id=case.pk,
            reason="Again",
            agreed_hours="Afternoons",
            start=dt.date(2025, 11, 3),
            planned_end=dt.date(2025, 11, 28),
            next_review_due=dt.date(2025, 11, 17),
        ),
        "review": lambda user: timetable_review(
            acting_user=user,
            timetable_id=timetable_id,
            version=1,
            reviewed_on=DAY_0,
            next_review_due=REVIEW_DUE,
            planned_end=PLANNED_END,
            parent_agreed_on=None,
            la_notified_on=None,
        ),
        "end": lambda user: timetable_end(
            acting_user=user, timetable_id=timetable_id, version=1, ended_on=DAY_0
        ),
    }


SERVICES = ["create", "review", "end"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_a_timetable_out_of_scope_as_missing(case, service):
    timetable = agree(case)
    for outsider in (
        UserFactory(school=SchoolFactory(local_authority=case.school.local_authority)),
        UserFactory(la_user=True, local_authority=SchoolFactory().local_authority),
    ):
        with pytest.raises(Http404):
            _services(timetable.pk, case)[service](outsider)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_read_only_staff(case, service):
    timetable = agree(case)
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    with pytest.raises(PermissionDenied):
        _services(timetable.pk, case)[service](staff)
    assert PartTimeTimetable.unscoped.get(pk=timetable.pk).version == 1


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_when_the_case_is_closed(case, service):
    timetable = agree(case)
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status="closed", stage="closed", closing_reason="improved", closed_at=at(DAY_0)
    )
    with pytest.raises(CaseClosed, match="closed on 1 October 2025, so it cannot be changed"):
        _services(timetable.pk, case)[service](case.lead_professional)
    assert PartTimeTimetable.unscoped.get(pk=timetable.pk).version == 1


@pytest.mark.parametrize("name", ["cases:timetable_review", "cases:timetable_end"])
def test_a_timetable_of_another_school_is_404_and_read_only_staff_get_403(case, name):
    timetable = agree(case)
    other = AttendanceCaseFactory(opened_at=at(DAY_0))
    assert (
        signed_in_client(other.lead_professional)
        .get(reverse(name, args=[timetable.pk]))
        .status_code
        == 404
    )
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    assert signed_in_client(staff).get(reverse(name, args=[timetable.pk])).status_code == 403
    assert (
        signed_in_client(case.lead_professional).get(reverse(name, args=[timetable.pk])).status_code
        == 200
    )
    assert (
        signed_in_client(other.lead_professional)
        .get(reverse("cases:timetable_new", args=[case.pk]))
        .status_code
        == 404
    )


def test_the_register_lists_only_the_schools_own_timetables(case):
    agree(case)
    other = AttendanceCaseFactory(opened_at=at(DAY_0))
    agree(other, reason="Elsewhere", agreed_hours="Afternoons at the other school")
    register = signed_in_client(case.lead_professional).get(reverse("cases:timetables")).text
    assert case.pupil.display_name in register
    assert "Afternoons at the other school" not in register
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    assert case.pupil.display_name in signed_in_client(staff).get(reverse("cases:timetables")).text


def test_a_stale_or_ended_timetable_is_refused_and_nothing_changes(case, on):
    timetable = agree(case)
    lead = case.lead_professional
    on(START)
    timetable_review(
        acting_user=lead,
        timetable_id=timetable.pk,
        version=1,
        reviewed_on=START,
        next_review_due=dt.date(2025, 10, 27),
        planned_end=PLANNED_END,
        parent_agreed_on=DAY_0,
        la_notified_on=DAY_0,
    )
    with pytest.raises(StaleEdit):
        timetable_end(acting_user=lead, timetable_id=timetable.pk, version=1, ended_on=START)
    assert PartTimeTimetable.unscoped.get(pk=timetable.pk).ended_on is None

    response = signed_in_client(lead).post(
        reverse("cases:timetable_end", args=[timetable.pk]),
        {"version": "1", **date_fields("ended_on", START)},
    )
    assert "Someone else changed this record after you opened it" in response.text
    assert PartTimeTimetable.unscoped.get(pk=timetable.pk).ended_on is None

    timetable_end(acting_user=lead, timetable_id=timetable.pk, version=2, ended_on=START)
    with pytest.raises(ValidationError, match="ended on 6 October 2025"):
        timetable_end(acting_user=lead, timetable_id=timetable.pk, version=3, ended_on=START)


# --- Query counts -----------------------------------------------------------------


def test_the_register_and_case_page_query_counts_do_not_grow_with_timetables(on):
    counts: dict[int, tuple[int, int]] = {}
    for size in (1, 10):
        case = AttendanceCaseFactory(opened_at=at(DAY_0))
        for n in range(size):
            timetable = agree(case, la_notified_on=None if n % 2 else DAY_0)
            if n < size - 1:
                # One runs at a time: the earlier ones have ended.
                PartTimeTimetable.unscoped.filter(pk=timetable.pk).update(ended_on=START)
        for _ in range(size):
            # And as many again at the school, agreed outside any case.
            PartTimeTimetable.unscoped.create(
                pupil=PupilFactory(school=case.school),
                school=case.school,
                reason="Medical",
                agreed_hours="Afternoons",
                start=START,
                planned_end=PLANNED_END,
                next_review_due=REVIEW_DUE,
                created_by=case.lead_professional,
            )
        client = signed_in_client(case.lead_professional)
        with CaptureQueriesContext(connection) as register:
            listed = client.get(reverse("cases:timetables")).text
        assert listed.count('<th scope="row"') == 2 * size
        with CaptureQueriesContext(connection) as case_page:
            page = client.get(reverse("cases:case_detail", args=[case.pk]))
        assert section(page.text).count('<h3 class="govuk-summary-card__title">') == size
        counts[size] = (len(register), len(case_page))
    assert counts[1] == counts[10], counts


# --- In a browser ---------------------------------------------------------------------

browser = browser_helpers.browser
page = browser_helpers.page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_register_and_the_timetable_forms_in_a_browser(live_server, page, axe_source):
    with time_machine.travel(at(DAY_0), tick=False):
        lead = UserFactory(email="lead@riverside.example.org", full_name="Priya Shah")
        case = AttendanceCaseFactory(
            school=lead.school, lead_professional=lead, opened_at=at(DAY_0)
        )
        timetable = agree(case, la_notified_on=None)
        for name in ("Amara Okafor", "Tobi Green"):
            forename, surname = name.split()
            PartTimeTimetable.unscoped.create(
                pupil=PupilFactory(
                    school=case.school, legal_forename=forename, legal_surname=surname
                ),
                school=case.school,
                reason="Medical: recovering from an operation",
                agreed_hours="Afternoons only",
                start=dt.date(2025, 9, 8),
                planned_end=dt.date(2025, 10, 17),
                next_review_due=dt.date(2025, 10, 3),
                la_notified_on=dt.date(2025, 9, 8),
                created_by=lead,
            )
    sign_in(page, live_server.url, lead.email)
    with time_machine.travel(at(dt.date(2025, 10, 21)), tick=True):
        page.goto(live_server.url + reverse("cases:timetables"))
        assert page.get_by_role("heading", name="Part-time timetables").is_visible()
        assert page.get_by_text("Past its planned end").first.is_visible()
        screenshot(page, "timetables_register")
        assert axe_violations(page, axe_source) == []

        page.goto(live_server.url + reverse("cases:case_detail", args=[case.pk]) + "#timetables")
        assert page.locator("#timetables").get_by_text("LA not notified").is_visible()
        assert axe_violations(page, axe_source) == []

        page.goto(live_server.url + reverse("cases:timetable_review", args=[timetable.pk]))
        assert axe_violations(page, axe_source) == []
        page.goto(live_server.url + reverse("cases:timetable_end", args=[timetable.pk]))
        assert axe_violations(page, axe_source) == []

        page.goto(live_server.url + reverse("cases:timetable_new", args=[other_case(lead)]))
        page.get_by_role("button", name="Save the timetable").click()
        assert page.get_by_role("heading", name="There is a problem").is_visible()
        screenshot(page, "timetable_new_errors")
        assert axe_violations(page, axe_source) == []


def other_case(lead: User) -> int:
    return AttendanceCaseFactory(school=lead.school, lead_professional=lead, opened_at=at(DAY_0)).pk
