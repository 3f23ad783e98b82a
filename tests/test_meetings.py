"""Support First meetings: scheduling, recording as held, changing, cancelling,
who is invited by default, what counts towards the minimum (rule A4), and who may."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases.forms_meetings import format_time, parse_time
from cases.models import SupportMeeting
from cases.selectors_cases import case_file
from cases.services.casework import CaseClosed, StaleEdit
from cases.services.meetings import (
    meeting_cancel,
    meeting_card,
    meeting_record_held,
    meeting_schedule,
    meeting_update,
)
from core.models import AuditEvent
from pupils.models import PupilCarer
from pupils.services.families import carer_correspondence_decide

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    CarerFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

browser = browser_helpers.browser
page = browser_helpers.page

TODAY = dt.date(2025, 10, 1)


@pytest.fixture(autouse=True)
def autumn_term(request):
    # The browser journey runs on the real clock: a frozen clock would also
    # freeze the live server's sessions and Playwright's waits.
    if request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case():
    return AttendanceCaseFactory()


@pytest.fixture
def mother(case):
    return PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Grace", surname="Okafor"),
        relationship=PupilCarer.Relationship.MOTHER,
    )


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=dt.UTC)


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    """The GOV.UK date input posts day, month and year separately."""
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def make_meeting(case, *, invited=(), **fields) -> SupportMeeting:
    """A meeting written straight to the database, for states the forms refuse
    (a held date in the future, a record without an outcome)."""
    number = SupportMeeting.unscoped.filter(case=case).count() + 1
    meeting = SupportMeeting.unscoped.create(
        case=case,
        sequence=number,
        scheduled_for=fields.pop("scheduled_for", at(dt.date(2025, 9, 20))),
        method=SupportMeeting.Method.IN_PERSON,
        created_by=case.lead_professional,
        updated_by=case.lead_professional,
        **fields,
    )
    meeting.invited.set(invited)
    return meeting


def schedule(case, invited, day=dt.date(2025, 9, 20)) -> SupportMeeting:
    return meeting_schedule(
        acting_user=case.lead_professional,
        case_id=case.pk,
        scheduled_for=at(day),
        method=SupportMeeting.Method.IN_PERSON,
        invited_ids=[link.pk for link in invited],
    )


# Counting held meetings (rule A4) --------------------------------------------


def test_three_meetings_scheduled_and_recorded_as_held_meet_the_minimum(case, mother):
    client = signed_in_client(case.lead_professional)
    for day in (dt.date(2025, 9, 16), dt.date(2025, 9, 23), dt.date(2025, 9, 30)):
        response = client.post(
            reverse("cases:meeting_new", args=[case.pk]),
            {
                **date_fields("scheduled_on", day),
                "time": "3:30pm",
                "method": "in_person",
                "invited": [mother.pk],
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        meeting = SupportMeeting.unscoped.filter(case=case).latest("sequence")
        response = client.post(
            reverse("cases:meeting_held", args=[case.pk, meeting.pk]),
            {
                "version": meeting.version,
                **date_fields("held_on", day),
                "attended": [mother.pk],
                "parent_voice": "Mum is worried about the bus.",
                "outcome": "Agreed a walking bus trial.",
            },
        )
        assert response.status_code == 302, response.context["form"].errors

    page = client.get(reverse("cases:case_detail", args=[case.pk]))

    assert "Meetings held: 3 of the minimum 3" in page.text
    assert [m.sequence for m in SupportMeeting.unscoped.filter(case=case)] == [1, 2, 3]
    first = SupportMeeting.unscoped.get(case=case, sequence=1)
    # 3:30pm in England in September is 14:30 UTC (British Summer Time).
    assert first.scheduled_for == dt.datetime(2025, 9, 16, 14, 30, tzinfo=dt.UTC)
    assert list(first.attended.all()) == [mother]
    assert "Mum is worried about the bus." in page.text
    assert page.text.count(">Held</strong>") == 3


@pytest.mark.parametrize(
    ("fields", "with_invitee", "status", "why"),
    [
        ({"held_on": TODAY, "outcome": "Plan agreed"}, True, "Held", ""),
        (
            {"held_on": TODAY + dt.timedelta(days=1), "outcome": "Plan agreed"},
            True,
            "Not counted",
            "its date is in the future",
        ),
        ({"held_on": TODAY, "outcome": ""}, True, "Not counted", "no outcome is recorded"),
        (
            {"held_on": TODAY, "outcome": "Plan agreed"},
            False,
            "Not counted",
            "no parent or carer was invited",
        ),
        (
            {"cancelled": True, "outcome": "Mum was in hospital"},
            True,
            "Cancelled",
            "",
        ),
        ({}, True, "Scheduled", ""),
    ],
    ids=["held", "future date", "no outcome", "nobody invited", "cancelled", "scheduled"],
)
def test_only_a_meeting_held_under_rule_a4_counts(case, mother, fields, with_invitee, status, why):
    meeting = make_meeting(case, invited=[mother] if with_invitee else [], **fields)
    counted = 1 if status == "Held" else 0

    file = case_file(user=case.lead_professional, case_id=case.pk)
    page = signed_in_client(case.lead_professional).get(
        reverse("cases:case_detail", args=[case.pk])
    )

    assert file.row.meetings_held == counted
    assert f"Meetings held: {counted} of the minimum 3" in page.text
    card = meeting_card(meeting, today=TODAY)
    assert (card.status, card.counts) == (status, counted == 1)
    assert f">{status}</strong>" in page.text
    if why:
        assert why in " ".join(card.not_counted_because)
        assert why in page.text


def test_a_scheduled_meeting_whose_date_has_passed_asks_for_the_record(case, mother):
    make_meeting(case, invited=[mother], scheduled_for=at(dt.date(2025, 9, 29)))
    page = signed_in_client(case.lead_professional).get(
        reverse("cases:case_detail", args=[case.pk])
    )
    assert "The date has passed: record what happened." in page.text


# Who is invited by default ----------------------------------------------------


def invited_by_default(case) -> list[int]:
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:meeting_new", args=[case.pk])
    )
    assert response.status_code == 200
    return sorted(response.context["form"]["invited"].value())


def test_invitations_default_to_the_people_who_get_the_schools_letters(case, mother):
    father = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Daniel", surname="Okafor"),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
    )
    step_father = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Sam", surname="Reid"),
        relationship=PupilCarer.Relationship.STEP_FATHER,
        parental_responsibility=False,
    )

    # Before the DSL has decided, the father who lives elsewhere is listed, not
    # ticked; the step-father at home is ticked, with or without parental
    # responsibility (an adult who lives with and cares for the child).
    assert invited_by_default(case) == sorted([mother.pk, step_father.pk])
    page = signed_in_client(case.lead_professional).get(
        reverse("cases:meeting_new", args=[case.pk])
    )
    assert "Waiting for the DSL&#x27;s decision" in page.text
    assert "Step-father, lives with the pupil, no parental responsibility." in page.text
    assert "Schedule Support First meeting 1" in page.text

    dsl = UserFactory(role=Role.DSL, school=case.school)
    carer_correspondence_decide(
        acting_user=dsl, link_id=father.pk, include=True, reason="Shared care; no concerns."
    )

    assert invited_by_default(case) == sorted([mother.pk, father.pk, step_father.pk])


def test_a_parent_the_dsl_excluded_is_not_offered_and_cannot_be_invited(case, mother):
    father = PupilCarerFactory(pupil=case.pupil, lives_with_pupil=False)
    dsl = UserFactory(role=Role.DSL, school=case.school)
    carer_correspondence_decide(
        acting_user=dsl, link_id=father.pk, include=False, reason="Court order."
    )

    response = signed_in_client(case.lead_professional).get(
        reverse("cases:meeting_new", args=[case.pk])
    )
    offered = [choice.value for choice in response.context["form"].fields["invited"].choices]
    assert offered == [mother.pk]
    with pytest.raises(Exception, match="should not be contacted about attendance"):
        schedule(case, [mother, father])


def test_an_interpreter_is_proposed_when_someone_invited_needs_one(case):
    PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(
            forename="Anna", surname="Nowak", interpreter_needed=True, preferred_language="Polish"
        ),
    )
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:meeting_new", args=[case.pk])
    )
    form = response.context["form"]
    assert form["interpreter"].value() is True
    assert form.fields["interpreter"].help_text == (
        "Ticked because Anna Nowak needs an interpreter (Polish)."
    )


def test_saving_without_an_interpreter_someone_needs_is_a_reminder_not_a_refusal(case):
    link = PupilCarerFactory(pupil=case.pupil, carer=CarerFactory(interpreter_needed=True))
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_new", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 10, 8)),
            "time": "9am",
            "method": "phone",
            "invited": [link.pk],
        },
        follow=True,
    )
    assert SupportMeeting.unscoped.filter(case=case).count() == 1
    assert "needs an interpreter, and none is arranged" in response.text


# Recording, changing, cancelling -----------------------------------------------


def test_the_form_explains_each_mistake_and_keeps_what_was_typed(case, mother):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_new", args=[case.pk]),
        {
            "scheduled_on_0": "31",
            "scheduled_on_1": "9",
            "scheduled_on_2": "2025",
            "time": "25 o'clock",
            "invited": [mother.pk],
            "adjustments": "Ground floor room, after 3pm.",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["scheduled_on"] == ["The date of the meeting must be a real date"]
    assert errors["time"] == ["Enter a time, for example 9:30am or 2pm"]
    assert errors["method"] == ["Select how you will meet"]
    assert "There is a problem" in response.text
    assert "Ground floor room, after 3pm." in response.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("9:30am", dt.time(9, 30)),
        ("9.30 AM", dt.time(9, 30)),
        ("2pm", dt.time(14, 0)),
        ("14:00", dt.time(14, 0)),
        ("12pm", dt.time(12, 0)),
        ("12am", dt.time(0, 0)),
        ("noon", dt.time(12, 0)),
        ("3:05 p.m.", dt.time(15, 5)),
    ],
)
def test_times_are_read_as_people_write_them(typed, meant):
    assert parse_time(typed) == meant
    assert parse_time(format_time(meant)) == meant


@pytest.mark.parametrize("typed", ["13pm", "25:00", "9:75", "nine", ""])
def test_a_time_that_is_not_a_time_is_explained(typed):
    with pytest.raises(ValidationError, match="for example 9:30am or 2pm"):
        parse_time(typed)


def test_a_meeting_cannot_be_recorded_as_held_in_the_future_or_without_an_outcome(case, mother):
    meeting = schedule(case, [mother])
    with pytest.raises(ValidationError) as refused:
        meeting_record_held(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            held_on=TODAY + dt.timedelta(days=1),
            attended_ids=[],
            outcome="",
        )
    assert refused.value.message_dict == {
        "held_on": ["The date the meeting was held must be today or in the past"],
        "outcome": ["Enter the outcome of the meeting"],
    }


def test_only_invited_people_can_be_recorded_as_attending(case, mother):
    other = PupilCarerFactory(pupil=case.pupil)
    meeting = schedule(case, [mother])
    with pytest.raises(Exception, match="Select only people who were invited"):
        meeting_record_held(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            held_on=TODAY,
            attended_ids=[other.pk],
            outcome="Agreed a plan",
        )


def test_cancelling_keeps_the_reason_and_a_cancelled_meeting_is_not_counted(case, mother):
    meeting = schedule(case, [mother])
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:meeting_cancel", args=[case.pk, meeting.pk]),
        {"version": meeting.version, "reason": "Mum asked to move it: new date offered."},
        follow=True,
    )

    meeting.refresh_from_db()
    assert (meeting.cancelled, meeting.outcome) == (True, "Mum asked to move it: new date offered.")
    assert "Meetings held: 0 of the minimum 3" in response.text
    assert ">Cancelled</strong>" in response.text
    # A cancelled meeting cannot be changed, recorded or cancelled again.
    for name in ("cases:meeting_change", "cases:meeting_held", "cases:meeting_cancel"):
        response = client.get(reverse(name, args=[case.pk, meeting.pk]), follow=True)
        assert "This meeting was cancelled, so it cannot be changed" in response.text
    # The next meeting takes the next number: "meeting 1" stays the cancelled one.
    assert schedule(case, [mother]).sequence == 2


def test_a_held_meeting_cannot_be_cancelled(case, mother):
    meeting = make_meeting(case, invited=[mother], held_on=TODAY, outcome="Plan agreed")
    with pytest.raises(Exception, match="recorded as held, so it cannot be cancelled"):
        meeting_cancel(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            reason="Oops",
        )


def test_changing_who_was_invited_keeps_everyone_who_attended(case, mother):
    father = PupilCarerFactory(pupil=case.pupil)
    meeting = make_meeting(case, invited=[mother, father], held_on=TODAY, outcome="Plan agreed")
    meeting.attended.set([father])
    with pytest.raises(Exception, match="came to the meeting, so they must stay invited"):
        meeting_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            scheduled_for=meeting.scheduled_for,
            method=meeting.method,
            invited_ids=[mother.pk],
        )


def test_every_change_is_audited_with_who_was_invited(case, mother):
    meeting = schedule(case, [mother])
    meeting_update(
        acting_user=case.lead_professional,
        case_id=case.pk,
        meeting_id=meeting.pk,
        version=meeting.version,
        scheduled_for=at(dt.date(2025, 9, 22)),
        method=SupportMeeting.Method.VIDEO,
        invited_ids=[mother.pk],
    )
    created, changed = AuditEvent.objects.filter(target_id=str(meeting.pk)).order_by("pk")
    assert created.changes["invited"] == [str(mother.carer)]
    assert changed.changes["method"] == ["in_person", "video"]
    assert "invited" not in changed.changes


def test_discouraged_words_are_saved_with_a_gentle_warning(case, mother):
    meeting = schedule(case, [mother])
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_held", args=[case.pk, meeting.pk]),
        {
            "version": meeting.version,
            **date_fields("held_on", TODAY),
            "parent_voice": "Dad calls it school refusal.",
            "outcome": "Agreed a soft start.",
        },
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    meeting.refresh_from_db()
    assert meeting.parent_voice == "Dad calls it school refusal."


# Who may --------------------------------------------------------------------------


def _services(case, meeting, mother):
    """Every meeting service, called with valid arguments."""
    return {
        "schedule": lambda user: meeting_schedule(
            acting_user=user,
            case_id=case.pk,
            scheduled_for=at(TODAY),
            method="phone",
            invited_ids=[mother.pk],
        ),
        "update": lambda user: meeting_update(
            acting_user=user,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            scheduled_for=at(TODAY),
            method="phone",
            invited_ids=[mother.pk],
        ),
        "record": lambda user: meeting_record_held(
            acting_user=user,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            held_on=TODAY,
            attended_ids=[],
            outcome="Agreed",
        ),
        "cancel": lambda user: meeting_cancel(
            acting_user=user,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            reason="Ill",
        ),
    }


SERVICES = ["schedule", "update", "record", "cancel"]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("lead of another school", Http404),
        ("LA officer of another LA", Http404),
        ("school staff (read-only)", PermissionDenied),
    ],
)
def test_every_meeting_service_refuses_who_may_not_change_the_case(
    case, mother, service, who, refusal
):
    meeting = schedule(case, [mother])
    user = {
        "lead of another school": lambda: UserFactory(
            school=SchoolFactory(local_authority=case.school.local_authority)
        ),
        "LA officer of another LA": lambda: UserFactory(
            la_user=True, local_authority=LocalAuthorityFactory(code="999")
        ),
        "school staff (read-only)": lambda: UserFactory(role=Role.SCHOOL_STAFF, school=case.school),
    }[who]()
    before = list(SupportMeeting.unscoped.values())

    with pytest.raises(refusal):
        _services(case, meeting, mother)[service](user)

    assert list(SupportMeeting.unscoped.values()) == before


@pytest.mark.parametrize("service", SERVICES)
def test_every_meeting_service_refuses_a_closed_case(service):
    case = AttendanceCaseFactory()
    mother = PupilCarerFactory(pupil=case.pupil)
    meeting = schedule(case, [mother])
    type(case).unscoped.filter(pk=case.pk).update(
        status="closed", stage="closed", closing_reason="improved", closed_at=at(TODAY)
    )
    with pytest.raises(CaseClosed, match="closed on 1 October 2025, so it cannot be changed"):
        _services(case, meeting, mother)[service](case.lead_professional)


def test_a_closed_case_sends_the_form_back_to_the_case_page_with_the_reason():
    case = AttendanceCaseFactory(closed=True)
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:meeting_new", args=[case.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    assert "This case was closed on 1 December 2025, so it cannot be changed" in response.text
    assert "Schedule a meeting" not in response.text


def test_read_only_staff_and_outsiders_cannot_open_the_forms(case, mother):
    meeting = schedule(case, [mother])
    urls = [reverse("cases:meeting_new", args=[case.pk])] + [
        reverse(name, args=[case.pk, meeting.pk])
        for name in ("cases:meeting_change", "cases:meeting_held", "cases:meeting_cancel")
    ]
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    outsider = UserFactory(school=SchoolFactory())
    for url in urls:
        assert signed_in_client(staff).get(url).status_code == 403
        assert signed_in_client(staff).post(url, {}).status_code == 403
        assert signed_in_client(outsider).get(url).status_code == 404
        assert signed_in_client(outsider).post(url, {}).status_code == 404
    page = signed_in_client(staff).get(reverse("cases:case_detail", args=[case.pk]))
    assert "Meeting 1" in page.text
    assert "Schedule a meeting" not in page.text
    assert "Record as held" not in page.text


@pytest.mark.parametrize(
    "name", ["cases:meeting_change", "cases:meeting_held", "cases:meeting_cancel"]
)
def test_a_meeting_of_another_case_is_not_found(case, mother, name):
    # Same school, same lead: the lead may see both cases, but not mix them up.
    other_case = AttendanceCaseFactory(school=case.school, lead_professional=case.lead_professional)
    other_meeting = schedule(other_case, [PupilCarerFactory(pupil=other_case.pupil)])
    client = signed_in_client(case.lead_professional)

    assert client.get(reverse(name, args=[case.pk, other_meeting.pk])).status_code == 404
    assert client.post(reverse(name, args=[case.pk, other_meeting.pk]), {}).status_code == 404
    with pytest.raises(Http404):
        meeting_cancel(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=other_meeting.pk,
            version=other_meeting.version,
            reason="Wrong case",
        )
    other_meeting.refresh_from_db()
    assert not other_meeting.cancelled


def test_a_stale_edit_is_refused_keeps_the_input_and_changes_nothing(case, mother):
    meeting = schedule(case, [mother])
    opened_at_version = meeting.version
    # Someone else changes the meeting after this form was opened.
    meeting_update(
        acting_user=case.lead_professional,
        case_id=case.pk,
        meeting_id=meeting.pk,
        version=opened_at_version,
        scheduled_for=at(dt.date(2025, 9, 22)),
        method=SupportMeeting.Method.PHONE,
        invited_ids=[mother.pk],
    )
    with pytest.raises(StaleEdit):
        meeting_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=opened_at_version,
            scheduled_for=at(dt.date(2025, 9, 24)),
            method=SupportMeeting.Method.VIDEO,
            invited_ids=[],
        )

    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_change", args=[case.pk, meeting.pk]),
        {
            "version": opened_at_version,
            **date_fields("scheduled_on", dt.date(2025, 9, 24)),
            "time": "10am",
            "method": "video",
            "adjustments": "After the school run.",
        },
    )

    assert response.status_code == 200
    assert "Someone else changed this record after you opened it" in response.text
    assert "After the school run." in response.text
    meeting.refresh_from_db()
    assert (meeting.method, meeting.version, list(meeting.invited.all())) == (
        "phone",
        opened_at_version + 1,
        [mother],
    )


# The case page stays fast ----------------------------------------------------------


def _case_page_queries(count: int) -> int:
    case = AttendanceCaseFactory()
    carers = [PupilCarerFactory(pupil=case.pupil) for _ in range(2)]
    for i in range(count):
        meeting = make_meeting(
            case, invited=carers, held_on=TODAY - dt.timedelta(days=i), outcome="Agreed"
        )
        meeting.attended.set(carers[:1])
    client = signed_in_client(case.lead_professional)
    client.get(reverse("cases:case_detail", args=[case.pk]))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert f"Meetings held: {count} of the minimum 3" in response.text
    return len(queries)


def test_the_case_page_query_count_does_not_grow_with_meetings():
    assert _case_page_queries(1) == _case_page_queries(10)


# In a real browser ---------------------------------------------------------------------


def fill_date(page, name: str, day: dt.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_schedules_records_and_adds_support_in_the_browser(
    live_server, page, browser, axe_source
):
    from core.dates import today

    case = AttendanceCaseFactory()
    lead = case.lead_professional
    PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(
            forename="Anna", surname="Nowak", interpreter_needed=True, preferred_language="Polish"
        ),
    )
    PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Piotr", surname="Nowak"),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
    )
    case_url = live_server.url + reverse("cases:case_detail", args=[case.pk])
    sign_in(page, live_server.url, lead.email)

    page.goto(case_url)
    page.get_by_role("link", name="Schedule a meeting").click()
    assert axe_violations(page, axe_source) == []
    assert page.get_by_label("Anna Nowak").is_checked()
    assert not page.get_by_label("Piotr Nowak").is_checked()
    assert page.get_by_label("Interpreter arranged").is_checked()
    screenshot(page, "meeting-schedule")

    # An incomplete form: the error summary first, each error beside its field.
    page.get_by_role("button", name="Schedule meeting").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "meeting-schedule-errors")
    fill_date(page, "scheduled_on", today())
    page.get_by_label("Time").fill("9:30am")
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Schedule meeting").click()
    page.wait_for_url(case_url + "#meeting-1")

    page.get_by_role("link", name="Record as held").click()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Anna Nowak").check()
    page.get_by_label("The parents' views (optional)").fill("Anna wants the walking bus.")
    page.get_by_label("Outcome").fill("Walking bus from Monday; review in two weeks.")
    page.get_by_role("button", name="Save the record").click()
    page.wait_for_url(case_url + "#meeting-1")
    assert page.get_by_text("Meetings held: 1 of the minimum 3").first.is_visible()

    page.get_by_role("link", name="Add a barrier").click()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Transport").check()
    page.get_by_label("Push (away from school)").check()
    page.get_by_label("Describe the barrier").fill("The 8:05 bus was withdrawn.")
    fill_date(page, "identified_on", today())
    page.get_by_role("button", name="Add barrier").click()
    page.wait_for_url(case_url + "#support")

    page.get_by_role("link", name="Add a reasonable adjustment").click()
    page.get_by_text("Examples from the Support First guidance").click()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "adjustment-new")
    page.get_by_label("What adjustment was made?").fill("Walking bus from the estate")
    fill_date(page, "made_on", today())
    page.get_by_role("button", name="Add adjustment").click()
    page.wait_for_url(case_url + "#support")

    page.get_by_role("link", name="Record support offered").click()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("What support was offered?").fill("Early Help assessment")
    page.get_by_label("Early Help").check()
    fill_date(page, "offered_on", today())
    page.get_by_label("Letter").check()
    page.get_by_role("button", name="Save support offered").click()
    page.wait_for_url(case_url + "#support")

    page.get_by_role("link", name="Assess engagement").click()
    assert axe_violations(page, axe_source) == []
    fill_date(page, "assessed_on", today())
    page.get_by_label("Partly engaging").check()
    page.get_by_label("Why?").fill("Came to the meeting; Early Help not yet taken up.")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(case_url + "#support")

    assert page.get_by_text("Support exhausted: no").is_visible()
    assert axe_violations(page, axe_source) == []
    screenshot(page, "case-meetings-and-support")

    # Without JavaScript, the same form posts and comes back to the case.
    no_js_context = browser.new_context(locale="en-GB", java_script_enabled=False)
    no_js = no_js_context.new_page()
    sign_in(no_js, live_server.url, lead.email)
    no_js.goto(live_server.url + reverse("cases:meeting_new", args=[case.pk]))
    fill_date(no_js, "scheduled_on", today())
    no_js.get_by_label("Time").fill("2pm")
    no_js.get_by_label("Phone").check()
    no_js.get_by_role("button", name="Schedule meeting").click()
    no_js.wait_for_url(case_url + "#meeting-2")
    assert no_js.get_by_text("Meeting 2 scheduled.").is_visible()
    no_js_context.close()


# A meeting already held, in one form ---------------------------------------------------


def test_a_meeting_already_held_is_recorded_in_one_form_and_counts(case, mother):
    """Held on Tuesday 23 September 2025 (today is 1 October): one form, one save,
    and it counts towards the minimum (rule A4: a past date, an outcome, a parent
    invited), with the arrangement and the record each audited."""
    client = signed_in_client(case.lead_professional)
    assert "Record a meeting already held" in (
        client.get(reverse("cases:case_detail", args=[case.pk])).text
    )
    response = client.post(
        reverse("cases:meeting_past", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 9, 23)),
            "time": "3:30pm",
            "method": "in_person",
            "invited": [mother.pk],
            "attended": [mother.pk],
            "parent_voice": "Grace wants the walking bus.",
            "outcome": "Walking bus from Monday.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("#meeting-1")
    assert "Meeting 1 recorded as held." in response.text
    meeting = SupportMeeting.unscoped.get(case=case)
    assert meeting.held_on == dt.date(2025, 9, 23)
    assert list(meeting.attended.all()) == [mother]
    assert meeting_card(meeting, today=TODAY).counts
    assert "Meetings held: 1 of the minimum 3" in response.text
    assert (
        AuditEvent.objects.filter(
            target_type="cases.SupportMeeting", target_id=str(meeting.pk)
        ).count()
        == 2
    )


def test_a_meeting_in_the_future_cannot_be_recorded_as_held_and_nothing_is_saved(case, mother):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_past", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 10, 8)),
            "time": "3:30pm",
            "method": "in_person",
            "invited": [mother.pk],
            "outcome": "Walking bus from Monday.",
        },
    )
    assert response.status_code == 200
    assert "A meeting can be recorded as held only once its date has passed" in response.text
    assert not SupportMeeting.unscoped.filter(case=case).exists()


def test_a_refused_record_saves_no_arrangement_either(case, mother):
    """Attended by someone not invited: refused beside the field, and no meeting
    is left half-made (scheduled but not recorded)."""
    father = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_past", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 9, 23)),
            "time": "3:30pm",
            "method": "in_person",
            "invited": [mother.pk],
            "attended": [father.pk],
            "outcome": "Walking bus from Monday.",
        },
    )
    assert response.context["form"].errors["attended"] == [
        "Select only people who were invited to the meeting"
    ]
    assert not SupportMeeting.unscoped.filter(case=case).exists()


# A parent waiting for the DSL's decision ------------------------------------------------


@pytest.fixture
def father_awaiting(case):
    """A father who does not live with the pupil: the DSL has not decided yet."""
    return PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Tom", surname="Reid"),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
    )


def test_inviting_a_parent_awaiting_the_dsls_decision_warns_and_links_to_it(
    case, mother, father_awaiting
):
    client = signed_in_client(case.lead_professional)
    decision = reverse("cases:pupil_detail", args=[case.pupil_id]) + f"#carer-{father_awaiting.pk}"
    for name in ("cases:meeting_new", "cases:meeting_past"):
        form = client.get(reverse(name, args=[case.pk])).text
        assert "Waiting for the DSL&#x27;s decision" in form
        assert f'href="{decision}"' in form

    response = client.post(
        reverse("cases:meeting_past", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 9, 23)),
            "time": "3:30pm",
            "method": "in_person",
            "invited": [mother.pk, father_awaiting.pk],
            "attended": [father_awaiting.pk],
            "outcome": "Walking bus from Monday.",
        },
        follow=True,
    )
    # A warning, not a refusal: the meeting is saved, and counts.
    meeting = SupportMeeting.unscoped.get(case=case)
    assert list(meeting.attended.all()) == [father_awaiting]
    assert "Tom Reid is still waiting for the DSL&#x27;s decision" in response.text
    # The case page keeps saying so, with the link, until the DSL decides.
    assert f'href="{decision}"' in response.text
    pupil_page = client.get(reverse("cases:pupil_detail", args=[case.pupil_id])).text
    assert f'id="carer-{father_awaiting.pk}"' in pupil_page

    carer_correspondence_decide(
        acting_user=UserFactory(role=Role.DSL, school=case.school),
        link_id=father_awaiting.pk,
        include=True,
        reason="Dad has shared care at weekends.",
    )
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert f'href="{decision}"' not in page


def test_a_parent_the_dsl_decided_to_include_brings_no_warning(case, father_awaiting):
    carer_correspondence_decide(
        acting_user=UserFactory(role=Role.DSL, school=case.school),
        link_id=father_awaiting.pk,
        include=True,
        reason="Dad has shared care at weekends.",
    )
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:meeting_new", args=[case.pk]),
        {
            **date_fields("scheduled_on", dt.date(2025, 10, 8)),
            "time": "3:30pm",
            "method": "in_person",
            "invited": [father_awaiting.pk],
        },
        follow=True,
    )
    assert "Meeting 1 scheduled." in response.text
    assert "waiting for the DSL" not in response.text
