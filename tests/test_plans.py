"""The SMART action plan: its aim, an action per barrier, reviews with the
attendance since the previous one, the flags (review overdue; same actions, no
progress), and who may change it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, School, User
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from cases.models import ActionPlan, AttendanceCase, Barrier, PlanAction, PlanReview
from cases.services.casework import CaseClosed, StaleEdit, record_create
from cases.services.plans import (
    Progress,
    action_create,
    action_end,
    action_update,
    plan_create,
    plan_update,
    review_create,
)
from core.dates import today
from core.models import AuditEvent
from pupils.models import Pupil

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# The case and its plan are written on Wednesday 1 October 2025.
DAY_0 = dt.date(2025, 10, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


@pytest.fixture
def on() -> Iterator[Callable[[dt.date], None]]:
    """`on(day)` moves the frozen clock to 10am in London on `day`."""
    traveller = time_machine.travel(at(DAY_0), tick=False)
    traveller.start()

    def move(day: dt.date) -> None:
        nonlocal traveller
        traveller.stop()
        traveller = time_machine.travel(at(day), tick=False)
        traveller.start()

    yield move
    traveller.stop()


@pytest.fixture
def case(on: Callable[[dt.date], None]) -> AttendanceCase:
    """An open case opened on day 0, so the family contact is not due for a fortnight."""
    return AttendanceCaseFactory(opened_at=at(DAY_0, 9))


def barrier(case: AttendanceCase, kind: str = "anxiety", **fields: Any) -> Barrier:
    values = {
        "factor": "push",
        "description": "Worried about the noise in the dinner hall.",
        "identified_on": DAY_0,
        **fields,
    }
    return record_create(
        acting_user=case.lead_professional, case_id=case.pk, model=Barrier, kind=kind, **values
    )


def plan(case: AttendanceCase, **fields: Any) -> ActionPlan:
    values = {
        "target_attendance": Decimal("95"),
        "target_date": dt.date(2025, 12, 19),
        "agreed_on": today(),
        **fields,
    }
    return plan_create(acting_user=case.lead_professional, case_id=case.pk, **values)


def action(
    case: AttendanceCase, for_barrier: Barrier, text: str = "Meet at the gate"
) -> PlanAction:
    return action_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        barrier_id=for_barrier.pk,
        action=text,
        by_when=dt.date(2025, 10, 31),
        responsible="Sam Jones, Head of Year 8",
        how_we_will_know="In class by 9am on 4 days out of 5",
    )


def review(
    case: AttendanceCase, progress: str = "none", changes: str = "", **fields: Any
) -> PlanReview:
    current = ActionPlan.unscoped.get(case=case)
    actions = current.actions.filter(ended_on__isnull=True)
    values = {"reviewed_on": today(), **fields}
    return review_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        version=current.version,
        progress={a.pk: Progress(progress) for a in actions},
        changes_made=changes,
        **values,
    )


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def plan_section(html: str) -> str:
    start = html.index('<section id="plan"')
    return html[start : html.index("</section>", start)]


def marks(pupil: Pupil, school: School, codes: dict[tuple[str, str], str]) -> None:
    """Store register marks for the 2025/26 year, and the school days they make."""
    chars = list(empty_marks(2025))
    for (day, session), char in codes.items():
        chars[mark_index(dt.date.fromisoformat(day), session)] = char
    registers_merge(incoming=[IncomingRegister(pupil.pk, school.pk, 2025, "".join(chars))])
    school_days_refresh(pairs={(school.pk, 2025)})


def week(monday: str, am: str, pm: str, days: int = 5) -> dict[tuple[str, str], str]:
    first = dt.date.fromisoformat(monday)
    dates = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    return {**{(d, "AM"): am for d in dates}, **{(d, "PM"): pm for d in dates}}


# --- Writing the plan ---------------------------------------------------------


def test_a_plan_has_an_aim_and_each_barrier_without_an_action_is_flagged(case):
    lead = case.lead_professional
    client = signed_in_client(lead)
    transport = barrier(case, "transport", description="The bus route was cut.")
    anxiety = barrier(case, "anxiety")

    page = client.get(reverse("cases:plan_new", args=[case.pk]))
    assert "100% is an aim, not an action: the actions below are how the pupil gets there" in (
        page.text
    )
    response = client.post(
        reverse("cases:plan_new", args=[case.pk]),
        {
            "target_attendance": "95",
            **date_fields("agreed_on", today()),
            **date_fields("target_date", dt.date(2025, 12, 19)),
            "review_every_days": "14",
        },
        follow=True,
    )
    saved = ActionPlan.unscoped.get(case=case)
    assert (saved.target_attendance, saved.next_review_due) == (
        Decimal("95"),
        dt.date(2025, 10, 15),
    )
    section = plan_section(response.text)
    assert "SMART action plan" in section
    assert "95% attendance by 19 December 2025" in section
    assert section.count("No action for this barrier yet") == 2

    response = client.post(
        reverse("cases:action_new", args=[case.pk, transport.pk]),
        {
            "action": "Bus pass from the LA transport team",
            **date_fields("by_when", dt.date(2025, 10, 10)),
            "responsible": "Priya Shah, attendance lead",
            "how_we_will_know": "On time every morning",
        },
        follow=True,
    )
    section = plan_section(response.text)
    assert "Bus pass from the LA transport team" in section
    assert section.count("No action for this barrier yet") == 1
    # The flag is under the barrier that has no action: the anxiety one.
    assert section.index("No action for this barrier yet") > section.index(
        f'id="barrier-{anxiety.pk}"'
    )
    for heading in (
        "Actions/interventions to be taken to address the barrier",
        "By when",
        "Person responsible",
        "How will we know it is working for the child?",
    ):
        assert heading in section
    assert "Add an action for this barrier" in section

    action(case, anxiety)
    section = plan_section(client.get(reverse("cases:case_detail", args=[case.pk])).text)
    assert "No action for this barrier yet" not in section
    assert AuditEvent.objects.filter(target_type="cases.PlanAction").count() == 2


def test_a_plan_form_with_problems_lists_them_and_saves_nothing(case):
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:plan_new", args=[case.pk]),
        {
            "target_attendance": "120",
            **date_fields("agreed_on", today()),
            **date_fields("target_date", dt.date(2025, 9, 1)),
            "review_every_days": "14",
        },
    )
    assert "There is a problem" in response.text
    assert "Enter an attendance target between 1% and 100%" in response.text
    assert "The date for the target must be in the future" in response.text
    response = client.post(
        reverse("cases:plan_new", args=[case.pk]),
        {
            "target_attendance": "95",
            **date_fields("agreed_on", today()),
            "target_date_0": "30",
            "target_date_1": "2",
            "target_date_2": "2026",
            "review_every_days": "",
        },
    )
    assert "Date the pupil should reach the target must be a real date" in response.text
    assert "Enter how often the plan is reviewed, in days" in response.text
    assert not ActionPlan.unscoped.filter(case=case).exists()


def test_an_action_can_be_changed_and_ended_and_is_then_kept_but_not_reviewed(case, on):
    anxiety = barrier(case)
    plan(case)
    first = action(case, anxiety)
    client = signed_in_client(case.lead_professional)
    response = client.post(
        reverse("cases:action_change", args=[case.pk, first.pk]),
        {
            "version": "1",
            "action": "Meet at the side gate with the school dog",
            **date_fields("by_when", dt.date(2025, 10, 24)),
            "responsible": "Sam Jones",
            "how_we_will_know": "Walks in with the dog by 8:50",
        },
        follow=True,
    )
    assert "Meet at the side gate with the school dog" in plan_section(response.text)
    second = action(case, anxiety, "Wake-up call every school day for 2 weeks")

    response = client.post(
        reverse("cases:action_end", args=[case.pk, first.pk]),
        {"version": "2", **date_fields("ended_on", DAY_0)},
        follow=True,
    )
    assert "Ended 1 Oct 2025" in plan_section(response.text)
    assert PlanAction.unscoped.get(pk=first.pk).ended_on == DAY_0

    form = client.get(reverse("cases:review_new", args=[case.pk])).text
    assert f"action-{second.pk}-progress" in form
    assert f"action-{first.pk}-progress" not in form
    with pytest.raises(ValidationError, match="ended on 1 October 2025"):
        action_update(
            acting_user=case.lead_professional,
            case_id=case.pk,
            action_id=first.pk,
            version=3,
            action="Again",
            by_when=dt.date(2025, 11, 1),
            responsible="Sam",
            how_we_will_know="Seen",
        )


# --- Reviews ------------------------------------------------------------------


def test_a_review_keeps_the_attendance_since_the_plan_started_and_moves_the_next_review(case, on):
    pupil, school = case.pupil, case.school
    marks(
        pupil,
        school,
        {
            # Before the plan: not counted in its first review.
            **week("2025-09-29", "O", "O", days=2),
            **week("2025-10-01", "/", "\\", days=3),
            **week("2025-10-06", "/", "O"),
            **week("2025-10-13", "/", "\\", days=3),
            # After the review's date: not counted either.
            **week("2025-10-16", "O", "O", days=2),
        },
    )
    anxiety = barrier(case)
    plan(case)
    first = action(case, anxiety)

    on(dt.date(2025, 10, 15))
    # Signed in after the clock moves: a session lasts a working day.
    client = signed_in_client(case.lead_professional)
    form = client.get(reverse("cases:review_new", args=[case.pk])).text
    assert "Attendance since the plan started" in form
    assert "From 1 October 2025 to today" in form
    assert "77.3%" in form
    assert "17 of 22 possible sessions attended" in form
    assert "reviews that do not address lack of progress are a barrier to effective plans" in form

    response = client.post(
        reverse("cases:review_new", args=[case.pk]),
        {
            "version": "1",
            **date_fields("reviewed_on", dt.date(2025, 10, 15)),
            f"action-{first.pk}-progress": "some",
            f"action-{first.pk}-note": "Came in through the side gate 3 mornings.",
            "changes_made": "",
        },
        follow=True,
    )
    saved = PlanReview.unscoped.get(plan__case=case)
    assert saved.attendance_since == {
        "from": "2025-10-01",
        "to": "2025-10-15",
        "attended": 17,
        "authorised": 0,
        "unauthorised": 5,
        "possible": 22,
        "rate": pytest.approx(17 / 22 * 100),
    }
    assert saved.next_review_due == dt.date(2025, 10, 29)
    assert ActionPlan.unscoped.get(case=case).next_review_due == dt.date(2025, 10, 29)
    assert saved.progress.get().progress == "some"
    audit = AuditEvent.objects.get(target_type="cases.PlanReview", note="Progress of each action")
    assert audit.changes["progress"] == {str(first.pk): "some"}
    section = plan_section(response.text)
    assert "Review on 15 October 2025" in section
    assert "Some progress" in section

    on(dt.date(2025, 10, 22))
    second = review(case, "good", next_review_due=dt.date(2025, 11, 5))
    # From the day after the previous review: the two O days of 16-17 October.
    assert second.attendance_since["from"] == "2025-10-16"
    assert (second.attendance_since["possible"], second.attendance_since["unauthorised"]) == (4, 4)
    assert ActionPlan.unscoped.get(case=case).next_review_due == dt.date(2025, 11, 5)


def test_a_review_date_must_follow_the_previous_review(case, on):
    plan(case)
    action(case, barrier(case))
    on(dt.date(2025, 10, 15))
    review(case)
    with pytest.raises(ValidationError, match="after the previous review on 15 October 2025"):
        review(case, reviewed_on=dt.date(2025, 10, 14))
    with pytest.raises(ValidationError, match="today or earlier"):
        review(case, reviewed_on=dt.date(2025, 10, 16))
    with pytest.raises(ValidationError, match="next review must be after this review"):
        review(case, reviewed_on=dt.date(2025, 10, 15), next_review_due=DAY_0)


def test_a_review_form_without_progress_lists_the_missing_action(case, on):
    anxiety = barrier(case)
    plan(case)
    first = action(case, anxiety)
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:review_new", args=[case.pk]),
        {"version": "1", **date_fields("reviewed_on", DAY_0)},
    )
    assert "There is a problem" in response.text
    assert f'href="#id_action-{first.pk}-progress_1"' in response.text
    assert "Select the progress of action 1" in response.text
    assert not PlanReview.unscoped.exists()


def test_the_overdue_review_flag_shows_the_day_after_it_was_due_not_on_the_day(case, on):
    plan(case, review_every_days=7)
    action(case, barrier(case))
    caseload_cell = re.compile(r"8 Oct 2025\s*<strong class=\"govuk-tag govuk-tag--red\">Overdue")

    on(dt.date(2025, 10, 8))
    client = signed_in_client(case.lead_professional)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert "Review overdue" not in plan_section(page)
    assert "Plan review due by 8 October 2025" in page
    assert not caseload_cell.search(client.get(reverse("cases:caseload")).text)

    on(dt.date(2025, 10, 9))
    client = signed_in_client(case.lead_professional)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert "Review overdue" in plan_section(page)
    assert re.search(r"Plan review due by 8 October 2025\s*<strong[^>]*>Overdue", page)
    caseload = client.get(reverse("cases:caseload")).text
    assert caseload_cell.search(caseload)
    # Only the plan is overdue: the family contact is not due until 15 October.
    assert caseload.count(">Overdue<") == 1


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [("", True), ("Moved the meeting point to the library entrance.", False)],
)
def test_same_actions_no_progress_at_two_reviews_running(case, on, changes, flagged):
    anxiety = barrier(case)
    plan(case)
    stuck = action(case, anxiety)
    moving = action(case, anxiety, "Wake-up call every school day")

    on(dt.date(2025, 10, 15))
    review(case, "none")
    client = signed_in_client(case.lead_professional)
    assert (
        "Same actions, no progress"
        not in client.get(reverse("cases:case_detail", args=[case.pk])).text
    )

    on(dt.date(2025, 10, 29))
    current = ActionPlan.unscoped.get(case=case)
    review_create(
        acting_user=case.lead_professional,
        case_id=case.pk,
        version=current.version,
        reviewed_on=dt.date(2025, 10, 29),
        progress={stuck.pk: Progress("none"), moving.pk: Progress("some")},
        changes_made=changes,
    )
    client = signed_in_client(case.lead_professional)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    section = plan_section(page)
    assert ("Same actions, no progress" in section) is flagged
    assert ("Same actions, no progress" in page.split('id="plan"')[0]) is flagged
    if flagged:
        # The stuck action's row carries the tag; the moving one's does not.
        rows = section.split('<tr class="govuk-table__row">')
        stuck_row = next(r for r in rows if "Meet at the gate" in r)
        moving_row = next(r for r in rows if "Wake-up call" in r)
        assert "Same actions, no progress" in stuck_row
        assert "Same actions, no progress" not in moving_row

    # The review form points at the action that made no progress last time.
    form = client.get(reverse("cases:review_new", args=[case.pk])).text
    assert "If there is still no progress, say what you will do differently." in form


def test_discouraged_words_are_saved_with_a_gentle_warning(case):
    anxiety = barrier(case)
    plan(case)
    response = signed_in_client(case.lead_professional).post(
        reverse("cases:action_new", args=[case.pk, anxiety.pk]),
        {
            "action": "Address his school refusal with a phased return",
            **date_fields("by_when", dt.date(2025, 10, 10)),
            "responsible": "Sam Jones",
            "how_we_will_know": "In school",
        },
        follow=True,
    )
    assert "describe the specific barrier instead" in response.text
    assert PlanAction.unscoped.get().action == "Address his school refusal with a phased return"


# --- Who may change the plan ------------------------------------------------------


def _services(
    case: AttendanceCase, the_action: PlanAction | None
) -> dict[str, Callable[[User], Any]]:
    """Every plan service, ready to call as a given user on `case`."""
    action_id = the_action.pk if the_action else 0
    day = DAY_0
    return {
        "plan_create": lambda user: plan_create(
            acting_user=user,
            case_id=case.pk,
            target_attendance=Decimal("95"),
            target_date=dt.date(2025, 12, 19),
            agreed_on=DAY_0,
        ),
        "plan_update": lambda user: plan_update(
            acting_user=user,
            case_id=case.pk,
            version=1,
            target_attendance=Decimal("90"),
            target_date=dt.date(2025, 12, 19),
            review_every_days=14,
        ),
        "action_create": lambda user: action_create(
            acting_user=user,
            case_id=case.pk,
            barrier_id=Barrier.unscoped.filter(case=case).values_list("pk", flat=True).first() or 0,
            action="Another",
            by_when=dt.date(2025, 10, 31),
            responsible="Sam",
            how_we_will_know="Seen",
        ),
        "action_update": lambda user: action_update(
            acting_user=user,
            case_id=case.pk,
            action_id=action_id,
            version=1,
            action="Changed",
            by_when=dt.date(2025, 10, 31),
            responsible="Sam",
            how_we_will_know="Seen",
        ),
        "action_end": lambda user: action_end(
            acting_user=user, case_id=case.pk, action_id=action_id, version=1, ended_on=day
        ),
        "review_create": lambda user: review_create(
            acting_user=user,
            case_id=case.pk,
            version=1,
            reviewed_on=day,
            progress={action_id: Progress("some")},
        ),
    }


SERVICES = [
    "plan_create",
    "plan_update",
    "action_create",
    "action_update",
    "action_end",
    "review_create",
]


def _case_with_plan(**case_fields: Any) -> tuple[AttendanceCase, PlanAction]:
    case = AttendanceCaseFactory(opened_at=at(DAY_0, 9), **case_fields)
    anxiety = barrier(case)
    plan(case)
    return case, action(case, anxiety)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_a_case_out_of_scope_as_missing(on, service):
    case, the_action = _case_with_plan()
    outsider = UserFactory(school=SchoolFactory(local_authority=case.school.local_authority))
    with pytest.raises(Http404):
        _services(case, the_action)[service](outsider)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_read_only_staff(on, service):
    case, the_action = _case_with_plan()
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    with pytest.raises(PermissionDenied):
        _services(case, the_action)[service](staff)
    assert PlanAction.unscoped.get(pk=the_action.pk).version == 1


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_a_closed_case_with_a_clear_message(on, service):
    case, the_action = _case_with_plan()
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status="closed", stage="closed", closing_reason="improved", closed_at=at(DAY_0, 15)
    )
    with pytest.raises(CaseClosed, match="closed on 1 October 2025, so it cannot be changed"):
        _services(case, the_action)[service](case.lead_professional)


@pytest.mark.parametrize(
    ("service", "refusal"),
    [("action_update", Http404), ("action_end", Http404), ("review_create", StaleEdit)],
)
def test_an_action_of_another_case_is_missing(on, service, refusal):
    """Changing or ending it is a 404; a review of this case cannot report on it."""
    case, _ = _case_with_plan()
    _, elsewhere = _case_with_plan(school=case.school, lead_professional=case.lead_professional)
    with pytest.raises(refusal):
        _services(case, elsewhere)[service](case.lead_professional)
    assert PlanAction.unscoped.get(pk=elsewhere.pk).version == 1
    assert not PlanReview.unscoped.exists()


def test_a_barrier_or_action_of_another_case_is_404_on_the_pages(on):
    case, _ = _case_with_plan()
    other, elsewhere = _case_with_plan(school=case.school, lead_professional=case.lead_professional)
    client = signed_in_client(case.lead_professional)
    other_barrier = elsewhere.barrier
    assert (
        client.get(reverse("cases:action_new", args=[case.pk, other_barrier.pk])).status_code == 404
    )
    for name in ("cases:action_change", "cases:action_end"):
        assert client.get(reverse(name, args=[case.pk, elsewhere.pk])).status_code == 404
        assert client.get(reverse(name, args=[other.pk, elsewhere.pk])).status_code == 200


@pytest.mark.parametrize(
    ("visitor", "status"),
    [("lead of another school", 404), ("read-only staff", 403), ("LA officer", 403)],
)
@pytest.mark.parametrize("name", ["cases:plan_new", "cases:plan_change", "cases:review_new"])
def test_the_plan_pages_are_for_the_schools_lead_and_dsl(on, visitor, status, name):
    case, _ = _case_with_plan()
    user = {
        "lead of another school": UserFactory(
            school=SchoolFactory(local_authority=case.school.local_authority)
        ),
        "read-only staff": UserFactory(role=Role.SCHOOL_STAFF, school=case.school),
        "LA officer": UserFactory(la_user=True, local_authority=case.school.local_authority),
    }[visitor]
    assert signed_in_client(user).get(reverse(name, args=[case.pk])).status_code == status
    dsl = UserFactory(role=Role.DSL, school=case.school)
    assert signed_in_client(dsl).get(reverse(name, args=[case.pk])).status_code in (200, 302)


def test_a_stale_edit_is_refused_and_changes_nothing(case, on):
    anxiety = barrier(case)
    plan(case)
    the_action = action(case, anxiety)
    lead = case.lead_professional
    plan_update(
        acting_user=lead,
        case_id=case.pk,
        version=1,
        target_attendance=Decimal("92"),
        target_date=dt.date(2025, 12, 19),
        review_every_days=14,
    )
    with pytest.raises(StaleEdit):
        plan_update(
            acting_user=lead,
            case_id=case.pk,
            version=1,
            target_attendance=Decimal("80"),
            target_date=dt.date(2025, 12, 19),
            review_every_days=7,
        )
    saved = ActionPlan.unscoped.get(case=case)
    assert (saved.target_attendance, saved.review_every_days) == (Decimal("92"), 14)

    # A review opened before the aim changed is stale too.
    with pytest.raises(StaleEdit):
        review_create(
            acting_user=lead,
            case_id=case.pk,
            version=1,
            reviewed_on=DAY_0,
            progress={the_action.pk: Progress("some")},
        )
    # So is one that does not cover an action added since it was opened.
    added = action(case, anxiety, "Added later")
    with pytest.raises(StaleEdit, match="actions changed after you opened this review"):
        review_create(
            acting_user=lead,
            case_id=case.pk,
            version=2,
            reviewed_on=DAY_0,
            progress={the_action.pk: Progress("some")},
        )
    assert not PlanReview.unscoped.exists()
    assert added.version == 1

    # Through the page: the error is shown and the action unchanged.
    response = signed_in_client(lead).post(
        reverse("cases:action_end", args=[case.pk, the_action.pk]),
        {"version": "0", **date_fields("ended_on", DAY_0)},
    )
    assert "Someone else changed this record after you opened it" in response.text
    assert PlanAction.unscoped.get(pk=the_action.pk).ended_on is None


def test_a_plan_needs_its_aim_before_actions_and_actions_before_a_review(case):
    anxiety = barrier(case)
    client = signed_in_client(case.lead_professional)
    for url in (
        reverse("cases:review_new", args=[case.pk]),
        reverse("cases:action_new", args=[case.pk, anxiety.pk]),
        reverse("cases:plan_change", args=[case.pk]),
    ):
        response = client.get(url)
        assert response.url == reverse("cases:plan_new", args=[case.pk])
    with pytest.raises(ValidationError, match="Write the plan's aim"):
        action(case, anxiety)
    plan(case)
    with pytest.raises(ValidationError, match="Add at least one action before reviewing"):
        review_create(
            acting_user=case.lead_professional,
            case_id=case.pk,
            version=1,
            reviewed_on=DAY_0,
            progress={},
        )
    with pytest.raises(ValidationError, match="already has a SMART action plan"):
        plan(case)


# --- Query counts -----------------------------------------------------------------


def test_the_case_page_query_count_does_not_grow_with_the_plan(on):
    counts = {}
    for size in (1, 10):
        on(DAY_0)
        case = AttendanceCaseFactory(opened_at=at(DAY_0, 9))
        plan(case)
        for n in range(size):
            action(case, barrier(case, description=f"Barrier {n}"), f"Action {n}")
        for n in range(size):
            on(DAY_0 + dt.timedelta(days=n))
            review(case, "none" if n % 2 else "some", changes="" if n % 3 else "Tried a new time")
        client = signed_in_client(case.lead_professional)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("cases:case_detail", args=[case.pk]))
        assert plan_section(page.text).count("Review on ") == size
        counts[size] = len(queries)
    assert counts[1] == counts[10], counts
    # 33: the referral section reads the case's referrals and penalty notices,
    # and opening the case file is audited (one insert).
    assert counts[10] <= 33


# --- In a browser ---------------------------------------------------------------------

browser = browser_helpers.browser
page = browser_helpers.page


def _a_plan_that_needs_attention() -> AttendanceCase:
    """Two barriers, one without an action; two reviews with no progress and
    no changes; the next review overdue on 13 November 2025."""
    with time_machine.travel(at(DAY_0), tick=False):
        lead = UserFactory(email="lead@riverside.example.org", full_name="Priya Shah")
        case = AttendanceCaseFactory(
            school=lead.school, lead_professional=lead, opened_at=at(DAY_0, 9)
        )
        marks(
            case.pupil,
            case.school,
            {**week("2025-10-01", "/", "\\", days=3), **week("2025-10-06", "/", "O")},
        )
        anxiety = barrier(case, description="Worried about the noise in the dinner hall.")
        barrier(case, "transport", description="The bus route was cut in September.")
        plan(case)
        action(case, anxiety, "Meet at the side gate with the school dog each morning")
    for day in (dt.date(2025, 10, 15), dt.date(2025, 10, 29)):
        with time_machine.travel(at(day), tick=False):
            review(case, "none")
    return case


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_plan_and_its_review_in_a_browser(live_server, page, axe_source):
    case = _a_plan_that_needs_attention()
    # Signed in at the real time (the session cookie must not have expired for
    # the browser), then the clock moves to the day the review is overdue.
    sign_in(page, live_server.url, case.lead_professional.email)
    with time_machine.travel(at(dt.date(2025, 11, 13)), tick=True):
        page.goto(live_server.url + reverse("cases:case_detail", args=[case.pk]) + "#plan")
        section = page.locator("#plan")
        assert section.get_by_role("heading", name="SMART action plan").is_visible()
        assert section.get_by_text("No action for this barrier yet").is_visible()
        assert section.get_by_text("Review overdue").first.is_visible()
        section.scroll_into_view_if_needed()
        screenshot(page, "case_plan")
        assert axe_violations(page, axe_source) == []

        section.get_by_role("link", name="Record a review").click()
        page.get_by_role("button", name="Record the review").click()
        assert page.get_by_role("heading", name="There is a problem").is_visible()
        screenshot(page, "plan_review_errors")
        assert axe_violations(page, axe_source) == []

        # The other forms of the plan, each checked by axe.
        transport = Barrier.unscoped.get(case=case, kind="transport")
        for url in (
            reverse("cases:plan_change", args=[case.pk]),
            reverse("cases:action_new", args=[case.pk, transport.pk]),
            reverse("cases:action_end", args=[case.pk, PlanAction.unscoped.get(case=case).pk]),
        ):
            page.goto(live_server.url + url)
            assert axe_violations(page, axe_source) == [], url
        page.get_by_role("button", name="End the action").click()
        page.wait_for_url(f"**/cases/{case.pk}/**")
        assert page.locator("#plan").get_by_text("Ended 13 Nov 2025").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_plan_is_written_without_javascript(live_server, browser):
    with time_machine.travel(at(DAY_0), tick=False):
        lead = UserFactory(email="lead@hillside.example.org")
        case = AttendanceCaseFactory(
            school=lead.school, lead_professional=lead, opened_at=at(DAY_0, 9)
        )
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    no_js = context.new_page()
    sign_in(no_js, live_server.url, lead.email)
    with time_machine.travel(at(DAY_0), tick=True):
        no_js.goto(live_server.url + reverse("cases:plan_new", args=[case.pk]))
        no_js.get_by_label("Attendance target (%)").fill("95")
        dates = no_js.get_by_role("group", name="Date the pupil should reach the target")
        dates.get_by_label("Day").fill("19")
        dates.get_by_label("Month").fill("12")
        dates.get_by_label("Year").fill("2025")
        screenshot(no_js, "plan_new")
        no_js.get_by_role("button", name="Save the aim").click()
        no_js.wait_for_url(f"**/cases/{case.pk}/**")
        assert no_js.get_by_text("95% attendance by 19 December 2025").is_visible()
    context.close()
