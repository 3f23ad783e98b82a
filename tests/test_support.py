"""Barriers, reasonable adjustments, support offered and its outcomes, the
parents' engagement, whether support is exhausted (rule A4), and who may."""

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
from cases.models import Barrier, EngagementAssessment, ReasonableAdjustment, SupportOffer
from cases.services.casework import CaseClosed, StaleEdit
from cases.services.sharing import case_share
from cases.services.support import (
    adjustment_create,
    barrier_create,
    barrier_update,
    engagement_assessment_create,
    offer_create,
    offer_outcome_record,
    support_exhausted,
)
from core.models import AuditEvent

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, LocalAuthorityFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)
Outcome = SupportOffer.Outcome


@pytest.fixture(autouse=True)
def autumn_term():
    with time_machine.travel(dt.datetime(2025, 10, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def case():
    return AttendanceCaseFactory()


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def add_barrier(case, **fields) -> Barrier:
    return barrier_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        **{
            "kind": Barrier.Kind.TRANSPORT,
            "factor": Barrier.Factor.PUSH,
            "description": "The 8:05 bus was withdrawn in September.",
            "identified_on": dt.date(2025, 9, 16),
            **fields,
        },
    )


def add_offer(case, **fields) -> SupportOffer:
    return offer_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        **{
            "what": "Walking bus from the estate",
            "provider": SupportOffer.Provider.SCHOOL,
            "offered_on": dt.date(2025, 9, 17),
            "method": SupportOffer.Method.LETTER,
            **fields,
        },
    )


def case_page(case, user=None) -> str:
    response = signed_in_client(user or case.lead_professional).get(
        reverse("cases:case_detail", args=[case.pk])
    )
    assert response.status_code == 200
    return response.text


# Through the forms, onto the case page ---------------------------------------------


def test_barriers_adjustments_offers_and_engagement_appear_on_the_case_page(case):
    client = signed_in_client(case.lead_professional)

    response = client.post(
        reverse("cases:barrier_new", args=[case.pk]),
        {
            "kind": "transport",
            "factor": "push",
            "description": "The 8:05 bus was withdrawn in September.",
            "risk_factors": "Mum works early shifts.",
            "resilience_factors": "Good relationship with Head of Year.",
            **date_fields("identified_on", dt.date(2025, 9, 16)),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response.url.endswith("#support")
    barrier = Barrier.unscoped.get(case=case)

    response = client.post(
        reverse("cases:adjustment_new", args=[case.pk]),
        {
            "description": "Walking bus from the estate",
            "barrier": barrier.pk,
            **date_fields("made_on", dt.date(2025, 9, 18)),
        },
    )
    assert response.status_code == 302, response.context["form"].errors

    response = client.post(
        reverse("cases:offer_new", args=[case.pk]),
        {
            "what": "Early Help assessment",
            "provider": "early_help",
            "provider_detail": "Jo Bloggs, family support worker",
            "barrier": barrier.pk,
            "outcome": "awaiting",
            "method": "phone",
            "made_by": case.lead_professional.pk,
            **date_fields("offered_on", dt.date(2025, 9, 19)),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    offer = SupportOffer.unscoped.get(case=case)

    response = client.post(
        reverse("cases:offer_outcome", args=[case.pk, offer.pk]),
        {
            "version": offer.version,
            "outcome": "declined",
            "outcome_note": "Dad said they do not need it.",
            **date_fields("outcome_on", dt.date(2025, 9, 26)),
        },
    )
    assert response.status_code == 302, response.context["form"].errors

    for day, level, reason in [
        (dt.date(2025, 9, 20), "partly", "Came to one meeting of two."),
        (dt.date(2025, 9, 30), "not_engaging", "Declined Early Help; no reply to two calls."),
    ]:
        response = client.post(
            reverse("cases:engagement_new", args=[case.pk]),
            {"level": level, "reason": reason, **date_fields("assessed_on", day)},
        )
        assert response.status_code == 302, response.context["form"].errors

    page = case_page(case)

    assert "Barriers and support" in page
    assert "The 8:05 bus was withdrawn in September." in page
    assert ">Push</strong>" in page
    assert "Mum works early shifts." in page
    assert "Good relationship with Head of Year." in page
    assert "Walking bus from the estate" in page
    assert "Early Help: Jo Bloggs, family support worker" in page
    assert ">Declined</strong>" in page
    assert "Dad said they do not need it." in page
    assert "Support exhausted: yes" in page
    assert ">Not engaging</strong>" in page
    assert "Declined Early Help; no reply to two calls." in page
    assert "Earlier assessments (1)" in page
    assert "Came to one meeting of two." in page
    assert ReasonableAdjustment.unscoped.get(case=case).barrier == barrier


def test_a_barrier_can_be_changed_and_marked_resolved(case):
    barrier = add_barrier(case)
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:barrier_change", args=[case.pk, barrier.pk]),
        {
            "version": barrier.version,
            "kind": "transport",
            "factor": "push",
            "description": barrier.description,
            **date_fields("identified_on", barrier.identified_on),
            **date_fields("resolved_on", dt.date(2025, 9, 30)),
        },
        follow=True,
    )
    barrier.refresh_from_db()
    assert barrier.resolved_on == dt.date(2025, 9, 30)
    assert "Resolved 30 Sep 2025" in response.text
    assert AuditEvent.objects.filter(action="update", target_id=str(barrier.pk)).exists()


def test_the_adjustment_form_suggests_the_guidances_examples_for_the_cases_barriers(case):
    add_barrier(case, kind=Barrier.Kind.TRANSPORT)
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:adjustment_new", args=[case.pk])
    )
    relevant = [group.barrier for group in response.context["relevant_examples"]]
    assert relevant[0] == "Transport"
    assert "Examples from the Support First guidance" in response.text
    assert "walking bus" in response.text
    assert "For the barriers in this case" in response.text


def test_push_and_pull_are_explained_on_the_barrier_form(case):
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:barrier_new", args=[case.pk])
    )
    assert "push and pull factors" in response.text
    assert "pulling the pupil towards home" in response.text


def test_dates_are_checked_and_mistakes_explained_beside_their_field(case):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:offer_new", args=[case.pk]),
        {
            "what": "Uniform from the school's stock",
            "provider": "school",
            "outcome": "engaged",
            "method": "letter",
            "made_by": case.lead_professional.pk,
            **date_fields("offered_on", TODAY + dt.timedelta(days=2)),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "offered_on": ["The date the support was offered must be today or in the past"],
        "outcome_on": ["Enter the date of the outcome"],
    }
    assert "Uniform from the school&#x27;s stock" in response.text
    assert not SupportOffer.unscoped.filter(case=case).exists()


def test_an_engagement_assessment_needs_a_reason(case):
    with pytest.raises(ValidationError, match="Enter the reason for your assessment"):
        engagement_assessment_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            assessed_on=TODAY,
            level=EngagementAssessment.Level.ENGAGING,
            reason="  ",
        )


def test_parents_engaging_is_explained_on_the_case_page(case):
    engagement_assessment_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        assessed_on=TODAY,
        level=EngagementAssessment.Level.ENGAGING,
        reason="Came to every meeting; the walking bus is working.",
    )
    assert "when parents are engaging there should not be the need to escalate" in case_page(case)


def test_discouraged_words_are_saved_with_a_gentle_warning(case):
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:barrier_new", args=[case.pk]),
        {
            "kind": "anxiety",
            "factor": "pull",
            "description": "Described by a previous school as school phobia.",
            **date_fields("identified_on", TODAY),
        },
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    assert Barrier.unscoped.get(case=case).description.endswith("school phobia.")


# Support exhausted (rule A4) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "exhausted"),
    [
        ([], False),
        ([Outcome.AWAITING], False),
        ([Outcome.ENGAGED], False),
        ([Outcome.DECLINED, Outcome.AWAITING], False),
        ([Outcome.DECLINED, Outcome.ENGAGED], False),
        ([Outcome.NO_RESPONSE], False),
        ([Outcome.DECLINED], True),
        ([Outcome.NOT_ENGAGED], True),
        ([Outcome.INSUFFICIENT], True),
        ([Outcome.DECLINED, Outcome.NOT_ENGAGED, Outcome.INSUFFICIENT], True),
    ],
)
def test_support_is_exhausted_only_when_every_offer_is_closed_without_success(
    case, outcomes, exhausted
):
    for outcome in outcomes:
        add_offer(
            case,
            outcome=outcome,
            outcome_on=None if outcome == Outcome.AWAITING else TODAY,
        )

    assert (
        support_exhausted(
            SupportOffer.unscoped.filter(case=case).prefetch_related("follow_ups"),
            day=TODAY,
            wait_school_days=10,
            school_id=case.school_id,
        )
        is exhausted
    )
    assert f"Support exhausted: {'yes' if exhausted else 'no'}" in case_page(case)


def test_recording_the_outcome_later_can_exhaust_support(case):
    offer = add_offer(case)
    assert "Support exhausted: no" in case_page(case)
    offer_outcome_record(
        acting_user=case.lead_professional,
        case_id=case.pk,
        offer_id=offer.pk,
        version=offer.version,
        outcome=Outcome.NOT_ENGAGED,
        outcome_on=TODAY,
    )
    assert "Support exhausted: yes" in case_page(case)


def test_an_outcome_cannot_predate_the_offer_or_be_dated_while_awaiting(case):
    offer = add_offer(case)
    for outcome, outcome_on, message in [
        (Outcome.DECLINED, dt.date(2025, 9, 1), "on or after the date it was offered"),
        (Outcome.AWAITING, TODAY, "Leave the date empty while waiting for a response"),
    ]:
        with pytest.raises(ValidationError, match=message):
            offer_outcome_record(
                acting_user=case.lead_professional,
                case_id=case.pk,
                offer_id=offer.pk,
                version=offer.version,
                outcome=outcome,
                outcome_on=outcome_on,
            )


# Who may -------------------------------------------------------------------------------


def _services(case, barrier, offer):
    """Every support service, called with valid arguments."""
    return {
        "barrier_create": lambda user: barrier_create(
            acting_user=user,
            case_id=case.pk,
            kind="uniform",
            factor="push",
            description="No PE kit",
            identified_on=TODAY,
        ),
        "barrier_update": lambda user: barrier_update(
            acting_user=user,
            case_id=case.pk,
            barrier_id=barrier.pk,
            version=barrier.version,
            kind="uniform",
            factor="push",
            description="No PE kit",
            identified_on=TODAY,
        ),
        "adjustment_create": lambda user: adjustment_create(
            acting_user=user,
            case_id=case.pk,
            description="Changing somewhere private",
            made_on=TODAY,
            barrier_id=barrier.pk,
        ),
        "offer_create": lambda user: offer_create(
            acting_user=user,
            case_id=case.pk,
            what="Uniform",
            provider="school",
            offered_on=TODAY,
            method="letter",
        ),
        "offer_outcome_record": lambda user: offer_outcome_record(
            acting_user=user,
            case_id=case.pk,
            offer_id=offer.pk,
            version=offer.version,
            outcome="declined",
            outcome_on=TODAY,
        ),
        "engagement_assessment_create": lambda user: engagement_assessment_create(
            acting_user=user, case_id=case.pk, assessed_on=TODAY, level="engaging", reason="Yes"
        ),
    }


SERVICES = [
    "barrier_create",
    "barrier_update",
    "adjustment_create",
    "offer_create",
    "offer_outcome_record",
    "engagement_assessment_create",
]
MODELS = (Barrier, ReasonableAdjustment, SupportOffer, EngagementAssessment)


def _shared_with_la(case):
    """An LA officer of the case's LA, once the school has shared the case."""
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM")
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


def _everything() -> list[list[dict]]:
    return [list(model.unscoped.order_by("pk").values()) for model in MODELS]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("lead of another school", Http404),
        ("LA officer of another LA", Http404),
        ("school staff (read-only)", PermissionDenied),
        ("LA officer of the case's LA, the case not shared", Http404),
        ("LA officer of the case's LA, the case shared (read-only)", PermissionDenied),
    ],
)
def test_every_support_service_refuses_who_may_not_change_the_case(case, service, who, refusal):
    barrier, offer = add_barrier(case), add_offer(case)
    user = {
        "lead of another school": lambda: UserFactory(
            school=SchoolFactory(local_authority=case.school.local_authority)
        ),
        "LA officer of another LA": lambda: UserFactory(
            la_user=True, local_authority=LocalAuthorityFactory(code="999")
        ),
        "school staff (read-only)": lambda: UserFactory(role=Role.SCHOOL_STAFF, school=case.school),
        "LA officer of the case's LA, the case not shared": lambda: UserFactory(
            la_user=True, local_authority=case.school.local_authority
        ),
        "LA officer of the case's LA, the case shared (read-only)": lambda: _shared_with_la(case),
    }[who]()
    before = _everything()

    with pytest.raises(refusal):
        _services(case, barrier, offer)[service](user)

    assert _everything() == before


@pytest.mark.parametrize("service", SERVICES)
def test_every_support_service_refuses_a_closed_case(case, service):
    barrier, offer = add_barrier(case), add_offer(case)
    type(case).unscoped.filter(pk=case.pk).update(
        status="closed",
        stage="closed",
        closing_reason="improved",
        closed_at=dt.datetime(2025, 9, 30, 12, 0, tzinfo=dt.UTC),
    )
    before = _everything()
    with pytest.raises(CaseClosed, match="closed on 30 September 2025, so it cannot be changed"):
        _services(case, barrier, offer)[service](case.lead_professional)
    assert _everything() == before


@pytest.mark.parametrize("name", ["barrier_new", "adjustment_new", "offer_new", "engagement_new"])
def test_the_forms_refuse_read_only_staff_outsiders_and_closed_cases(case, name):
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    outsider = UserFactory(school=SchoolFactory())
    url = reverse(f"cases:{name}", args=[case.pk])
    assert signed_in_client(staff).get(url).status_code == 403
    assert signed_in_client(outsider).get(url).status_code == 404
    assert "Add a barrier" not in case_page(case, staff)

    closed = AttendanceCaseFactory(closed=True)
    response = signed_in_client(closed.lead_professional).get(
        reverse(f"cases:{name}", args=[closed.pk]), follow=True
    )
    assert "This case was closed on 1 December 2025, so it cannot be changed" in response.text


def test_a_record_of_another_case_is_not_found(case):
    # Same school, same lead: the lead may see both cases, but not mix them up.
    other = AttendanceCaseFactory(school=case.school, lead_professional=case.lead_professional)
    barrier, offer = add_barrier(other), add_offer(other)
    client = signed_in_client(case.lead_professional)

    for url in (
        reverse("cases:barrier_change", args=[case.pk, barrier.pk]),
        reverse("cases:offer_outcome", args=[case.pk, offer.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    with pytest.raises(Http404):
        offer_outcome_record(
            acting_user=case.lead_professional,
            case_id=case.pk,
            offer_id=offer.pk,
            version=offer.version,
            outcome="declined",
            outcome_on=TODAY,
        )
    # Nor can a barrier of another case be named by an adjustment or an offer.
    with pytest.raises(ValidationError, match="Select a barrier recorded in this case"):
        adjustment_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            description="Seat near the door",
            made_on=TODAY,
            barrier_id=barrier.pk,
        )
    offer.refresh_from_db()
    assert offer.outcome == Outcome.AWAITING


def test_a_stale_edit_is_refused_keeps_the_input_and_changes_nothing(case):
    offer = add_offer(case)
    opened_at_version = offer.version
    offer_outcome_record(
        acting_user=case.lead_professional,
        case_id=case.pk,
        offer_id=offer.pk,
        version=opened_at_version,
        outcome=Outcome.ENGAGED,
        outcome_on=TODAY,
    )

    response = signed_in_client(case.lead_professional).post(
        reverse("cases:offer_outcome", args=[case.pk, offer.pk]),
        {
            "version": opened_at_version,
            "outcome": "declined",
            "outcome_note": "Mum said no on the phone.",
            **date_fields("outcome_on", TODAY),
        },
    )

    assert response.status_code == 200
    assert "Someone else changed this record after you opened it" in response.text
    assert "Mum said no on the phone." in response.text
    offer.refresh_from_db()
    assert (offer.outcome, offer.version) == (Outcome.ENGAGED, opened_at_version + 1)

    barrier = add_barrier(case)
    barrier_update(
        acting_user=case.lead_professional,
        case_id=case.pk,
        barrier_id=barrier.pk,
        version=barrier.version,
        kind="transport",
        factor="push",
        description="Bus withdrawn",
        identified_on=barrier.identified_on,
    )
    with pytest.raises(StaleEdit):
        barrier_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            barrier_id=barrier.pk,
            version=barrier.version,
            kind="transport",
            factor="pull",
            description="Something else",
            identified_on=barrier.identified_on,
        )
    barrier.refresh_from_db()
    assert (barrier.description, barrier.factor) == ("Bus withdrawn", "push")


# The case page stays fast ----------------------------------------------------------------


def _case_page_queries(count: int) -> int:
    case = AttendanceCaseFactory()
    for i in range(count):
        barrier = add_barrier(case)
        adjustment_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            description=f"Adjustment {i}",
            made_on=TODAY,
            barrier_id=barrier.pk,
        )
        add_offer(case, barrier_id=barrier.pk, outcome=Outcome.DECLINED, outcome_on=TODAY)
        engagement_assessment_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            assessed_on=TODAY - dt.timedelta(days=i),
            level="not_engaging",
            reason=f"Reason {i}",
        )
    client = signed_in_client(case.lead_professional)
    client.get(reverse("cases:case_detail", args=[case.pk]))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert f"Adjustment {count - 1}" in response.text
    return len(queries)


def test_the_case_page_query_count_does_not_grow_with_barriers_and_support():
    assert _case_page_queries(1) == _case_page_queries(10)
