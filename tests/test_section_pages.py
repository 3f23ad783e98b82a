"""The one way a case-file form page behaves (cases/views/section.py), as the
user sees it on every section: opening a form of a closed case goes back to the
case page saying why; a case closed while a form was open refuses the save on
the form and keeps what was typed."""

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from cases.models import (
    AttendanceCase,
    Barrier,
    SupportMeeting,
)

from .case_records import case_file_records
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory

pytestmark = pytest.mark.django_db

CLOSED_AT = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
SERVICE_WORDS = "This case was closed on 1 October 2025, so it cannot be changed."

# Every form page about a case that must be open, with the words it says when
# the case is closed: the service's, unless the page has its own.
FORM_PAGES = {
    "cases:contact_new": "This case is closed, so no more contacts can be logged on it.",
    "cases:meeting_new": SERVICE_WORDS,
    "cases:meeting_past": SERVICE_WORDS,
    "cases:meeting_change": SERVICE_WORDS,
    "cases:meeting_held": SERVICE_WORDS,
    "cases:meeting_cancel": SERVICE_WORDS,
    "cases:voice_new": "This case is closed, so the pupil's voice cannot be added to it.",
    "cases:voice_change": "This case is closed, so its records cannot be changed.",
    "cases:barrier_new": SERVICE_WORDS,
    "cases:barrier_change": SERVICE_WORDS,
    "cases:adjustment_new": SERVICE_WORDS,
    "cases:offer_new": SERVICE_WORDS,
    "cases:offer_outcome": SERVICE_WORDS,
    "cases:offer_follow_up": SERVICE_WORDS,
    "cases:engagement_new": SERVICE_WORDS,
    "cases:plan_new": SERVICE_WORDS,
    "cases:plan_change": SERVICE_WORDS,
    "cases:action_new": SERVICE_WORDS,
    "cases:action_change": SERVICE_WORDS,
    "cases:action_end": SERVICE_WORDS,
    "cases:review_new": SERVICE_WORDS,
    "cases:timetable_new": SERVICE_WORDS,
    "cases:timetable_review": SERVICE_WORDS,
    "cases:timetable_end": SERVICE_WORDS,
    "notices:notice_new": SERVICE_WORDS,
    "notices:referral_submit": SERVICE_WORDS,
}

# The record a page is about, after the case, in its URL.
RECORD_ARGUMENT = {
    "cases:meeting_change": "meeting_id",
    "cases:meeting_held": "meeting_id",
    "cases:meeting_cancel": "meeting_id",
    "cases:voice_change": "voice_id",
    "cases:barrier_change": "barrier_id",
    "cases:offer_outcome": "offer_id",
    "cases:offer_follow_up": "offer_id",
    "cases:action_new": "barrier_id",
    "cases:action_change": "action_id",
    "cases:action_end": "action_id",
}


@pytest.fixture(autouse=True)
def autumn_term():
    with time_machine.travel(dt.datetime(2025, 10, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def records():
    """A case with one record of every kind its form pages are about."""
    case = AttendanceCaseFactory(lead_professional__role=Role.ATTENDANCE_LEAD)
    return case, case_file_records(case)


def close(case: AttendanceCase) -> None:
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status="closed", stage="closed", closing_reason="improved", closed_at=CLOSED_AT
    )


def url_of(name: str, ids: dict[str, int]) -> str:
    if name in ("cases:timetable_review", "cases:timetable_end"):
        return reverse(name, args=[ids["timetable_id"]])
    record = RECORD_ARGUMENT.get(name)
    return reverse(name, args=[ids["case_id"], *([ids[record]] if record else [])])


@pytest.mark.parametrize("name", FORM_PAGES)
def test_opening_a_form_of_a_closed_case_goes_back_to_the_case_saying_why(records, name):
    case, ids = records
    close(case)
    response = signed_in_client(case.lead_professional).get(url_of(name, ids), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    assert FORM_PAGES[name] in html.unescape(response.text)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        (
            "cases:barrier_new",
            {
                "kind": "transport",
                "factor": "push",
                "description": "The 8:05 bus was withdrawn in September.",
                "identified_on_0": "16",
                "identified_on_1": "9",
                "identified_on_2": "2025",
            },
        ),
        (
            "cases:meeting_cancel",
            {"version": "1", "reason": "Mum asked to move it to next week."},
        ),
    ],
)
def test_a_case_closed_while_the_form_was_open_refuses_on_the_form_keeping_what_was_typed(
    records, name, typed
):
    case, ids = records
    client = signed_in_client(case.lead_professional)
    url = url_of(name, ids)
    assert client.get(url).status_code == 200
    close(case)
    before = (Barrier.unscoped.count(), SupportMeeting.unscoped.filter(cancelled=True).count())

    response = client.post(url, typed)

    assert response.status_code == 200
    assert SERVICE_WORDS in response.text
    assert typed.get("description", typed.get("reason")) in response.text
    assert (
        Barrier.unscoped.count(),
        SupportMeeting.unscoped.filter(cancelled=True).count(),
    ) == before
