"""What must be true before a penalty notice, and before a prosecution
(rule A5).

A notice follows the LA's decision of "penalty notice" on a referral it
accepted, on an open case, to a parent the Notice to Improve was served on,
for an offence period (two dates) with unauthorised absence in the registers
and sharing no day with another notice (not withdrawn) to that parent for that
child. A prosecution, after a referral decision or an unpaid notice, needs an
education supervision order considered (Education Act 1996 s447) and an
attendance contract explored or the reason it was not, and the information
laid within six months of the offence (Magistrates' Courts Act 1980 s127). An
unpaid notice not prosecuted after its payment period is to be withdrawn
(reg 9 of the 2007 regulations)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notices.models import LADecision, PenaltyNotice
from notices.penalties import (
    InformationLimit,
    WithdrawalGround,
    add_months,
    information_limit,
    overlapping_period,
    prosecution_safeguard_errors,
    unauthorised_sessions,
    withdrawal_due,
)
from notices.services.penalties import penalty_notice_prosecute, penalty_notice_withdraw
from pupils.models import PupilCarer

from .check_helpers import post_and_confirm
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import absent, issue_on_route, penalty_route
from .test_bundle import certified

D = dt.date
LONDON = ZoneInfo("Europe/London")
TODAY = dt.datetime(2025, 12, 1, 10, 0, tzinfo=LONDON)
FIRST, LAST = D(2025, 9, 8), D(2025, 9, 26)
ISSUE_DAY = D(2025, 10, 1)


# --- The six-month limit (s127), as plain date arithmetic --------------------------


def test_the_information_limit_worked_example() -> None:
    """Offence period's last day Friday 13 February 2026. s127: "within 6 months
    from the time when the offence was committed". "From" excludes the day of
    the offence and the period ends on the corresponding date (Radcliffe v
    Bartholomew [1892] 1 QB 161: an offence of 30 May, an information of
    30 November, in time; DPP v Jackson [2025], the exclusionary and
    corresponding date rules). So the information may be laid up to and
    including 13 August 2026; flagged from 13 June (4 months) and 13 July
    (5 months)."""
    assert information_limit(D(2026, 2, 13)) == InformationLimit(
        offence_last_day=D(2026, 2, 13),
        lay_by=D(2026, 8, 13),
        four_months_on=D(2026, 6, 13),
        five_months_on=D(2026, 7, 13),
    )


@pytest.mark.parametrize(
    ("on", "level"),
    [
        (D(2026, 6, 12), ""),
        (D(2026, 6, 13), "four_months"),
        (D(2026, 7, 12), "four_months"),
        (D(2026, 7, 13), "five_months"),
        (D(2026, 8, 13), "five_months"),  # the last day to lay it
        (D(2026, 8, 14), "expired"),
    ],
)
def test_the_flags_by_day(on: dt.date, level: str) -> None:
    assert information_limit(D(2026, 2, 13)).level(on) == level


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2025, 8, 31), 6, D(2026, 2, 28)),  # no 31 February: the month's last day
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # a leap year
        (D(2025, 9, 30), 6, D(2026, 3, 30)),
        (D(2025, 12, 31), 6, D(2026, 6, 30)),
        (D(2025, 7, 15), 6, D(2026, 1, 15)),  # across the year end
    ],
)
def test_calendar_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_overlapping_periods() -> None:
    others = [(D(2025, 9, 1), D(2025, 9, 12))]
    assert overlapping_period(D(2025, 9, 12), D(2025, 9, 19), others) == others[0]
    assert overlapping_period(D(2025, 8, 1), D(2025, 9, 1), others) == others[0]
    assert overlapping_period(D(2025, 9, 13), D(2025, 9, 19), others) is None
    assert overlapping_period(D(2025, 8, 1), D(2025, 8, 31), others) is None


def test_prosecution_safeguard_errors() -> None:
    assert (
        prosecution_safeguard_errors(
            eso_considered=True,
            eso_note="Refused support",
            contract_explored=True,
            contract_note="",
        )
        == {}
    )
    assert set(
        prosecution_safeguard_errors(
            eso_considered=True, eso_note=" ", contract_explored=None, contract_note=""
        )
    ) == {"eso_considered", "contract_explored"}
    assert set(
        prosecution_safeguard_errors(
            eso_considered=True, eso_note="Refused", contract_explored=False, contract_note=""
        )
    ) == {"contract_note"}


def test_the_unauthorised_sessions_of_a_period() -> None:
    from attendance.figures import Register
    from attendance.years import empty_marks, mark_index

    marks = list(empty_marks(2025))
    marks[mark_index(D(2025, 9, 8), "AM")] = "O"
    marks[mark_index(D(2025, 9, 8), "PM")] = "/"
    marks[mark_index(D(2025, 9, 9), "PM")] = "G"
    marks[mark_index(D(2025, 9, 10), "AM")] = "I"  # authorised: not listed
    marks[mark_index(D(2025, 9, 30), "AM")] = "O"  # outside the period
    sessions = unauthorised_sessions([Register(1, 2025, "".join(marks))], FIRST, LAST)
    assert [(s.day, s.session, s.code) for s in sessions] == [
        (D(2025, 9, 8), "AM", "O"),
        (D(2025, 9, 9), "PM", "G"),
    ]


# --- Issuing: the route and its refusals ---------------------------------------------


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def case(db: None) -> Any:
    return AttendanceCaseFactory()


@pytest.fixture
def officer(case: Any) -> Any:
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


@pytest.fixture
def mother(case: Any) -> PupilCarer:
    return PupilCarerFactory(pupil=case.pupil)


@pytest.fixture
def decision(case: Any, mother: PupilCarer) -> LADecision:
    absent(case, FIRST, LAST)
    return penalty_route(case, mother)


def issue(officer: Any, case: Any, mother: PupilCarer, decision: LADecision, **kw: Any) -> Any:
    kw = {"issued_on": ISSUE_DAY, "first": FIRST, "last": LAST, **kw}
    return issue_on_route(officer, case, mother, decision=decision, **kw)


@pytest.mark.usefixtures("frozen")
class TestTheRoute:
    def test_the_notice_lists_the_sessions_and_names_its_decision(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        notice = issue(officer, case, mother, decision)
        notice.refresh_from_db()
        assert (notice.route, notice.decision, notice.offence_first_day) == (
            "la_decision",
            decision,
            FIRST,
        )
        # 8 to 26 September 2025: 15 weekdays, AM and PM each.
        assert len(notice.unauthorised_sessions) == 30
        assert notice.unauthorised_sessions[0] == {
            "date": "2025-09-08",
            "session": "AM",
            "code": "O",
        }

    def test_no_decision_of_penalty_notice(self, officer: Any, case: Any, mother: PupilCarer):
        absent(case, FIRST, LAST)
        contract = penalty_route(case, mother, kind="attendance_contract")
        with pytest.raises(ValidationError, match="attendance contract on this referral"):
            issue(officer, case, mother, contract)
        elsewhere = penalty_route(AttendanceCaseFactory(school=case.school), mother)
        with pytest.raises(ValidationError, match="record the decision first"):
            issue(officer, case, mother, elsewhere)
        assert not PenaltyNotice.unscoped.exists()

    def test_a_referral_never_accepted(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        decision.referral.accepted_at = None
        decision.referral.save()
        with pytest.raises(ValidationError, match="never accepted"):
            issue(officer, case, mother, decision)

    def test_a_closed_case(self, officer: Any, case: Any, mother: PupilCarer) -> None:
        closed = AttendanceCaseFactory(closed=True, school=case.school, pupil=case.pupil)
        absent(closed, FIRST, LAST)
        decision = penalty_route(closed, mother)
        with pytest.raises(ValidationError, match="This case is closed"):
            issue(officer, closed, mother, decision)

    def test_a_parent_not_served_the_notice_to_improve(
        self, officer: Any, case: Any, decision: LADecision
    ) -> None:
        father = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
        with pytest.raises(ValidationError, match="was not served the Notice to Improve"):
            issue(officer, case, father, decision)

    def test_not_dated_before_the_decision(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        with pytest.raises(ValidationError, match="before the decision it follows"):
            issue(officer, case, mother, decision, issued_on=decision.decided_on - dt.timedelta(1))

    def test_an_offence_period_with_no_unauthorised_absence(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        with pytest.raises(ValidationError, match="show no unauthorised absence"):
            issue(officer, case, mother, decision, first=D(2025, 9, 1), last=D(2025, 9, 5))

    def test_an_offence_period_after_the_issue_date_or_backwards(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        with pytest.raises(ValidationError, match="a notice is for absence that has happened"):
            issue(officer, case, mother, decision, last=D(2025, 10, 2))
        with pytest.raises(ValidationError, match="must end on or after"):
            issue(officer, case, mother, decision, first=LAST, last=FIRST)

    def test_compulsory_school_age_on_every_day_of_the_period(self, officer: Any) -> None:
        # Born 1 September 2020: of compulsory school age from 31 December 2025.
        # A notice on 5 January 2026 for absence in December 2025 is refused.
        school = SchoolFactory(local_authority=officer.local_authority)
        pupil = PupilFactory(school=school, date_of_birth=D(2020, 9, 1))
        case = AttendanceCaseFactory(school=school, pupil=pupil)
        mother = PupilCarerFactory(pupil=case.pupil)
        absent(case, D(2025, 12, 1), D(2026, 1, 2))
        decision = penalty_route(case, mother)
        with (
            time_machine.travel(dt.datetime(2026, 1, 6, 9, tzinfo=LONDON), tick=False),
            pytest.raises(ValidationError, match="is not all within it"),
        ):
            issue(
                officer,
                case,
                mother,
                decision,
                issued_on=D(2026, 1, 5),
                first=D(2025, 12, 1),
                last=D(2025, 12, 19),
            )

    def test_an_overlapping_period_is_refused_unless_that_notice_was_withdrawn(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        first = issue(officer, case, mother, decision)
        with pytest.raises(ValidationError, match="shares days with this offence period"):
            issue(officer, case, mother, decision, first=D(2025, 9, 26), last=D(2025, 9, 26))
        penalty_notice_withdraw(
            acting_user=officer,
            notice_id=first.pk,
            ground=WithdrawalGround.MATERIAL_ERRORS,
            note="Wrong dates printed.",
        )
        again = issue(officer, case, mother, decision, first=D(2025, 9, 15), last=LAST)
        assert again.sequence == 1


# --- Prosecution after an unpaid notice ------------------------------------------------


def prosecute(officer: Any, notice: PenaltyNotice, on: dt.date, **kw: Any) -> Any:
    return penalty_notice_prosecute(
        acting_user=officer, notice_id=notice.pk, decided_on=on, note="", **kw
    )


@pytest.mark.usefixtures("frozen")
class TestProsecution:
    def test_the_safeguards_are_required_and_kept(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        notice = issue(officer, case, mother, decision)
        with pytest.raises(ValidationError) as refused:
            prosecute(officer, notice, D(2025, 11, 3))
        assert set(refused.value.error_dict) == {"eso_considered", "contract_explored"}
        with pytest.raises(ValidationError) as refused:
            prosecute(
                officer,
                notice,
                D(2025, 11, 3),
                eso_considered=True,
                eso_note="Support was refused.",
                contract_explored=False,
            )
        assert set(refused.value.error_dict) == {"contract_note"}
        decided = prosecute(
            officer,
            notice,
            D(2025, 11, 3),
            eso_considered=True,
            eso_note="Support was refused.",
            contract_explored=False,
            contract_note="The parents would not meet.",
        )
        decided.refresh_from_db()
        assert decided.status == "prosecution"
        assert (decided.prosecution_contract_explored, decided.prosecution_contract_note) == (
            False,
            "The parents would not meet.",
        )

    def test_not_after_the_six_months(
        self, officer: Any, case: Any, mother: PupilCarer, decision: LADecision
    ) -> None:
        # Last day 26 September 2025: the information by 26 March 2026.
        notice = issue(officer, case, mother, decision)
        safeguards = {"eso_considered": True, "eso_note": "Refused", "contract_explored": True}
        with time_machine.travel(dt.datetime(2026, 4, 1, 9, tzinfo=LONDON), tick=False):
            with pytest.raises(ValidationError, match="had to be laid by 26 March 2026"):
                prosecute(officer, notice, D(2026, 3, 27), **safeguards)
            assert prosecute(officer, notice, D(2026, 3, 26), **safeguards).status == "prosecution"


def test_withdrawal_due_only_after_the_payment_period_of_an_unpaid_notice() -> None:
    class Notice:
        status = "issued"
        full_due_on = D(2026, 4, 6)

    notice = Notice()
    assert not withdrawal_due(notice, D(2026, 4, 6))  # type: ignore[arg-type]
    assert withdrawal_due(notice, D(2026, 4, 7))  # type: ignore[arg-type]
    notice.status = "prosecution"
    assert not withdrawal_due(notice, D(2026, 5, 1))  # type: ignore[arg-type]


# --- The pages -------------------------------------------------------------------------


def test_the_las_list_shows_the_limit_its_flags_and_withdrawal_due(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    with time_machine.travel(TODAY, tick=False):
        notice = issue(officer, case, mother, decision)
    client = signed_in_client(officer)
    url = reverse("notices:la_penalty_notices")
    withdraw = reverse("notices:penalty_withdraw", args=[notice.pk])
    # 20 October 2025: inside the payment period (to 28 October), 1 month on.
    with time_machine.travel(dt.datetime(2025, 10, 20, 9, tzinfo=LONDON), tick=False):
        body = client.get(url).content.decode()
    assert "26 Mar 2026" in body
    assert "Withdrawal due" not in body
    assert "months since the offence" not in body
    # 26 January 2026: unpaid after 28 October, and 4 months since 26 September.
    with time_machine.travel(dt.datetime(2026, 1, 26, 9, tzinfo=LONDON), tick=False):
        body = client.get(url).content.decode()
        case_page = client.get(reverse("notices:penalty_notices", args=[case.pk]))
    assert "Withdrawal due" in body
    assert withdraw in body
    assert "4 months since the offence" in body
    assert "4 months since the offence" in case_page.content.decode()
    assert "Withdrawal due" in case_page.content.decode()
    # 27 March 2026: too late to lay the information.
    with time_machine.travel(dt.datetime(2026, 3, 27, 9, tzinfo=LONDON), tick=False):
        body = client.get(url).content.decode()
    assert "Too late to prosecute" in body
    # A school user cannot open the LA's list.
    assert signed_in_client(case.lead_professional).get(url).status_code == 403


def test_the_referral_decision_page_asks_about_an_attendance_contract(
    officer: Any, case: Any, mother: PupilCarer
) -> None:
    from notices.models import LegalReferral

    decision = penalty_route(case, mother)
    referral = decision.referral
    LegalReferral.unscoped.filter(pk=referral.pk).update(status="accepted")
    decision.delete()
    certified(referral)
    absent(case, D(2024, 11, 4), D(2024, 11, 29))
    client = signed_in_client(officer)
    page = client.get(reverse("notices:referral_detail", args=[referral.pk])).content.decode()
    assert "Was an attendance contract explored?" in page
    data = {
        "kind": "prosecution_444_1",
        "reason": "Continued absence",
        "decided_on_0": "20",
        "decided_on_1": "1",
        "decided_on_2": "2025",
        "eso_considered": "on",
        "eso_note": "The parents refused support.",
        "offence_first_day_0": "4",
        "offence_first_day_1": "11",
        "offence_first_day_2": "2024",
        "offence_last_day_0": "29",
        "offence_last_day_1": "11",
        "offence_last_day_2": "2024",
    }
    response = client.post(reverse("notices:referral_decide", args=[referral.pk]), data)
    assert response.status_code == 400
    assert "Say whether an attendance contract was explored" in response.content.decode()
    data["contract_explored"] = "yes"
    response = post_and_confirm(
        client, reverse("notices:referral_decide", args=[referral.pk]), data
    )
    assert response.status_code == 302
    assert LADecision.unscoped.get(referral=referral).contract_explored is True


# --- Migration 0005: the old free text read as dates -----------------------------------


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        (
            "22 unauthorised sessions between 8 and 26 September 2025.",
            [D(2025, 9, 8), D(2025, 9, 26)],
        ),
        ("Absent 01/09/2025 to 12/09/2025", [D(2025, 9, 1), D(2025, 9, 12)]),
        ("From 29 September 2025 to 3 October 2025", [D(2025, 9, 29), D(2025, 10, 3)]),
        ("Term-time holiday", []),
    ],
)
def test_the_migration_reads_dates_from_the_old_text(text: str, dates: list[dt.date]) -> None:
    migration = importlib.import_module("notices.migrations.0006_penalty_routes_receipt_safeguards")
    found = migration.dates_in(text)
    if dates:
        assert (min(found), max(found)) == (dates[0], dates[-1])
    else:
        assert found == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(MIGRATION_MODULES={})
def test_existing_notices_are_migrated_sensibly() -> None:
    """Notices recorded before 0006: the free text is kept as notes, its dates
    become the offence period when it names two, the case's LA decision of
    "penalty notice" is linked; the route stays blank and the due dates as
    they were, so nothing a parent was told changes."""
    case = AttendanceCaseFactory()
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    mother = PupilCarerFactory(pupil=case.pupil)
    decision = penalty_route(case, mother, decided_on=D(2025, 9, 29))
    executor = MigrationExecutor(connection)
    recorded = executor.recorder.applied_migrations()
    for app_label, name in executor.loader.graph.nodes:
        if (app_label, name) not in recorded:
            executor.recorder.record_applied(app_label, name)
    before = [("notices", "0005_notice_facts_fixed_at_issue")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state(before).apps.get_model("notices", "PenaltyNotice")
    common = {
        "case_id": case.pk,
        "recipient_id": mother.pk,
        "issued_by_id": officer.pk,
        "updated_by_id": officer.pk,
        "amount_if_paid_by_day_28": 160_00,
        "full_due_on": D(2025, 10, 29),
    }
    dated = old._default_manager.create(
        issued_on=D(2025, 10, 1),
        sequence=1,
        offence="22 unauthorised sessions between 8 and 26 September 2025.",
        amount_if_paid_by_day_21=80_00,
        reduced_due_on=D(2025, 10, 22),
        **common,
    )
    undated = old._default_manager.create(
        issued_on=D(2025, 10, 2),
        sequence=2,
        offence="Term-time holiday",
        **common,
    )
    executor.migrate(executor.loader.graph.leaf_nodes())

    dated_now = PenaltyNotice.unscoped.get(pk=dated.pk)
    assert (dated_now.offence_first_day, dated_now.offence_last_day) == (FIRST, LAST)
    assert dated_now.reason == "22 unauthorised sessions between 8 and 26 September 2025."
    assert dated_now.decision_id == decision.pk
    assert (dated_now.route, dated_now.service_method, dated_now.received_on) == ("", "", None)
    assert (dated_now.reduced_due_on, dated_now.full_due_on) == (
        D(2025, 10, 22),
        D(2025, 10, 29),
    )
    undated_now = PenaltyNotice.unscoped.get(pk=undated.pk)
    assert (undated_now.offence_first_day, undated_now.reason) == (None, "Term-time holiday")


def test_the_las_list_makes_the_same_number_of_queries_for_1_or_4_notices(
    officer: Any, case: Any, mother: PupilCarer, decision: LADecision
) -> None:
    client = signed_in_client(officer)
    url = reverse("notices:la_penalty_notices")
    with time_machine.travel(TODAY, tick=False):
        issue(officer, case, mother, decision)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        one = queries()
        for _ in range(3):
            other = AttendanceCaseFactory(school=case.school)
            parent = PupilCarerFactory(pupil=other.pupil)
            absent(other, FIRST, LAST)
            issue(officer, other, parent, penalty_route(other, parent))
        assert queries() == one
