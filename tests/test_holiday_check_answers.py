""" "Check your answers" before the LA's steps on a holiday penalty-notice
request (docs/rules.md A5, "Holiday penalty-notice requests", and "Check your
answers"): returning, declining, accepting, and issuing a penalty notice on it.

For each: the first post writes nothing and lists what will be sent to whom;
only "Confirm" acts, once; a tampered check page is refused and nothing is
written; a second "Confirm" is stale.

The worked example of tests/test_holiday_requests.py: G from Monday 2 to
Friday 6 March 2026 (10 sessions), submitted 9 March, accepted 16 March; a
notice to the mother posted first class on Monday 16 March is received
Wednesday 18 March (£80 by 7 April, £160 by 14 April)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from cases.models import AttendanceCase
from cases.services.sharing import case_share
from core.models import AuditEvent
from notices.models import HolidayRequest, PenaltyNotice

from .check_helpers import as_post, check_page_answers
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory
from .test_holiday_requests import ACCEPTED_ON, D, at, submit, world  # noqa: F401

pytestmark = pytest.mark.django_db

STALE_TEXT = "This has changed since you checked your answers"
TAMPERED_TEXT = "Your answers could not be confirmed"


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def tamper(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(n, value if n == name else v) for n, v in pairs]


def audits(request: HolidayRequest) -> int:
    return AuditEvent.objects.filter(
        target_type="notices.HolidayRequest", target_id=str(request.pk)
    ).count()


@pytest.fixture
def submitted(world):  # noqa: F811
    return submit(world)


def test_returning_is_checked_then_confirmed_once(world, submitted):  # noqa: F811
    """The check page shows the school and the reasons it will read; the
    request stays submitted until "Confirm"."""
    client = signed_in_client(world["officer"])
    url = reverse("notices:holiday_return", args=[submitted.pk])
    with at(D(2026, 3, 10)):
        check = client.post(url, {"return-reasons": "Name the father too."})
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you return the holiday request to the school" in body
        assert f"{world['school'].name}, its attendance lead and DSL" in body
        assert "Name the father too." in body
        assert "resubmit it as version 2" in body
        assert "10 sessions from 2 March 2026 to 6 March 2026" in body
        submitted.refresh_from_db()
        assert submitted.status == HolidayRequest.Status.SUBMITTED
        assert audits(submitted) == 1  # the submission only
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "return-reasons", "Other"), confirm="1"))
        assert forged.status_code == 409
        assert TAMPERED_TEXT in text(forged)
        changed = client.post(url, as_post(pairs, change="return-reasons"))
        assert changed.status_code == 200
        assert "Name the father too." in text(changed)  # back on the form, kept
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert STALE_TEXT in text(second)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.return_reasons) == ("returned", "Name the father too.")
    assert audits(submitted) == 2


def test_returning_without_reasons_is_refused_before_the_check_page(world, submitted):  # noqa: F811
    client = signed_in_client(world["officer"])
    with at(D(2026, 3, 10)):
        response = client.post(
            reverse("notices:holiday_return", args=[submitted.pk]), {"return-reasons": " "}
        )
    assert response.status_code == 400
    assert "Enter what the school needs to correct" in text(response)
    assert b"data-check-answers" not in response.content


def test_declining_is_checked_then_confirmed_once(world, submitted):  # noqa: F811
    client = signed_in_client(world["officer"])
    url = reverse("notices:holiday_decline", args=[submitted.pk])
    with at(D(2026, 3, 10)):
        check = client.post(url, {"decline-reasons": "Exceptional: a funeral abroad."})
        body = text(check)
        assert "Check your answers before you decline the holiday request" in body
        assert "Exceptional: a funeral abroad." in body
        assert "the request is final" in body
        submitted.refresh_from_db()
        assert submitted.status == HolidayRequest.Status.SUBMITTED
        pairs = check_page_answers(check)
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert (first.status_code, second.status_code) == (302, 409)
    submitted.refresh_from_db()
    assert submitted.status == HolidayRequest.Status.DECLINED
    assert audits(submitted) == 2


def test_accepting_is_checked_then_confirmed_once_and_says_a_case_will_open(world, submitted):  # noqa: F811
    """With no open case, the check page says a case will be opened at
    "Referred for legal intervention", led by the lead who submitted; the dry
    run opens none."""
    client = signed_in_client(world["officer"])
    url = reverse("notices:holiday_accept", args=[submitted.pk])
    with at(ACCEPTED_ON):
        check = client.post(url)
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you accept the holiday request" in body
        assert 'A new case, at the stage "Referred for legal intervention"' in body
        assert f"led by {world['lead']}" in body
        assert str(world["mother"].carer) in body
        assert not AttendanceCase.unscoped.exists()
        submitted.refresh_from_db()
        assert submitted.status == HolidayRequest.Status.SUBMITTED
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "check_token", "x"), confirm="1"))
        assert forged.status_code == 302
        assert not AttendanceCase.unscoped.exists()
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"), follow=True)
    assert first.status_code == 302
    assert STALE_TEXT in text(second)
    submitted.refresh_from_db()
    assert submitted.status == HolidayRequest.Status.ACCEPTED
    assert AttendanceCase.unscoped.count() == 1
    assert audits(submitted) == 2


def test_accepting_onto_an_open_case_says_its_stage_is_kept(world, submitted):  # noqa: F811
    AttendanceCaseFactory(pupil=world["pupil"], school=world["school"], stage="support_first")
    client = signed_in_client(world["officer"])
    with at(ACCEPTED_ON):
        check = client.post(reverse("notices:holiday_accept", args=[submitted.pk]))
    assert "The open case at" in text(check)
    assert "unchanged" in text(check)


def issue_form(people: dict[str, Any]) -> dict[str, str]:
    form = {"recipient": str(people["mother"].pk), "service_method": "first_class", "reason": ""}
    for name, day in (
        ("offence_first_day", D(2026, 3, 2)),
        ("offence_last_day", D(2026, 3, 6)),
        ("issued_on", ACCEPTED_ON),
        ("served_on", ACCEPTED_ON),
    ):
        form.update({f"{name}_0": str(day.day), f"{name}_1": str(day.month)})
        form[f"{name}_2"] = str(day.year)
    return form


def test_issuing_on_a_holiday_request_is_checked_then_confirmed_once(world, submitted):  # noqa: F811
    """The check page lists the parent and their address, the request it is
    issued on, the 10 G sessions, receipt on 18 March and the amounts from it."""
    from notices.services.holiday import holiday_request_accept

    mother = world["mother"].carer
    mother.address = "4 Mill Lane\nNorthmoor"
    mother.postcode = "NM1 4AB"
    mother.save()
    with at(ACCEPTED_ON):
        holiday_request_accept(acting_user=world["officer"], request_id=submitted.pk)
    client = signed_in_client(world["officer"])
    url = reverse("notices:holiday_issue", args=[submitted.pk])
    with at(ACCEPTED_ON):
        page = client.get(url)
        token = page.context["form"].initial["issue_token"]
        check = client.post(url, {**issue_form(world), "issue_token": str(token)})
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you issue the penalty notice" in body
        assert f"{mother} (Mother): 4 Mill Lane, Northmoor, NM1 4AB" in body
        assert "Holiday request version 1, accepted 16 March 2026" in body
        assert "10 sessions: 2 March 2026 AM (G)" in body
        assert "18 March 2026" in body  # deemed received
        assert "£80 if paid by 7 April 2026" in body
        assert "£160 if paid by 14 April 2026" in body
        assert not PenaltyNotice.unscoped.exists()
        pairs = check_page_answers(check)
        forged = client.post(url, as_post(tamper(pairs, "service_method", "hand"), confirm="1"))
        assert forged.status_code == 409
        assert not PenaltyNotice.unscoped.exists()
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert first.status_code == 302
    assert second.status_code == 409
    assert STALE_TEXT in text(second)
    notice = PenaltyNotice.unscoped.get()
    assert (notice.received_on, notice.holiday_request) == (D(2026, 3, 18), submitted)


def test_a_refusal_is_said_before_the_check_page(world, submitted):  # noqa: F811
    """An offence period with no unauthorised session (9 to 13 March, all
    present) is refused on the form, by the service's own dry run."""
    from notices.services.holiday import holiday_request_accept

    with at(ACCEPTED_ON):
        holiday_request_accept(acting_user=world["officer"], request_id=submitted.pk)
    client = signed_in_client(world["officer"])
    url = reverse("notices:holiday_issue", args=[submitted.pk])
    form = issue_form(world)
    form.update({"offence_first_day_0": "9", "offence_last_day_0": "13"})
    with at(ACCEPTED_ON):
        token = client.get(url).context["form"].initial["issue_token"]
        response = client.post(url, {**form, "issue_token": str(token)})
    assert response.status_code == 400
    assert "no unauthorised absence" in text(response)
    assert not PenaltyNotice.unscoped.exists()


# The case's penalty-notice page names the holiday route -------------------------------


def test_the_case_penalty_page_shows_the_holiday_route(
    world,  # noqa: F811
    submitted,
    django_assert_max_num_queries,
):
    """A case opened by accepting the request (16 March 2026) has no LA
    decision: its penalty-notice page shows the request and its acceptance,
    with a link to issue on it for the LA and none for the school, and each
    notice issued says it was issued on the request."""
    from notices.services.holiday import holiday_penalty_notice_issue, holiday_request_accept

    with at(ACCEPTED_ON):
        accepted = holiday_request_accept(acting_user=world["officer"], request_id=submitted.pk)
    case = accepted.case
    url = reverse("notices:penalty_notices", args=[case.pk])
    issue_url = reverse("notices:holiday_issue", args=[submitted.pk])
    officer = signed_in_client(world["officer"])
    with at(ACCEPTED_ON):
        body = text(officer.get(url))
    assert "No such decision is recorded" not in body
    assert "Neither is recorded" not in body
    assert "Holiday request version 1" in body
    assert "leave of absence 2 March 2026 to 6 March 2026" in body
    assert f"16 March 2026 by {world['officer']}" in body
    assert issue_url in body
    lead_body = text(signed_in_client(world["lead"]).get(url))
    assert "Holiday request version 1" in lead_body
    assert issue_url not in lead_body

    with at(ACCEPTED_ON):
        holiday_penalty_notice_issue(
            acting_user=world["officer"],
            request_id=submitted.pk,
            recipient_id=world["mother"].pk,
            issued_on=ACCEPTED_ON,
            service_method="first_class",
            served_on=ACCEPTED_ON,
        )
        with django_assert_max_num_queries(20):
            body = text(officer.get(url))
    assert 'data-route="holiday_request"' in body
    assert "accepted by the LA 16 March 2026" in body


def test_a_case_with_neither_route_says_so(world):  # noqa: F811
    case = AttendanceCaseFactory(pupil=world["pupil"], school=world["school"])
    url = reverse("notices:penalty_notices", args=[case.pk])
    # Need to know: the LA opens the case only once it is shared with it.
    assert signed_in_client(world["officer"]).get(url).status_code == 404
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM")
    body = text(signed_in_client(world["officer"]).get(url))
    assert "or on a holiday request it accepted. Neither is recorded for this case." in body
