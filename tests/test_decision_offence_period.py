"""A referral decision to prosecute has its offence period (docs/rules.md
"Legal-intervention referral" and A5, "The six-month limit"): the information
must be laid within six months of the period's last day (Magistrates' Courts
Act 1980 s127), so the LA gives the first and last day when it decides, and
the limit is shown, flagged and met as after an unpaid penalty notice.

Worked example: the pupil's records run from Monday 5 January to Friday
27 March 2026, absent (O) every Monday and Friday; the Notice to Improve of
2 February 2026 was not heeded, and on 24 March 2026 the LA decides to
prosecute under s444(1) for 3 February to 20 March 2026. The information must
be laid by 20 September 2026: flagged from 20 July (4 months) and 20 August
(5 months); laid on 1 May 2026, the limit is met."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from notices.models import LADecision
from notices.penalties import decision_period_errors
from notices.services.referrals import (
    referral_accept,
    referral_decide,
    referral_decision_information_laid,
)

from .check_helpers import as_post, check_page_answers
from .conftest import signed_in_client
from .test_bundle import certified
from .test_pathway_rules import at
from .test_referrals import READY, case, officer, submit  # noqa: F401

pytestmark = pytest.mark.django_db

D = dt.date
FIRST, LAST = D(2026, 2, 3), D(2026, 3, 20)
RECORDS = (D(2026, 1, 5), D(2026, 3, 27))
LAY_BY = D(2026, 9, 20)
SAFEGUARDS = {
    "eso_considered": True,
    "eso_note": "An order would add nothing: the parents refused every offer.",
    "contract_explored": True,
}


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def accepted(case, officer):  # noqa: F811
    with at(READY):
        referral = submit(case)
        certified(referral)
        referral_accept(acting_user=officer, referral_id=referral.pk)
    return referral


def decide(officer, referral, **kw: Any) -> LADecision:  # noqa: F811
    values: dict[str, Any] = {
        "kind": "prosecution_444_1",
        "reason": "Continued absence after the notice.",
        "decided_on": READY,
        "offence_first_day": FIRST,
        "offence_last_day": LAST,
        **SAFEGUARDS,
        **kw,
    }
    with at(READY):
        return referral_decide(acting_user=officer, referral_id=referral.pk, **values)


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (FIRST, LAST, None, None),
        (None, LAST, "offence_first_day", "Enter the offence period"),
        (FIRST, None, "offence_last_day", "Enter the offence period"),
        (LAST, FIRST, "offence_last_day", "must end on or after the day it starts"),
        (FIRST, D(2026, 3, 25), "offence_last_day", "cannot end in the future"),
        (FIRST, D(2026, 3, 24), None, None),  # the day of the decision
        (D(2026, 1, 1), D(2026, 1, 9), "offence_first_day", "records run from 5 January 2026"),
    ],
)
def test_the_period_as_a_table(first, last, field, message) -> None:
    errors = decision_period_errors(
        first=first, last=last, decided_on=READY, today=READY, span=RECORDS
    )
    if field is None:
        assert errors == {}
    else:
        assert list(errors) == [field]
        assert message in errors[field]


def test_not_after_the_decision() -> None:
    errors = decision_period_errors(
        first=FIRST, last=D(2026, 3, 23), decided_on=D(2026, 3, 20), today=READY, span=RECORDS
    )
    assert "ends after the decision (20 March 2026)" in errors["offence_last_day"]


def test_a_prosecution_keeps_its_period_and_sessions_and_is_audited(officer, accepted):  # noqa: F811
    decision = decide(officer, accepted)
    decision.refresh_from_db()
    assert (decision.offence_first_day, decision.offence_last_day) == (FIRST, LAST)
    assert decision.unauthorised_sessions[0] == {"date": "2026-02-06", "session": "AM", "code": "O"}
    assert {s["code"] for s in decision.unauthorised_sessions} == {"O"}
    event = AuditEvent.objects.filter(target_type="notices.LADecision").get()
    assert event.changes["offence_period"] == ["2026-02-03", "2026-03-20"]


def test_a_prosecution_without_a_period_is_refused(officer, accepted):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        decide(officer, accepted, offence_first_day=None, offence_last_day=None)
    assert "offence_first_day" in refused.value.error_dict
    assert not LADecision.unscoped.exists()


def test_a_period_with_no_unauthorised_absence_is_refused(officer, accepted):  # noqa: F811
    """Tuesday 3 to Thursday 5 February 2026: present every session."""
    with pytest.raises(ValidationError, match="no unauthorised absence"):
        decide(officer, accepted, offence_last_day=D(2026, 2, 5))


def test_other_decisions_take_no_period(officer, accepted):  # noqa: F811
    decision = decide(officer, accepted, kind="penalty_notice", eso_considered=False)
    assert (decision.offence_first_day, decision.offence_last_day) == (None, None)


def test_the_limit_is_shown_flagged_and_met(officer, accepted):  # noqa: F811
    """On the referral, the school's case page and the LA's list: lay by
    20 September 2026; "4 months since the offence" on 20 July; once the
    information laid on 1 May 2026 is recorded, "Limit met"."""
    decision = decide(officer, accepted)
    client = signed_in_client(officer)
    referral_url = reverse("notices:referral_detail", args=[accepted.pk])
    list_url = reverse("notices:la_penalty_notices")
    case_url = reverse("cases:case_detail", args=[accepted.case_id])
    laid_url = reverse("notices:referral_information_laid", args=[decision.pk])
    with at(D(2026, 4, 1)):
        page = text(client.get(referral_url))
        listing = text(client.get(list_url))
    assert "Lay the information by 20 September 2026" in page
    assert "Offence period: 3 February 2026 to 20 March 2026" in page
    assert laid_url in page
    assert "20 Sep 2026" in listing
    assert "Showing 1 to 1 of 1 decision" in listing
    assert laid_url in listing
    with at(D(2026, 7, 20)):
        assert "4 months since the offence" in text(client.get(referral_url))
        assert "4 months since the offence" in text(client.get(list_url))
        school = text(signed_in_client(accepted.case.lead_professional).get(case_url))
    assert "Lay the information by 20 September 2026" in school
    assert "4 months since the offence" in school
    with at(D(2026, 7, 20)):
        referral_decision_information_laid(
            acting_user=officer, decision_id=decision.pk, laid_on=D(2026, 5, 1)
        )
    with at(D(2026, 9, 21)):
        page = text(client.get(referral_url))
        listing = text(client.get(list_url))
    for body in (page, listing):
        assert "Limit met" in body
        assert "Too late to prosecute" not in body
        assert laid_url not in body
    assert "Information laid at the magistrates' court 1 May 2026" in page
    assert "Laid 1 May 2026" in listing


def test_information_laid_after_the_limit_is_refused(officer, accepted):  # noqa: F811
    decision = decide(officer, accepted)
    with at(D(2026, 9, 22)):
        with pytest.raises(ValidationError, match="had to be laid by 20 September 2026"):
            referral_decision_information_laid(
                acting_user=officer, decision_id=decision.pk, laid_on=D(2026, 9, 21)
            )
        assert (
            referral_decision_information_laid(
                acting_user=officer, decision_id=decision.pk, laid_on=LAY_BY
            ).information_laid_on
            == LAY_BY
        )


def test_the_decision_and_the_information_go_through_check_pages(officer, accepted):  # noqa: F811
    client = signed_in_client(officer)
    url = reverse("notices:referral_decide", args=[accepted.pk])
    data = {
        "kind": "prosecution_444_1",
        "reason": "Continued absence after the notice.",
        "decided_on_0": "24",
        "decided_on_1": "3",
        "decided_on_2": "2026",
        "eso_considered": "on",
        "eso_note": SAFEGUARDS["eso_note"],
        "contract_explored": "yes",
    }
    with at(READY):
        missing = client.post(url, data)
        assert missing.status_code == 400
        assert "Enter the offence period" in text(missing)
        data.update(
            {
                "offence_first_day_0": "3",
                "offence_first_day_1": "2",
                "offence_first_day_2": "2026",
                "offence_last_day_0": "20",
                "offence_last_day_1": "3",
                "offence_last_day_2": "2026",
            }
        )
        check = client.post(url, data)
        body = text(check)
        assert check.status_code == 200, body
        assert "3 February 2026 to 20 March 2026" in body
        assert "20 September 2026: 6 months from the last day of the offence period" in body
        assert client.post(url, as_post(check_page_answers(check), confirm="1")).status_code == 302
    decision = LADecision.unscoped.get()
    laid_url = reverse("notices:referral_information_laid", args=[decision.pk])
    with at(D(2026, 5, 2)):
        form = {"laid_on_0": "1", "laid_on_1": "5", "laid_on_2": "2026", "note": ""}
        check = client.post(laid_url, form)
        body = text(check)
        assert check.status_code == 200, body
        assert "Check your answers before you record that the information was laid" in body
        assert "Met: the information had to be laid by 20 September 2026" in body
        decision.refresh_from_db()
        assert decision.information_laid_on is None
        pairs = check_page_answers(check)
        first = client.post(laid_url, as_post(pairs, confirm="1"))
        second = client.post(laid_url, as_post(pairs, confirm="1"))
    assert (first.status_code, second.status_code) == (302, 409)
    decision.refresh_from_db()
    assert decision.information_laid_on == D(2026, 5, 1)
