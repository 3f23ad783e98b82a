"""The same checks three ways (command, API, case page), scoped like every page,
and stored when they gate an action."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import Role
from accounts.services.tokens import api_token_create
from cases.services.sharing import case_share
from core.models import AuditEvent
from pathway.models import PathwayEvaluation
from pathway.services import evaluation_record

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, SchoolFactory, UserFactory
from .test_pathway_rules import (
    at,
    barrier,
    engagement,
    make_case,
    meeting,
    notice,
    offer,
    plan,
    registers,
    voice,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 3)


def token_client(user) -> Client:
    _, key = api_token_create(user=user, name="Tests", acting_user=user)
    return Client(headers={"Authorization": f"Token {key}"})


def url(case_id: int) -> str:
    return f"/api/v1/cases/{case_id}/pathway/"


@pytest.fixture
def case():
    """Ready for a Notice to Improve, with one issued: the referral has a warning."""
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with at(dt.date(2026, 2, 2)):
        for n, day in enumerate(
            [dt.date(2026, 1, 12), dt.date(2026, 1, 19), dt.date(2026, 1, 26)], 1
        ):
            meeting(case, n, held_on=day)
        voice(case, dt.date(2026, 1, 14))
        plan(
            case,
            actions_for=[barrier(case, "transport", dt.date(2026, 1, 12))],
            reviewed_on=dt.date(2026, 1, 26),
        )
        offer(case, "early_help", "declined", dt.date(2026, 1, 12))
        engagement(case, "not_engaging", dt.date(2026, 1, 29))
        notice(case, dt.date(2026, 2, 2))
    with at(DAY):
        yield case


def command_json(case_id: int) -> dict:
    out = io.StringIO()
    call_command("pathway_check", str(case_id), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_command_api_and_case_page_agree(case):
    from_command = command_json(case.pk)
    response = token_client(case.lead_professional).get(url(case.pk))
    assert response.status_code == 200
    assert response.json() == from_command
    assert from_command["case"] == case.pk
    assert from_command["notice_to_improve"]["allowed"] is True
    assert from_command["referral"]["allowed"] is False
    first = from_command["notice_to_improve"]["checks"][0]
    assert set(first) == {"key", "title", "met", "blocking", "evidence", "missing"}
    assert set(first["evidence"][0]) == {"label", "url"}

    page = signed_in_client(case.lead_professional).get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.text
    # A notice is running, so the page shows the next step only: the referral's
    # checks (the Notice to Improve's prerequisites among them), as the command.
    assert "Ready to issue a Notice to Improve" not in html
    assert "Ready to submit a referral: no" in html
    for item in from_command["referral"]["checks"]:
        assert f'data-check="{item["key"]}" data-met="{str(item["met"]).lower()}"' in html
        if item["missing"]:
            assert item["missing"] in html
    # Text, not colour alone.
    assert re.search(r"</span>Met</strong>", html)
    assert "Not met (a warning: it does not stop the referral)" in html


def test_api_on_a_date(case):
    body = token_client(case.lead_professional).get(url(case.pk), {"on": "2026-01-12"}).json()
    assert body["notice_to_improve"]["allowed"] is False
    assert token_client(case.lead_professional).get(url(case.pk), {"on": "x"}).status_code == 400


@pytest.mark.parametrize("who", ["other_school", "other_la", "missing"])
def test_a_case_outside_the_scope_is_a_404_like_a_missing_one(case, who):
    if who == "other_school":
        user = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    elif who == "other_la":
        user = UserFactory(role=Role.LA_OFFICER, la_user=True)
    else:
        user = case.lead_professional
    case_id = 999999 if who == "missing" else case.pk
    response = token_client(user).get(url(case_id))
    assert response.status_code == 404
    assert response.json() == token_client(case.lead_professional).get(url(999999)).json()


def test_la_officer_of_the_schools_la_may_see_a_case_shared_with_the_la(case):
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    # Need to know: the checks quote the case file (tests/test_need_to_know.py).
    assert token_client(officer).get(url(case.pk)).status_code == 404
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM")
    assert token_client(officer).get(url(case.pk)).status_code == 200


def test_no_token_is_401(case):
    assert Client().get(url(case.pk)).status_code == 401


def test_command_unknown_case():
    with pytest.raises(CommandError, match="No case with id 999999"):
        call_command("pathway_check", "999999", "--json")


def test_command_summary(case):
    out = io.StringIO()
    call_command("pathway_check", str(case.pk), stdout=out)
    text = out.getvalue()
    assert "Notice to Improve: allowed" in text
    assert (
        "[WARNING] The referral is made within 15 school days of telling the parents that a "
        "referral will be made"
    ) in text


def test_evaluation_record_stores_what_the_school_saw(case):
    stored = evaluation_record(
        acting_user=case.lead_professional,
        case_id=case.pk,
        rule_set="referral",
        early_referral_reason="Absent every Monday and Friday since the notice",
    )
    assert stored.allowed is True
    assert stored.day == DAY
    assert stored.evaluated_by == case.lead_professional
    from_command = command_json(case.pk)["referral"]["checks"]
    assert [c["key"] for c in stored.checks] == [c["key"] for c in from_command]
    assert stored.checks[:6] == from_command[:6]
    heeded = next(c for c in stored.checks if c["key"] == "notice_not_heeded")
    assert heeded["evidence"][-1]["label"] == (
        "Reason recorded: Absent every Monday and Friday since the notice"
    )
    assert list(PathwayEvaluation.objects.for_user(case.lead_professional)) == [stored]
    outsider = UserFactory(school=SchoolFactory())
    assert not PathwayEvaluation.objects.for_user(outsider).exists()
    assert AuditEvent.objects.filter(target_type="pathway.PathwayEvaluation").count() == 1


def test_evaluation_record_is_scoped(case):
    from django.http import Http404

    with pytest.raises(Http404):
        evaluation_record(
            acting_user=UserFactory(school=SchoolFactory()),
            case_id=case.pk,
            rule_set="notice_to_improve",
        )


def test_the_case_page_query_count_does_not_grow_with_the_case(case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(case.lead_professional)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/cases/{case.pk}/")
        return len(queries)

    before = count()
    meeting(case, 4, held_on=dt.date(2026, 2, 23))
    voice(case, dt.date(2026, 2, 24))
    offer(case, "camhs", "not_engaged", dt.date(2026, 2, 2))
    engagement(case, "partly", dt.date(2026, 2, 27))
    assert count() == before


def test_a_new_case_still_shows_the_panel():
    with at(DAY):
        fresh = AttendanceCaseFactory()
        html = signed_in_client(fresh.lead_professional).get(f"/cases/{fresh.pk}/").text
    assert "Ready to issue a Notice to Improve: no" in html
    assert "No Wishes and Feelings record yet" in html
