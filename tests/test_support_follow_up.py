"""A support offer closed as "no response" (rule A4, docs/rules.md "Support
exhausted"): it counts as not engaged only once a further attempt by another
method or by another member of staff is recorded, and the LA's number of school
days (`PathwaySettings.no_response_wait_school_days`, 10 by default) has passed
since it. Until then the pathway panel says what to do.

Source: Support First approach: legal intervention "only once all avenues of
support have been exhausted and parents are not engaging"; a single letter
that went unanswered is not an avenue exhausted. The wait is the LA's setting.

The worked example, used throughout: spring 2 term 23 February to 27 March 2026
with an INSET day on Monday 16 March. Support offered by letter on 2 March by
staff A (the lead); no response, recorded 9 March; follow-up by phone on Tuesday
10 March by staff B. Ten school days after 10 March, by hand: 11, 12, 13,
[16 INSET], 17, 18, 19, 20, 23, 24, 25: the 10th is Wednesday 25 March 2026.
So the no response counts as not engaged from 25 March, not on 24 March.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_after, school_days_refresh
from cases.models import AttendanceCase, OfferFollowUp, SupportOffer
from cases.services.support import (
    offer_create,
    offer_follow_up_create,
    offer_outcome_record,
    offer_standings,
    support_exhausted,
)
from core.models import AuditEvent
from pathway.models import PathwaySettings
from pathway.rules import evaluate

from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    OfferFollowUpFactory,
    SupportOfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OFFERED = dt.date(2026, 3, 2)
NO_RESPONSE_RECORDED = dt.date(2026, 3, 9)
FOLLOW_UP = dt.date(2026, 3, 10)  # a Tuesday
INSET = dt.date(2026, 3, 16)  # a Monday
COUNTS_FROM = dt.date(2026, 3, 25)  # the 10th school day after 10 March
WAIT = 10


@pytest.fixture(autouse=True)
def end_of_term():
    """Everything is recorded by the end of term; each check names its own day."""
    with time_machine.travel(dt.datetime(2026, 3, 27, 16, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case() -> AttendanceCase:
    case = AttendanceCaseFactory(opened_at=dt.datetime(2026, 2, 23, 9, tzinfo=dt.UTC))
    SchoolTerm.unscoped.create(
        school=case.school, name="Spring 2", start=dt.date(2026, 2, 23), end=dt.date(2026, 3, 27)
    )
    SchoolClosure.unscoped.create(school=case.school, date=INSET, kind=SchoolClosure.Kind.INSET)
    school_days_refresh(pairs={(case.school_id, 2025)})
    return case


@pytest.fixture
def staff_a(case):
    return case.lead_professional


@pytest.fixture
def staff_b(case):
    return UserFactory(role=Role.DSL, school=case.school, full_name="Bea Khan")


@pytest.fixture
def no_response(case, staff_a) -> SupportOffer:
    """Offered by letter by staff A; no response."""
    offer = offer_create(
        acting_user=staff_a,
        case_id=case.pk,
        what="A place at breakfast club",
        provider=SupportOffer.Provider.SCHOOL,
        offered_on=OFFERED,
        method=SupportOffer.Method.LETTER,
    )
    return offer_outcome_record(
        acting_user=staff_a,
        case_id=case.pk,
        offer_id=offer.pk,
        version=offer.version,
        outcome=SupportOffer.Outcome.NO_RESPONSE,
        outcome_on=NO_RESPONSE_RECORDED,
    )


def follow_up(case, offer, *, by, method="phone", on=FOLLOW_UP) -> OfferFollowUp:
    return offer_follow_up_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        offer_id=offer.pk,
        followed_up_on=on,
        method=method,
        made_by_id=by.pk,
    )


def offers(case):
    return list(SupportOffer.unscoped.filter(case=case).prefetch_related("follow_ups"))


def exhausted(case, day: dt.date, wait: int = WAIT) -> bool:
    return support_exhausted(offers(case), day=day, wait_school_days=wait, school_id=case.school_id)


def rule(case, day: dt.date):
    case = AttendanceCase.unscoped.select_related("pupil", "school").get(pk=case.pk)
    found = evaluate(case, rule_set="notice_to_improve", day=day)
    return next(c for c in found.checks if c.key == "support_exhausted")


# The worked example ------------------------------------------------------------------


def test_the_school_calendar_makes_25_march_the_10th_school_day_after_10_march(case):
    # Counted by hand in the module docstring; the INSET day on 16 March is skipped.
    assert school_days_after(school_id=case.school_id, day=FOLLOW_UP, count=WAIT) == COUNTS_FROM


def test_no_response_counts_as_not_engaged_from_the_10th_school_day_after_the_follow_up(
    case, no_response, staff_b
):
    """Letter by A, no response; phone by B on 10 March; INSET on 16 March:
    not engaged from Wednesday 25 March 2026, and not on Tuesday 24 March."""
    follow_up(case, no_response, by=staff_b)

    assert exhausted(case, COUNTS_FROM - dt.timedelta(days=1)) is False
    assert exhausted(case, COUNTS_FROM) is True
    [standing] = offer_standings(
        offers(case), day=COUNTS_FROM, wait_school_days=WAIT, school_id=case.school_id
    )
    assert standing.not_engaged_from == COUNTS_FROM

    waiting = rule(case, dt.date(2026, 3, 24))
    assert not waiting.met
    assert waiting.missing == (
        "1 of 1 support offers is still open: School (no response): wait for a response to "
        "the follow-up of 10 March 2026: counts as not engaged from 25 March 2026"
    )
    met = rule(case, COUNTS_FROM)
    assert met.met
    assert [e.label for e in met.evidence] == [
        "School: no response, counts as not engaged from 25 March 2026"
    ]


def test_before_any_follow_up_the_panel_says_a_follow_up_is_needed(case, no_response, staff_a):
    check = rule(case, dt.date(2026, 3, 27))
    assert not check.met
    assert check.missing == (
        "1 of 1 support offers is still open: School (no response): follow-up needed: make a "
        "further attempt by another method or by another member of staff (offered by letter, "
        f"by {staff_a.full_name}), and record it"
    )
    assert exhausted(case, dt.date(2026, 3, 27)) is False


def test_a_follow_up_by_the_same_method_and_the_same_person_does_not_count(
    case, no_response, staff_a
):
    """A second letter from A is not a new chance to respond: still follow-up needed
    at the end of term, well past 10 school days."""
    follow_up(case, no_response, by=staff_a, method="letter")

    [standing] = offer_standings(
        offers(case), day=dt.date(2026, 3, 27), wait_school_days=WAIT, school_id=case.school_id
    )
    assert standing.follow_up_needed
    assert standing.not_engaged_from is None
    assert exhausted(case, dt.date(2026, 3, 27)) is False


@pytest.mark.parametrize(
    ("method", "by_b"),
    [("phone", False), ("letter", True), ("home_visit", True)],
    ids=["another method, same person", "same method, another person", "both differ"],
)
def test_another_method_or_another_member_of_staff_counts(
    case, no_response, staff_a, staff_b, method, by_b
):
    follow_up(case, no_response, by=staff_b if by_b else staff_a, method=method)
    assert exhausted(case, COUNTS_FROM) is True
    assert exhausted(case, COUNTS_FROM - dt.timedelta(days=1)) is False


def test_the_wait_is_the_las_setting(case, no_response, staff_b):
    """With a wait of 3 school days, 10 March's follow-up counts from Friday 13 March."""
    PathwaySettings.objects.create(
        local_authority=case.school.local_authority, no_response_wait_school_days=3
    )
    follow_up(case, no_response, by=staff_b)
    assert not rule(case, dt.date(2026, 3, 12)).met
    assert rule(case, dt.date(2026, 3, 13)).met


# Only what had happened by the day judged ----------------------------------------------


def test_a_follow_up_after_the_day_judged_does_not_count(case, no_response, staff_b):
    follow_up(case, no_response, by=staff_b)
    [standing] = offer_standings(
        offers(case), day=dt.date(2026, 3, 9), wait_school_days=WAIT, school_id=case.school_id
    )
    assert standing.follow_up_needed


def test_an_offer_made_after_the_day_judged_does_not_count(case, staff_a):
    """An offer dated 10 March, declined the same day, is nothing on 4 March."""
    SupportOfferFactory(
        case=case, offered_on=dt.date(2026, 3, 10), outcome="declined", outcome_on=FOLLOW_UP
    )
    check = rule(case, dt.date(2026, 3, 4))
    assert (check.met, check.missing) == (False, "No support has been offered yet")
    assert rule(case, dt.date(2026, 3, 10)).met


def test_an_outcome_recorded_after_the_day_judged_was_not_known_then(case):
    """Declined on 20 March: on 15 March the offer was still waiting for an answer."""
    SupportOfferFactory(case=case, outcome="declined", outcome_on=dt.date(2026, 3, 20))
    assert exhausted(case, dt.date(2026, 3, 15)) is False
    assert "School (waiting for a response)" in rule(case, dt.date(2026, 3, 15)).missing
    assert exhausted(case, dt.date(2026, 3, 20)) is True


# Recording a follow-up -------------------------------------------------------------------


def test_a_follow_up_is_recorded_on_the_case_audited_and_in_the_chronology(
    case, no_response, staff_a, staff_b
):
    client = signed_in_client(staff_a)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert "Follow-up needed: make a further attempt by another method" in page

    form = client.get(reverse("cases:offer_follow_up", args=[case.pk, no_response.pk]))
    assert "counts as not engaged 10 school days after a follow-up" in form.text
    response = client.post(
        reverse("cases:offer_follow_up", args=[case.pk, no_response.pk]),
        {
            "followed_up_on_0": "10",
            "followed_up_on_1": "3",
            "followed_up_on_2": "2026",
            "method": "phone",
            "made_by": staff_b.pk,
            "note": "Spoke to mum, who will think about it.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"#offer-{no_response.pk}")
    saved = OfferFollowUp.unscoped.get(offer=no_response)
    assert (saved.followed_up_on, saved.method, saved.made_by) == (FOLLOW_UP, "phone", staff_b)
    assert AuditEvent.objects.filter(
        target_type="cases.OfferFollowUp", target_id=str(saved.pk), actor=staff_a
    ).exists()
    # Seen at the end of term, past 25 March.
    assert "Counts as not engaged from 25 March 2026" in response.text

    chronology = client.get(reverse("cases:chronology", args=[case.pk])).text
    assert "Follow-up of support offered by School: phone call" in chronology
    assert "Bea Khan" in chronology


def test_the_same_method_and_person_is_kept_but_the_writer_is_told_it_does_not_count(
    case, no_response, staff_a
):
    response = signed_in_client(staff_a).post(
        reverse("cases:offer_follow_up", args=[case.pk, no_response.pk]),
        {
            "followed_up_on_0": "10",
            "followed_up_on_1": "3",
            "followed_up_on_2": "2026",
            "method": "letter",
            "made_by": staff_a.pk,
        },
        follow=True,
    )
    assert OfferFollowUp.unscoped.filter(offer=no_response).count() == 1
    assert "does not count as not engaged yet" in response.text


def test_a_follow_up_cannot_come_before_the_offer_or_after_today(case, no_response, staff_b):
    with pytest.raises(ValidationError) as before:
        follow_up(case, no_response, by=staff_b, on=dt.date(2026, 3, 1))
    assert "on or after the date the support was offered, 2 March 2026" in str(before.value)
    with pytest.raises(ValidationError, match="today or in the past"):
        follow_up(case, no_response, by=staff_b, on=dt.date(2026, 3, 30))
    assert not OfferFollowUp.unscoped.exists()


def test_staff_of_another_school_cannot_be_named(case, no_response):
    with pytest.raises(ValidationError, match="Select a member of staff at this school"):
        follow_up(case, no_response, by=UserFactory())


def test_a_follow_up_of_another_cases_offer_is_missing(case, staff_a):
    from django.http import Http404

    other = OfferFollowUpFactory().offer
    with pytest.raises(Http404):
        follow_up(case, other, by=staff_a)


def test_the_outcome_form_says_what_no_response_needs(case, no_response, staff_a):
    page = signed_in_client(staff_a).get(
        reverse("cases:offer_outcome", args=[case.pk, no_response.pk])
    )
    assert "make a further attempt by another method" in page.text
    assert "10 school days after that follow-up" in page.text
