"""The pupil's voice (Wishes and Feelings): recorded in their own words, shown
first on the case, changed only from an up-to-date copy."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import Role
from cases.models import WishesAndFeelings
from cases.services.casework import CaseClosed, StaleEdit
from cases.services.voice import voice_record, voice_update
from core.models import AuditEvent

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def autumn_term(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser's session cookie follows the real clock
        return
    with time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def case():
    return AttendanceCaseFactory()


def words(response: Any) -> str:
    """The page's text as a reader sees it (apostrophes unescaped)."""
    return html.unescape(response.content.decode())


def form_data(case: Any, **answers: Any) -> dict[str, str]:
    data = {
        "gathered_on_0": "30",
        "gathered_on_1": "9",
        "gathered_on_2": "2025",
        "gathered_by": str(case.lead_professional.pk),
        "relationship": "Form tutor",
        "setting": "The quiet room at break time",
        "why_hard": "Mondays feel really big after the weekend.",
        "what_would_help": "Coming in through the side gate with my friend.",
        "worries_at_school": "PE changing rooms",
        "worries_at_home": "",
        "going_well": "Art club",
        "patterns_discussed": "Monday mornings",
        "scale_name": "How I feel about school, 1 to 10",
        "scale_score": "4",
    }
    data.update({key: str(value) for key, value in answers.items()})
    return data


def record(case: Any, **fields: Any) -> WishesAndFeelings:
    values: dict[str, Any] = {
        "gathered_on": dt.date(2025, 9, 30),
        "gathered_by": case.lead_professional,
        "relationship": "Form tutor",
        "setting": "Quiet room",
        "why_hard": "Mondays are hard.",
        "what_would_help": "A soft start.",
    }
    values.update(fields)
    return voice_record(acting_user=case.lead_professional, case_id=case.pk, **values)


def test_the_pupils_voice_is_recorded_and_shown_first_on_the_case(case):
    client = signed_in_client(case.lead_professional)

    response = client.post(reverse("cases:voice_new", args=[case.pk]), form_data(case), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    page = words(response)
    assert "The pupil's voice is recorded." in page
    voice = WishesAndFeelings.unscoped.get(case=case)
    assert (voice.created_by, voice.gathered_by) == (case.lead_professional, case.lead_professional)
    # First on the case: before the contacts and everything else.
    assert page.index("The pupil's voice</h2>") < page.index("Contacts with the family</h2>")
    assert "“Mondays feel really big after the weekend.”" in page
    assert "“Coming in through the side gate with my friend.”" in page
    assert "How I feel about school, 1 to 10: 4" in page
    assert "The pupil's voice is recorded" in page  # the status under "What needs doing"
    assert AuditEvent.objects.filter(
        target_type="cases.WishesAndFeelings", target_id=str(voice.pk), action="create"
    ).exists()


def test_the_latest_is_shown_in_full_and_earlier_ones_folded_away(case):
    record(case, gathered_on=dt.date(2025, 9, 16), why_hard="Older words.")
    record(case, gathered_on=dt.date(2025, 9, 29), why_hard="Latest words.")
    page = words(
        signed_in_client(case.lead_professional).get(reverse("cases:case_detail", args=[case.pk]))
    )
    details = page.index('<details class="govuk-details">')
    assert page.index("“Latest words.”") < details < page.index("Older words.")
    assert "Earlier Wishes and Feelings (1)" in page


def test_another_member_of_staff_can_be_the_trusted_adult(case):
    teacher = UserFactory(role=Role.SCHOOL_STAFF, school=case.school, full_name="Sam Teacher")
    client = signed_in_client(case.lead_professional)
    form = client.get(reverse("cases:voice_new", args=[case.pk]))
    assert "Sam Teacher" in form.text
    client.post(reverse("cases:voice_new", args=[case.pk]), form_data(case, gathered_by=teacher.pk))
    assert WishesAndFeelings.unscoped.get().gathered_by == teacher


def test_staff_of_another_school_cannot_be_named(case):
    stranger = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:voice_new", args=[case.pk]), form_data(case, gathered_by=stranger.pk)
    )
    assert "Select a valid choice" in response.text
    with pytest.raises(ValidationError, match="Select a member of staff"):
        record(case, gathered_by=stranger)
    assert not WishesAndFeelings.unscoped.exists()


def test_the_patterns_hint_links_to_the_pupils_attendance(case):
    form = signed_in_client(case.lead_professional).get(reverse("cases:voice_new", args=[case.pk]))
    page = words(form)
    assert "For example, Fridays, or Monday mornings: see" in page
    assert reverse("attendance:pupil_attendance", args=[case.pupil.pk]) in page


def test_the_form_explains_each_missing_answer(case):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:voice_new", args=[case.pk]), {"gathered_by": case.lead_professional.pk}
    )
    page = words(response)
    for message in (
        "Enter the date of the conversation",
        "Enter their relationship to the pupil",
        "Enter where the conversation took place",
        "Enter why it is hard to come to school, in the pupil's words",
        "Enter what would help, in the pupil's words",
    ):
        assert message in page


def test_a_change_is_saved_with_a_new_version_and_audited(case):
    voice = record(case)
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:voice_change", args=[case.pk, voice.pk])
    assert 'name="version" value="1"' in client.get(url).text

    client.post(url, form_data(case, version=1, why_hard="Mondays, and the bus."))

    voice.refresh_from_db()
    assert (voice.why_hard, voice.version) == ("Mondays, and the bus.", 2)
    audit = AuditEvent.objects.get(target_id=str(voice.pk), action="update")
    assert audit.changes["why_hard"] == ["Mondays are hard.", "Mondays, and the bus."]


def test_a_stale_edit_is_refused_with_the_message_keeping_the_users_words(case):
    voice = record(case)
    dsl = UserFactory(role=Role.DSL, school=case.school)
    # The DSL saves a change after the lead opened the form at version 1.
    voice_update(
        acting_user=dsl,
        voice_id=voice.pk,
        version=1,
        **{**form_fields(voice), "what_would_help": "The DSL's change."},
    )
    client = signed_in_client(case.lead_professional)

    response = client.post(
        reverse("cases:voice_change", args=[case.pk, voice.pk]),
        form_data(case, version=1, why_hard="The lead's words."),
    )

    page = words(response)
    assert response.status_code == 200
    assert "Someone else changed this record after you opened it" in page
    assert "The lead's words." in page  # kept in the form
    assert "The DSL's change." in page  # the record as it is now
    assert 'name="version" value="2"' in page
    voice.refresh_from_db()
    assert (voice.why_hard, voice.what_would_help, voice.version) == (
        "Mondays are hard.",
        "The DSL's change.",
        2,
    )


def form_fields(voice: WishesAndFeelings) -> dict[str, Any]:
    names = (
        "gathered_on",
        "gathered_by",
        "relationship",
        "setting",
        "why_hard",
        "what_would_help",
    )
    return {name: getattr(voice, name) for name in names}


def test_the_service_refuses_a_stale_version(case):
    voice = record(case)
    record_fields = form_fields(voice)
    voice_update(acting_user=case.lead_professional, voice_id=voice.pk, version=1, **record_fields)
    with pytest.raises(StaleEdit):
        voice_update(
            acting_user=case.lead_professional,
            voice_id=voice.pk,
            version=1,
            **{**record_fields, "why_hard": "Lost"},
        )
    voice.refresh_from_db()
    assert voice.why_hard == "Mondays are hard."


def test_discouraged_words_are_saved_with_a_gentle_warning(case):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:voice_new", args=[case.pk]),
        form_data(case, worries_at_home="Dad calls it school phobia."),
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    assert WishesAndFeelings.unscoped.get().worries_at_home == "Dad calls it school phobia."


def test_the_services_refuse_outsiders_read_only_staff_and_closed_cases(case):
    voice = record(case)
    outsider = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    fields = form_fields(voice)
    for user, error in ((outsider, Http404), (staff, PermissionDenied)):
        with pytest.raises(error):
            voice_record(acting_user=user, case_id=case.pk, **fields)
        with pytest.raises(error):
            voice_update(acting_user=user, voice_id=voice.pk, version=1, **fields)

    closed = AttendanceCaseFactory(closed=True)
    with pytest.raises(CaseClosed, match="closed on 1 December 2025"):
        voice_record(
            acting_user=closed.lead_professional,
            case_id=closed.pk,
            **{**fields, "gathered_by": closed.lead_professional},
        )


def test_a_closed_case_says_why_on_the_form_and_on_posting(case):
    voice = record(case)
    client = signed_in_client(case.lead_professional)
    case.status, case.stage, case.closing_reason = "closed", "closed", "improved"
    case.closed_at = dt.datetime(2025, 9, 30, 12, 0, tzinfo=LONDON)
    case.save()

    for url in (
        reverse("cases:voice_new", args=[case.pk]),
        reverse("cases:voice_change", args=[case.pk, voice.pk]),
    ):
        assert "This case is closed" in words(client.get(url, follow=True))
        posted = words(client.post(url, form_data(case, version=1)))
        assert "This case was closed on 30 September 2025, so it cannot be changed." in posted
    assert WishesAndFeelings.unscoped.count() == 1


browser = browser_helpers.browser
page = browser_helpers.page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pupils_voice_in_the_browser(live_server, page, axe_source):
    school = SchoolFactory()
    lead = UserFactory(school=school, email="lead@school.example.org", full_name="Priya Shah")
    UserFactory(role=Role.SCHOOL_STAFF, school=school, full_name="Sam Teacher")
    pupil = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    case = AttendanceCaseFactory(school=school, pupil=pupil, lead_professional=lead)
    record(case, gathered_on=dt.date(2025, 9, 16), why_hard="I don't like the noise at lunch.")
    sign_in(page, live_server.url, "lead@school.example.org")
    page.goto(live_server.url + reverse("cases:case_detail", args=[case.pk]))
    page.get_by_role("link", name="Record the pupil's voice").click()
    assert page.get_by_role("heading", name="Record the pupil's voice").is_visible()
    assert axe_violations(page, axe_source) == []

    page.get_by_label("Who talked with the pupil?").select_option(label="Sam Teacher")
    page.get_by_label("Their relationship to the pupil").fill("Art teacher, who she trusts")
    page.get_by_label("Where the conversation took place").fill("The art room after school")
    page.get_by_label("Why it is hard to come to school, in the pupil's words").fill(
        "Mondays feel really big after the weekend."
    )
    page.get_by_label("What would help, in the pupil's words").fill(
        "Coming in through the side gate with my friend."
    )
    page.get_by_label("Scale used (optional)").fill("How I feel about school, 1 to 10")
    page.get_by_label("Score on the scale (optional)").fill("4")
    screenshot(page, "voice_form")
    page.get_by_role("button", name="Save the pupil's voice").click()

    page.wait_for_url(live_server.url + reverse("cases:case_detail", args=[case.pk]))
    voice = page.get_by_role("region", name="The pupil's voice")
    assert voice.get_by_text("“Mondays feel really big after the weekend.”").is_visible()
    assert voice.get_by_text("Sam Teacher, Art teacher, who she trusts").is_visible()
    assert not voice.get_by_text("I don't like the noise at lunch.").is_visible()  # folded away
    voice.get_by_text("Earlier Wishes and Feelings (1)").click()
    assert voice.get_by_text("I don't like the noise at lunch.").is_visible()
    screenshot(page, "case_page_with_voice")
    assert axe_violations(page, axe_source) == []
