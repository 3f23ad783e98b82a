"""The information laid at the magistrates' court (docs/rules.md A5, "The
six-month limit"): once the LA records the day it laid the information, the
prosecution has started and the six-month limit of the Magistrates' Courts Act
1980 s127 is met, so it is no longer counted down or flagged.

Worked example: unauthorised absence from Monday 8 to Friday 26 September
2025; the notice handed over on 1 October 2025 is unpaid by 28 October; the
LA decides to prosecute on 3 November 2025. The information must be laid by
26 March 2026 (flagged from 26 January and 26 February). Laid on 20 February
2026: recorded; on 26 March: recorded (the last day); on 27 March: refused.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import AuditEvent
from notices.penalties import information_laid_refusal, information_limit
from notices.services.penalties import (
    penalty_notice_information_laid,
    penalty_notice_prosecute,
)

from .check_helpers import as_post, check_page_answers
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilCarerFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route

pytestmark = pytest.mark.django_db

D = dt.date
LONDON = ZoneInfo("Europe/London")
FIRST, LAST = D(2025, 9, 8), D(2025, 9, 26)
DECIDED = D(2025, 11, 3)
LAY_BY = D(2026, 3, 26)


def at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=LONDON), tick=False)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def dates(name: str, on: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(on.day), f"{name}_1": str(on.month), f"{name}_2": str(on.year)}


@pytest.fixture
def prosecuted() -> Any:
    """The notice of the worked example, prosecuted on 3 November 2025."""
    with at(D(2025, 12, 1)):
        case = AttendanceCaseFactory()
        mother = PupilCarerFactory(pupil=case.pupil)
        absent(case, FIRST, LAST)
        decision = penalty_route(case, mother)
        officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
        notice = issue_on_route(
            officer,
            case,
            mother,
            decision=decision,
            issued_on=D(2025, 10, 1),
            first=FIRST,
            last=LAST,
        )
        penalty_notice_prosecute(
            acting_user=officer,
            notice_id=notice.pk,
            decided_on=DECIDED,
            note="",
            eso_considered=True,
            eso_note="Support was refused.",
            contract_explored=True,
        )
    notice.refresh_from_db()
    return notice, officer


def test_the_rule_as_a_table() -> None:
    """Laid on the limit's last day is in time; the day after is not."""
    assert information_limit(LAST).lay_by == LAY_BY
    ok = {"today": D(2026, 4, 1), "decided_on": DECIDED, "offence_last_day": LAST}
    assert information_laid_refusal(laid_on=LAY_BY, **ok) == {}
    late = information_laid_refusal(laid_on=D(2026, 3, 27), **ok)
    assert "had to be laid by 26 March 2026" in late["laid_on"]
    assert "s127" in late["laid_on"]
    early = information_laid_refusal(laid_on=D(2025, 11, 2), **ok)
    assert "before the decision to prosecute (3 November 2025)" in early["laid_on"]
    future = information_laid_refusal(laid_on=D(2026, 4, 2), **ok)
    assert "cannot be in the future" in future["laid_on"]


def test_recorded_within_the_limit_and_audited(prosecuted: Any) -> None:
    notice, officer = prosecuted
    with at(D(2026, 2, 20)):
        laid = penalty_notice_information_laid(
            acting_user=officer,
            notice_id=notice.pk,
            laid_on=D(2026, 2, 20),
            note="Northmoor Magistrates' Court, ref 123",
        )
    laid.refresh_from_db()
    assert (laid.information_laid_on, laid.information_laid_by) == (D(2026, 2, 20), officer)
    event = AuditEvent.objects.filter(target_type="notices.PenaltyNotice").order_by("-pk").first()
    assert event is not None
    assert event.changes == {"information_laid_on": "2026-02-20"}
    with at(D(2026, 2, 21)), pytest.raises(ValidationError, match="already recorded as laid"):
        penalty_notice_information_laid(
            acting_user=officer, notice_id=notice.pk, laid_on=D(2026, 2, 21)
        )


def test_the_last_day_is_in_time_and_the_next_is_refused(prosecuted: Any) -> None:
    notice, officer = prosecuted
    with at(D(2026, 4, 1)):
        with pytest.raises(ValidationError, match="had to be laid by 26 March 2026"):
            penalty_notice_information_laid(
                acting_user=officer, notice_id=notice.pk, laid_on=D(2026, 3, 27)
            )
        notice.refresh_from_db()
        assert notice.information_laid_on is None
        laid = penalty_notice_information_laid(
            acting_user=officer, notice_id=notice.pk, laid_on=LAY_BY
        )
    assert laid.information_laid_on == LAY_BY


def test_only_on_a_decision_to_prosecute_and_only_by_the_la(prosecuted: Any) -> None:
    notice, officer = prosecuted
    with at(D(2025, 12, 1)):
        case = AttendanceCaseFactory(school=notice.case.school)
        mother = PupilCarerFactory(pupil=case.pupil)
        absent(case, FIRST, LAST)
        unpaid = issue_on_route(
            officer,
            case,
            mother,
            decision=penalty_route(case, mother),
            issued_on=D(2025, 10, 1),
            first=FIRST,
            last=LAST,
        )
        with pytest.raises(ValidationError, match="record the decision first"):
            penalty_notice_information_laid(
                acting_user=officer, notice_id=unpaid.pk, laid_on=D(2025, 12, 1)
            )
        with pytest.raises(PermissionDenied):
            penalty_notice_information_laid(
                acting_user=notice.case.lead_professional,
                notice_id=notice.pk,
                laid_on=D(2025, 12, 1),
            )


def test_once_laid_the_limit_shows_as_met_not_as_a_countdown(prosecuted: Any) -> None:
    """Before: on 27 February 2026 (5 months on) the case and the LA's list
    flag it; after recording the information laid on 20 February, both say
    the limit is met, even on 27 March, past the six months."""
    notice, officer = prosecuted
    client = signed_in_client(officer)
    case_url = reverse("notices:penalty_notices", args=[notice.case_id])
    list_url = reverse("notices:la_penalty_notices")
    laid_url = reverse("notices:penalty_information_laid", args=[notice.pk])
    with at(D(2026, 2, 27)):
        assert "5 months since the offence" in text(client.get(case_url))
        assert "5 months since the offence" in text(client.get(list_url))
        assert laid_url in text(client.get(case_url))
        assert laid_url in text(client.get(list_url))
        penalty_notice_information_laid(
            acting_user=officer, notice_id=notice.pk, laid_on=D(2026, 2, 20)
        )
    for day in (D(2026, 2, 27), D(2026, 3, 27)):
        with at(day):
            case_page, listing = text(client.get(case_url)), text(client.get(list_url))
            school_case = text(
                signed_in_client(notice.case.lead_professional).get(
                    reverse("cases:case_detail", args=[notice.case_id])
                )
            )
        for body in (case_page, listing):
            assert "Limit met" in body
            assert "months since the offence" not in body
            assert "Too late to prosecute" not in body
            assert laid_url not in body
        assert "20 February 2026" in case_page
        assert "Laid 20 Feb 2026" in listing
        assert 'data-limit="laid"' in school_case
        assert "information laid at the magistrates' court 20 February 2026" in school_case


def test_the_page_goes_through_a_check_page(prosecuted: Any) -> None:
    notice, officer = prosecuted
    client = signed_in_client(officer)
    url = reverse("notices:penalty_information_laid", args=[notice.pk])
    with at(D(2026, 4, 1)):
        page = client.get(url)
        assert page.status_code == 200
        assert "It must be laid by 26 March 2026" in text(page)
        late = client.post(url, {**dates("laid_on", D(2026, 3, 27)), "note": ""})
        assert late.status_code == 400
        assert "had to be laid by 26 March 2026" in text(late)
        check = client.post(url, {**dates("laid_on", D(2026, 3, 20)), "note": "Ref 123"})
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you record that the information was laid" in body
        assert "Met: the information had to be laid by 26 March 2026" in body
        assert "20 March 2026" in body
        notice.refresh_from_db()
        assert notice.information_laid_on is None
        pairs = check_page_answers(check)
        first = client.post(url, as_post(pairs, confirm="1"))
        second = client.post(url, as_post(pairs, confirm="1"))
    assert (first.status_code, second.status_code) == (302, 409)
    notice.refresh_from_db()
    assert (notice.information_laid_on, notice.information_laid_note) == (D(2026, 3, 20), "Ref 123")
