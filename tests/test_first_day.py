"""The first-day response: pupils absent today with no reason established and no
contact yet, for the school to call before the day is out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role, School
from attendance.models import RegisterYear
from attendance.years import academic_year_of, empty_marks, mark_index
from cases.models import Contact
from cases.selectors_first_day import first_day_response
from core.dates import today
from pupils.models import Enrolment, Pupil

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    CarerFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2025, 10, 1)  # a Wednesday
YESTERDAY = TODAY - dt.timedelta(days=1)
URL = reverse("cases:first_day")


@pytest.fixture(autouse=True)
def wednesday_morning(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser's session cookie follows the real clock
        return
    with time_machine.travel(dt.datetime(2025, 10, 1, 10, 30, tzinfo=LONDON), tick=False):
        yield


def marked(pupil: Pupil, school: School, marks: dict[tuple[dt.date, str], str]) -> RegisterYear:
    """The pupil's year of marks at the school: `marks` set, "-" everywhere else."""
    chars = list(empty_marks(academic_year_of(TODAY)))
    for (day, session), char in marks.items():
        chars[mark_index(day, session)] = char  # type: ignore[arg-type]
    return RegisterYear.unscoped.create(
        pupil=pupil, school=school, academic_year=academic_year_of(TODAY), marks="".join(chars)
    )


def absent_today(school: School, name: str = "Amara Okafor", **marks: str) -> Pupil:
    """A pupil marked N this morning (or as `am`/`pm` say)."""
    forename, surname = name.split()
    pupil = PupilFactory(school=school, legal_forename=forename, legal_surname=surname)
    marked(
        pupil, school, {(TODAY, "AM"): marks.get("am", "N"), (TODAY, "PM"): marks.get("pm", "-")}
    )
    return pupil


def test_a_pupil_marked_n_today_with_no_contact_is_listed_with_whom_to_call(lead, school):
    pupil = absent_today(school)
    mother = CarerFactory(
        forename="Grace",
        surname="Okafor",
        mobile="07700 900123",
        preferred_language="Polish",
        interpreter_needed=True,
        preferred_contact_method="text",
    )
    PupilCarerFactory(pupil=pupil, carer=mother, contact_priority=2)
    # Listed after the mother although first by priority: he does not live with
    # the pupil and the DSL has not decided to include him.
    PupilCarerFactory(
        pupil=pupil,
        carer__forename="Tomasz",
        carer__surname="Nowak",
        relationship="father",
        lives_with_pupil=False,
        contact_priority=1,
    )

    page = signed_in_client(lead).get(URL).text

    assert "Amara Okafor" in page
    assert "1 pupil to follow up today" in page
    assert "AM: <strong>N</strong>" in page
    assert "PM: <strong>No mark yet</strong>" in page
    assert page.index("Grace Okafor") < page.index("Tomasz Nowak")
    assert 'href="tel:07700900123"' in page
    assert "Prefers: text message; speaks Polish" in page
    assert "Interpreter needed" in page
    assert "No open case" in page
    log = reverse("cases:pupil_contact_new", args=[pupil.pk])
    assert f"{log}?absence_date=2025-10-01&amp;from=first_day" in page


def test_a_pupil_marked_n_this_afternoon_only_is_listed(lead, school):
    absent_today(school, am="/", pm="N")
    assert "Amara Okafor" in signed_in_client(lead).get(URL).text


def test_a_pupil_drops_off_once_a_contact_about_today_is_logged(lead, school):
    pupil = absent_today(school)
    link = PupilCarerFactory(pupil=pupil)
    client = signed_in_client(lead)
    form = client.get(
        reverse("cases:pupil_contact_new", args=[pupil.pk]),
        {"absence_date": "2025-10-01", "from": "first_day"},
    )
    assert 'name="absence_date_0" value="1"' in form.text

    response = client.post(
        reverse("cases:pupil_contact_new", args=[pupil.pk]),
        {
            "came_from": "first_day",
            "occurred_on_0": "1",
            "occurred_on_1": "10",
            "occurred_on_2": "2025",
            "occurred_time": "10:15",
            "method": "phone",
            "with_whom": str(link.pk),
            "reached": "no",
            "absence_date_0": "1",
            "absence_date_1": "10",
            "absence_date_2": "2025",
            "follow_up_needed": "yes",
            "follow_up": "Try the emergency contact at lunchtime.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == URL
    assert "Phone call with" in response.text
    assert "Amara Okafor" not in response.text
    assert "No pupils to follow up" in response.text


def test_a_contact_made_today_about_another_day_also_counts(lead, school):
    pupil = absent_today(school)
    Contact.unscoped.create(
        pupil=pupil,
        school=school,
        made_by=lead,
        method="phone",
        reached=True,
        other_person="Aunt",
        occurred_at=dt.datetime(2025, 10, 1, 0, 30, tzinfo=LONDON),  # 23:30 UTC the day before
        absence_date=YESTERDAY,
    )
    assert "Amara Okafor" not in signed_in_client(lead).get(URL).text


def test_a_contact_yesterday_does_not_count_for_today(lead, school):
    pupil = absent_today(school)
    Contact.unscoped.create(
        pupil=pupil,
        school=school,
        made_by=lead,
        method="phone",
        reached=True,
        other_person="Aunt",
        occurred_at=dt.datetime(2025, 9, 30, 23, 30, tzinfo=LONDON),
        absence_date=YESTERDAY,
    )
    assert "Amara Okafor" in signed_in_client(lead).get(URL).text


def test_a_pupil_marked_n_yesterday_only_is_not_listed(lead, school):
    pupil = PupilFactory(school=school, legal_forename="Yusuf", legal_surname="Ali")
    marked(pupil, school, {(YESTERDAY, "AM"): "N", (YESTERDAY, "PM"): "N", (TODAY, "AM"): "/"})
    assert "Yusuf Ali" not in signed_in_client(lead).get(URL).text


def test_pupils_of_another_school_are_never_listed(lead, school):
    other = SchoolFactory(local_authority=school.local_authority)
    absent_today(other, "Tobi Okafor")
    # Nor marks another school holds for one of ours (a pupil who moved).
    ours = absent_today(school, "Amara Okafor", am="/")
    marked(ours, other, {(TODAY, "AM"): "N"})
    page = signed_in_client(lead).get(URL).text
    assert "Tobi Okafor" not in page
    assert "Amara Okafor" not in page


def test_a_pupil_who_has_left_is_not_listed(lead, school):
    pupil = absent_today(school)
    Enrolment.unscoped.filter(pupil=pupil).update(end=YESTERDAY)
    assert "Amara Okafor" not in signed_in_client(lead).get(URL).text


def test_pupils_with_no_morning_mark_are_shown_only_when_asked(lead, school):
    absent_today(school, "Noah Brown", am="-")
    client = signed_in_client(lead)
    only_n = client.get(URL).text
    assert "Noah Brown" not in only_n
    assert "Also show pupils with no morning mark yet" in only_n
    with_unmarked = client.get(URL, {"include_unmarked": "1"}).text
    assert "Noah Brown" in with_unmarked
    assert "and pupils with no morning mark yet" in with_unmarked


def test_the_open_case_is_linked(lead, school):
    case = AttendanceCaseFactory(school=school, lead_professional=lead)
    marked(case.pupil, school, {(TODAY, "AM"): "N"})
    page = signed_in_client(lead).get(URL).text
    assert reverse("cases:case_detail", args=[case.pk]) in page


def test_read_only_staff_see_the_list_but_cannot_log_contacts(school):
    absent_today(school)
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=school)
    page = signed_in_client(staff).get(URL)
    assert page.status_code == 200
    assert "Amara Okafor" in page.text
    assert "Log a contact" not in page.text


@pytest.mark.parametrize("kind", ["la_officer", "admin"])
def test_la_staff_and_admins_are_told_it_is_for_schools(school, kind):
    absent_today(school)
    user = (
        UserFactory(la_user=True, local_authority=school.local_authority)
        if kind == "la_officer"
        else UserFactory(admin=True)
    )
    response = signed_in_client(user).get(URL)
    assert response.status_code == 403
    assert "The first-day response list is for school staff" in response.text
    assert "Amara Okafor" not in response.text


@pytest.mark.parametrize("absent", [1, 30])
def test_the_query_count_does_not_grow_with_the_number_of_absent_pupils(
    lead, school, absent, django_assert_num_queries, django_assert_max_num_queries
):
    for n in range(absent):
        pupil = absent_today(school, f"Pupil{n} Absent")
        PupilCarerFactory(pupil=pupil)
        PupilCarerFactory(pupil=pupil, relationship="father")
    listing_queries = 2  # the registers with today's marks, then every carer at once
    with django_assert_num_queries(listing_queries):
        listing = first_day_response(user=lead)
        assert len(listing.rows) == absent
        assert all(len(row.carers) == 2 for row in listing.rows)
        for row in listing.rows:
            for link in row.carers:
                assert link.carer.mobile
    client = signed_in_client(lead)
    client.get(URL)  # the session and permissions are cached after the first page
    with django_assert_max_num_queries(6):
        page = client.get(URL)
    assert page.text.count("Log a contact<span") == absent


browser = browser_helpers.browser
page = browser_helpers.page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_first_day_list_in_the_browser(live_server, page, axe_source):
    # Real time (the browser's session follows the real clock): marks for today.
    day = today()
    school = SchoolFactory(name="Riverside Primary")
    UserFactory(school=school, email="lead@riverside.example.org")
    for name, am in (("Amara Okafor", "N"), ("Noah Brown", "-"), ("Rosie Patel", "/")):
        forename, surname = name.split()
        pupil = PupilFactory(school=school, legal_forename=forename, legal_surname=surname)
        PupilCarerFactory(
            pupil=pupil,
            carer__forename="Grace",
            carer__surname=surname,
            carer__interpreter_needed=True,
        )
        marks = list(empty_marks(academic_year_of(day)))
        marks[mark_index(day, "AM")] = am
        RegisterYear.unscoped.create(
            pupil=pupil, school=school, academic_year=academic_year_of(day), marks="".join(marks)
        )
    sign_in(page, live_server.url, "lead@riverside.example.org")

    page.goto(live_server.url + URL)
    table = page.get_by_role("table", name="1 pupil to follow up today")
    assert table.get_by_role("rowheader", name="Amara Okafor").is_visible()
    screenshot(page, "first_day")
    assert axe_violations(page, axe_source) == []

    page.get_by_role("link", name="Also show pupils with no morning mark yet").click()
    assert page.get_by_role("table", name="2 pupils to follow up today").is_visible()
    assert axe_violations(page, axe_source) == []

    page.get_by_role("link", name="Log a contact about Amara Okafor").click()
    assert page.get_by_role("heading", name="Log a contact with the family").is_visible()
    assert page.locator('input[name="absence_date_0"]').input_value() == str(day.day)
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_role("radio", name="Grace Okafor (Mother)").check()
    page.get_by_role("group", name="Did you reach them?").get_by_label("Yes").check()
    page.get_by_label("Reason for absence, if you established one (optional)").fill("Ill today.")
    page.get_by_role("group", name="Is a follow-up needed?").get_by_label("No").check()
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_url(live_server.url + URL)
    assert page.get_by_text("Phone call with Grace Okafor logged.").is_visible()
    assert page.get_by_text("No pupils to follow up").is_visible()
