"""Contacts with the family: logging calls and home visits on the case, the
fortnightly-contact flag they feed, and who may log them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases.models import AttendanceCase, Contact, WishesAndFeelings
from cases.services.casework import CaseClosed
from cases.services.contacts import contact_log
from core.models import AuditEvent
from pupils.models import Enrolment

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# The factory opens cases on Monday 15 September 2025, 10:00 in London: day 0.
DAY_0 = dt.date(2025, 9, 15)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def autumn_term(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser's session cookie follows the real clock
        return
    with time_machine.travel(at(dt.date(2025, 10, 1)), tick=False):
        yield


@pytest.fixture
def case():
    """An open case with a mother who gets the school's letters."""
    case = AttendanceCaseFactory()
    PupilCarerFactory(
        pupil=case.pupil, carer__forename="Grace", carer__surname="Okafor", relationship="mother"
    )
    return case


def form_data(case_or_pupil: Any, **answers: Any) -> dict[str, str]:
    """A filled-in contact form: a phone call to the first carer, reached."""
    pupil = getattr(case_or_pupil, "pupil", case_or_pupil)
    link = pupil.carer_links.first()
    when: dt.datetime = answers.pop("when", at(dt.date(2025, 10, 1), 9))
    data = {
        "came_from": "case",
        "occurred_on_0": str(when.day),
        "occurred_on_1": str(when.month),
        "occurred_on_2": str(when.year),
        "occurred_time": f"{when:%H:%M}",
        "method": "phone",
        "with_whom": str(link.pk) if link else "other",
        "reached": "yes",
        "follow_up_needed": "no",
        "reason_established": "Ill with a temperature; back tomorrow.",
        "notes": "",
    }
    absence = answers.pop("absence_date", None)
    if absence is not None:
        data |= {
            "absence_date_0": str(absence.day),
            "absence_date_1": str(absence.month),
            "absence_date_2": str(absence.year),
        }
    data.update({key: str(value) for key, value in answers.items()})
    return data


def log(user: Any, pupil_id: int, **fields: Any) -> Contact:
    """The service, with a reached phone call to someone else unless told."""
    fields.setdefault("occurred_at", at(dt.date(2025, 10, 1), 9))
    fields.setdefault("method", "phone")
    fields.setdefault("reached", True)
    if "carer_link_id" not in fields:
        fields.setdefault("other_person", "Aunt, the emergency contact")
    return contact_log(acting_user=user, pupil_id=pupil_id, **fields)


def test_a_logged_contact_is_on_the_case_page_attached_to_the_case_and_audited(case):
    lead = case.lead_professional
    client = signed_in_client(lead)

    response = client.post(
        reverse("cases:contact_new", args=[case.pk]), form_data(case), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    assert "Phone call with Grace Okafor logged." in response.text
    contact = Contact.unscoped.get(pupil=case.pupil)
    assert contact.case == case
    assert contact.school == case.school
    assert contact.made_by == lead
    assert contact.occurred_at == at(dt.date(2025, 10, 1), 9)
    section = response.text[response.text.index('id="contacts-heading"') :]
    assert "Grace Okafor" in section
    assert "Ill with a temperature; back tomorrow." in section
    assert "1 Oct 2025" in section
    audit = AuditEvent.objects.get(target_type="cases.Contact", target_id=str(contact.pk))
    assert audit.actor == lead
    assert audit.changes["method"] == "phone"
    assert audit.changes["with"] == "Grace Okafor"


def test_a_home_visit_keeps_its_safeguarding_answers_and_the_pupils_wishes(case):
    client = signed_in_client(case.lead_professional)
    data = form_data(
        case,
        method="home_visit",
        with_whom="other",
        other_person="Grandmother, the emergency contact",
        reached="yes",
        dsl_consulted="yes",
        concern_raised="no",
        pupil_wishes_discussed="Wants to walk in with a friend.",
        follow_up_needed="yes",
        follow_up="Ask the form tutor to pair her with a friend at the gate.",
    )

    response = client.post(reverse("cases:contact_new", args=[case.pk]), data, follow=True)

    contact = Contact.unscoped.get(pupil=case.pupil)
    assert (contact.method, contact.dsl_consulted, contact.concern_raised) == (
        "home_visit",
        True,
        False,
    )
    assert contact.carer is None
    assert contact.other_person == "Grandmother, the emergency contact"
    assert "Home visit with Grandmother, the emergency contact logged." in response.text
    assert "DSL consulted: yes" in response.text
    assert "Concern shared with the children's advice service: no" in response.text
    assert "Wants to walk in with a friend." in response.text
    assert "Ask the form tutor to pair her with a friend at the gate." in response.text


def test_a_home_visit_must_answer_its_questions_and_a_call_does_not_keep_them(case):
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:contact_new", args=[case.pk])

    refused = client.post(url, form_data(case, method="home_visit"))
    assert refused.status_code == 200
    assert "Select whether you discussed the home visit with the DSL" in refused.text
    assert "Select whether you shared a concern with the children" in refused.text
    assert not Contact.unscoped.exists()

    # Without JavaScript the home-visit questions are on the page for every
    # method; answered by mistake for a phone call, they are not kept.
    client.post(
        url,
        form_data(case, dsl_consulted="yes", concern_raised="no", pupil_wishes_discussed="x"),
    )
    call = Contact.unscoped.get()
    assert (call.dsl_consulted, call.concern_raised, call.pupil_wishes_discussed) == (
        None,
        None,
        "",
    )


def test_the_form_explains_each_missing_answer(case):
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:contact_new", args=[case.pk]),
        {"came_from": "case", "follow_up_needed": "yes", "with_whom": "other"},
    )
    for message in (
        "Enter the date of the contact",
        "Enter the time of the contact",
        "Select how you made contact",
        "Enter who you contacted",
        "Select whether you reached them",
        "Enter what needs to happen next",
    ):
        assert message in response.text
    assert "There is a problem" in response.text


def test_a_contact_about_a_pupil_joins_their_open_case(case):
    client = signed_in_client(case.lead_professional)
    data = form_data(case, came_from="first_day")
    client.post(reverse("cases:pupil_contact_new", args=[case.pupil.pk]), data)
    assert Contact.unscoped.get().case == case


def test_a_contact_about_a_pupil_with_no_case_stays_with_the_pupil(lead, school):
    pupil = PupilFactory(school=school)
    PupilCarerFactory(pupil=pupil)
    response = signed_in_client(lead).post(
        reverse("cases:pupil_contact_new", args=[pupil.pk]), form_data(pupil, came_from="pupil")
    )
    assert response.url == reverse("cases:pupil_detail", args=[pupil.pk])
    contact = Contact.unscoped.get()
    assert (contact.case, contact.school) == (None, school)


def test_contacts_are_listed_newest_first(case):
    lead = case.lead_professional
    link_id = case.pupil.carer_links.get().pk
    for day, reason in ((29, "Older call"), (30, "Newer call"), (26, "Oldest call")):
        log(
            lead,
            case.pupil.pk,
            carer_link_id=link_id,
            occurred_at=at(dt.date(2025, 9, day)),
            reason_established=reason,
        )
    page = signed_in_client(lead).get(reverse("cases:case_detail", args=[case.pk])).text
    assert page.index("Newer call") < page.index("Older call") < page.index("Oldest call")


def _contact_due_line(page: str) -> str:
    found = re.search(r"Next contact with the family due by(.*?)</li>", page, re.S)
    assert found, "the case page shows when the next contact is due"
    return " ".join(found.group(1).split())


def test_a_contact_moves_the_fortnightly_contact_due_date_and_overdue_shows_the_day_after():
    with time_machine.travel(at(DAY_0), tick=False):
        case = AttendanceCaseFactory(opened_at=at(DAY_0))
        PupilCarerFactory(pupil=case.pupil)
    lead = case.lead_professional
    day_10 = DAY_0 + dt.timedelta(days=10)
    with time_machine.travel(at(day_10, 16), tick=False):
        signed_in_client(lead).post(
            reverse("cases:contact_new", args=[case.pk]), form_data(case, when=at(day_10, 15))
        )
    assert Contact.unscoped.get().case == case
    url = reverse("cases:case_detail", args=[case.pk])

    # Signed in on each day: a session does not last a fortnight.
    with time_machine.travel(at(DAY_0 + dt.timedelta(days=24)), tick=False):
        due = _contact_due_line(signed_in_client(lead).get(url).text)
    assert due.startswith("9 October 2025")  # day 24: due today, not yet overdue
    assert "Overdue" not in due

    with time_machine.travel(at(DAY_0 + dt.timedelta(days=25)), tick=False):
        due = _contact_due_line(signed_in_client(lead).get(url).text)
    assert due.startswith("9 October 2025")
    assert "Overdue" in due


def test_the_service_refuses_a_pupil_outside_the_users_school(case):
    outsider = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    with pytest.raises(Http404):
        log(outsider, case.pupil.pk)
    with pytest.raises(Http404):
        log(outsider, case.pupil.pk, case_id=case.pk)
    assert not Contact.unscoped.exists()


def test_the_service_refuses_a_case_of_another_pupil(case):
    sibling = PupilFactory(school=case.school)
    with pytest.raises(Http404):
        log(case.lead_professional, sibling.pk, case_id=case.pk)


def test_the_service_refuses_read_only_staff(case):
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    with pytest.raises(PermissionDenied):
        log(staff, case.pupil.pk)
    with pytest.raises(PermissionDenied):
        log(staff, case.pupil.pk, case_id=case.pk)


def test_the_service_refuses_a_closed_case_with_a_clear_message():
    closed = AttendanceCaseFactory(closed=True)
    with pytest.raises(CaseClosed, match="closed on 1 December 2025"):
        log(closed.lead_professional, closed.pupil.pk, case_id=closed.pk)
    # Without a case id the contact is kept with the pupil: a closed case is
    # not reopened by a phone call.
    assert log(closed.lead_professional, closed.pupil.pk).case is None


def test_posting_to_a_closed_case_shows_why_and_saves_nothing(case):
    lead = case.lead_professional
    client = signed_in_client(lead)
    url = reverse("cases:contact_new", args=[case.pk])
    form = client.get(url)
    assert form.status_code == 200
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status="closed", stage="closed", closing_reason="improved", closed_at=at(DAY_0, 12)
    )

    response = client.post(url, form_data(case))

    assert "This case was closed on 15 September 2025, so it cannot be changed." in response.text
    assert not Contact.unscoped.exists()
    reopened = client.get(url, follow=True)
    assert "This case is closed, so no more contacts can be logged on it." in reopened.text


def test_the_service_refuses_a_pupil_no_longer_on_roll(case):
    Enrolment.unscoped.filter(pupil=case.pupil).update(end=dt.date(2025, 9, 30))
    with pytest.raises(ValidationError, match="was not on roll"):
        log(case.lead_professional, case.pupil.pk)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"occurred_at": at(dt.date(2025, 10, 2))}, "now or in the past"),
        ({"absence_date": dt.date(2025, 10, 2)}, "today or in the past"),
        ({"other_person": "  "}, "Enter who you contacted"),
        ({"follow_up_needed": True}, "Enter what needs to happen next"),
        ({"method": "home_visit"}, "For a home visit"),
        ({"method": "carrier_pigeon"}, "Select how you made contact"),
    ],
)
def test_the_service_checks_what_a_form_would(case, fields, message):
    with pytest.raises(ValidationError, match=message):
        log(case.lead_professional, case.pupil.pk, **fields)


def test_the_service_refuses_a_carer_of_another_pupil(case):
    stranger = PupilCarerFactory()
    with pytest.raises(ValidationError, match="Select one of the pupil's parents"):
        log(case.lead_professional, case.pupil.pk, carer_link_id=stranger.pk)


def test_discouraged_words_are_saved_with_a_gentle_warning(case):
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:contact_new", args=[case.pk]),
        form_data(case, notes="Mum says it is school refusal."),
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    assert Contact.unscoped.get().notes == "Mum says it is school refusal."


# Every URL of the contacts and voice sections that takes a case or a pupil.
def _urls(case: AttendanceCase, voice: WishesAndFeelings) -> list[str]:
    return [
        reverse("cases:contact_new", args=[case.pk]),
        reverse("cases:pupil_contact_new", args=[case.pupil.pk]),
        reverse("cases:voice_new", args=[case.pk]),
        reverse("cases:voice_change", args=[case.pk, voice.pk]),
    ]


def _voice(case: AttendanceCase) -> WishesAndFeelings:
    return WishesAndFeelings.unscoped.create(
        case=case,
        gathered_on=dt.date(2025, 9, 30),
        gathered_by=case.lead_professional,
        relationship="Form tutor",
        setting="Quiet room",
        why_hard="Mondays are hard.",
        what_would_help="A soft start.",
        created_by=case.lead_professional,
        updated_by=case.lead_professional,
    )


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.DSL])
def test_a_lead_of_another_school_gets_404_for_every_url(case, role):
    outsider = UserFactory(
        role=role, school=SchoolFactory(local_authority=case.school.local_authority)
    )
    client = signed_in_client(outsider)
    for url in _urls(case, _voice(case)):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_read_only_staff_see_the_case_but_get_403_on_every_form(case):
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    client = signed_in_client(staff)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert "Log a contact" not in page.text
    assert "Record the pupil&#x27;s voice" not in page.text
    for url in _urls(case, _voice(case)):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_a_voice_of_another_case_is_not_found_under_this_case(case):
    other = AttendanceCaseFactory(school=case.school)
    url = reverse("cases:voice_change", args=[case.pk, _voice(other).pk])
    assert signed_in_client(case.lead_professional).get(url).status_code == 404


def test_the_case_page_query_count_does_not_grow_with_contacts_and_voices(
    case, django_assert_max_num_queries
):
    lead = case.lead_professional
    link_id = case.pupil.carer_links.get().pk
    client = signed_in_client(lead)
    url = reverse("cases:case_detail", args=[case.pk])

    def add(records: int) -> None:
        for n in range(records):
            day = dt.date(2025, 9, 16 + n % 14)
            log(lead, case.pupil.pk, carer_link_id=link_id, occurred_at=at(day))
            log(lead, case.pupil.pk, method="home_visit", dsl_consulted=True, concern_raised=False)
            _voice(case)

    def queries_for_the_page(records: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.text.count("Mondays are hard.") == records
        return len(queries)

    add(1)
    client.get(url)  # the session and permissions are cached after the first page
    # 32: the referral section reads the case's referrals and penalty notices.
    with django_assert_max_num_queries(33):  # with the audit row of opening the file
        one = queries_for_the_page(1)
    add(19)
    with django_assert_max_num_queries(33):  # with the audit row of opening the file
        twenty = queries_for_the_page(20)
    assert twenty == one


# In a real browser, with axe checking WCAG 2.2 AA. Real time: the session
# cookie is set by the browser's clock.
browser = browser_helpers.browser
page = browser_helpers.page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_logs_a_home_visit_in_the_browser(live_server, page, browser, axe_source):
    school = SchoolFactory()
    lead = UserFactory(school=school, email="lead@school.example.org")
    pupil = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    case = AttendanceCaseFactory(school=school, pupil=pupil, lead_professional=lead)
    PupilCarerFactory(
        pupil=case.pupil,
        carer__forename="Grace",
        carer__surname="Okafor",
        carer__mobile="07700 900123",
    )
    sign_in(page, live_server.url, "lead@school.example.org")
    page.goto(live_server.url + reverse("cases:case_detail", args=[case.pk]))
    assert axe_violations(page, axe_source) == []
    page.get_by_role("link", name="Log a contact").click()

    page.get_by_role("button", name="Log contact").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    screenshot(page, "contact_form_errors")
    assert axe_violations(page, axe_source) == []
    # The error summary's link goes to the question.
    page.get_by_role("link", name="Select how you made contact").click()
    assert page.evaluate("document.activeElement.name") == "method"

    page.get_by_role("radio", name="Home visit").check()
    page.get_by_role(
        "group",
        name="Did you discuss the home visit with the Designated Safeguarding Lead (DSL)?",
    ).get_by_label("Yes").check()
    page.get_by_role(
        "group", name="Did you share a concern with the children's advice service?"
    ).get_by_label("No").check()
    page.get_by_label("The pupil's wishes and feelings, if you discussed them (optional)").fill(
        "Wants to walk in with a friend."
    )
    page.get_by_role("radio", name="Grace Okafor (Mother)").check()
    page.get_by_role("group", name="Did you reach them?").get_by_label("Yes").check()
    page.get_by_role("group", name="Is a follow-up needed?").get_by_label("No").check()
    page.get_by_label("Reason for absence, if you established one (optional)").fill(
        "Unwell with a cold."
    )
    screenshot(page, "contact_form_home_visit")
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Log contact").click()

    page.wait_for_url(live_server.url + reverse("cases:case_detail", args=[case.pk]))
    assert page.get_by_text("Home visit with Grace Okafor logged.").is_visible()
    contacts = page.get_by_role("region", name="Contacts with the family")
    assert contacts.get_by_text("DSL consulted: yes").is_visible()
    screenshot(page, "case_page_with_contact")
    assert axe_violations(page, axe_source) == []

    # Without JavaScript: the same form, posted by the browser alone.
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    no_js = context.new_page()
    sign_in(no_js, live_server.url, "lead@school.example.org")
    no_js.goto(live_server.url + reverse("cases:contact_new", args=[case.pk]))
    no_js.get_by_role("radio", name="Phone call").check()
    no_js.get_by_role("radio", name="Someone else").check()
    no_js.get_by_label("If someone else, who was it?").fill("Aunt, the emergency contact")
    no_js.get_by_role("group", name="Did you reach them?").get_by_label("No").check()
    no_js.get_by_role("group", name="Is a follow-up needed?").get_by_label("Yes").check()
    no_js.get_by_label("If a follow-up is needed, what needs to happen next?").fill(
        "Call again at 2pm."
    )
    no_js.get_by_role("button", name="Log contact").click()
    no_js.wait_for_url(live_server.url + reverse("cases:case_detail", args=[case.pk]))
    assert no_js.get_by_text("Phone call with Aunt, the emergency contact logged.").is_visible()
    context.close()
