"""Holiday penalty-notice requests (docs/rules.md A5, "Holiday penalty-notice
requests"): the school asks the LA for a penalty notice for leave of absence it
refused (code G), without the Support First referral; the LA returns, accepts
or declines; an accepted request is a route to a penalty notice.

The worked example throughout: a pupil present every weekday of the spring
term 2026 except Monday 2 to Friday 6 March, coded G (10 sessions). The
parents asked on 5 January for leave from 2 to 6 March ("family wedding
abroad"); the school refused on 8 January (not exceptional). Sources: the
Education (Penalty Notices) (England) Regulations 2007 as amended by SI
2024/210 and Working together to improve school attendance (DfE, 2024): a
penalty notice is considered at 10 sessions of unauthorised absence in 10
school weeks; no more than two notices to a parent for a child in 3 years;
payment periods from receipt.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import Role
from attendance.models import RegisterYear
from attendance.years import academic_year_of, empty_marks, mark_index
from cases.models import AttendanceCase
from core.models import AuditEvent
from notices.models import HolidayRequest, PenaltyNotice
from notices.services.holiday import (
    holiday_penalty_notice_issue,
    holiday_request_accept,
    holiday_request_decline,
    holiday_request_return,
    holiday_request_submit,
)
from notices.services.penalties import ROUTES, HolidayRequestRoute

from .check_helpers import post_and_confirm
from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
LONDON = ZoneInfo("Europe/London")
LEAVE = (D(2026, 3, 2), D(2026, 3, 6))
SUBMITTED_ON = D(2026, 3, 9)
ACCEPTED_ON = D(2026, 3, 16)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=LONDON), tick=False)


def mark(pupil, school, first: dt.date, last: dt.date, code: str) -> None:
    """`code` both sessions of every weekday from `first` to `last`."""
    current = first
    while current <= last:
        if current.weekday() < 5:
            register, _ = RegisterYear.unscoped.get_or_create(
                pupil=pupil,
                school=school,
                academic_year=academic_year_of(current),
                defaults={"marks": empty_marks(academic_year_of(current))},
            )
            chars = list(register.marks)
            chars[mark_index(current, "AM")] = code
            chars[mark_index(current, "PM")] = code
            register.marks = "".join(chars)
            register.save(update_fields=["marks"])
        current += dt.timedelta(days=1)


@pytest.fixture
def world():
    school = SchoolFactory()
    pupil = PupilFactory(school=school, date_of_birth=D(2015, 5, 1))
    mother = PupilCarerFactory(pupil=pupil, contact_priority=1)
    father = PupilCarerFactory(
        pupil=pupil, relationship="father", contact_priority=2, lives_with_pupil=False
    )
    # A step-parent without parental responsibility: not a choice.
    step = PupilCarerFactory(
        pupil=pupil, relationship="other", parental_responsibility=False, contact_priority=3
    )
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    mark(pupil, school, D(2026, 1, 5), D(2026, 3, 27), "/")
    mark(pupil, school, *LEAVE, "G")
    return {
        "school": school,
        "pupil": pupil,
        "mother": mother,
        "father": father,
        "step": step,
        "lead": lead,
        "officer": officer,
    }


def answers(world, **changes):
    data = {
        "pupil_id": world["pupil"].pk,
        "sessions_first_day": LEAVE[0],
        "sessions_last_day": LEAVE[1],
        "leave_first_day": LEAVE[0],
        "leave_last_day": LEAVE[1],
        "requested_by": "Mrs Jones (mother)",
        "requested_on": D(2026, 1, 5),
        "request_reason": "Family wedding abroad",
        "refused_on": D(2026, 1, 8),
        "refusal_reason": "Not exceptional circumstances",
        "parent_ids": [world["mother"].pk],
    }
    data.update(changes)
    return data


def submit(world, **changes):
    with at(SUBMITTED_ON):
        return holiday_request_submit(acting_user=world["lead"], **answers(world, **changes))


def test_a_holiday_request_through_return_resubmission_acceptance_to_a_notice(world):
    """Submitted 9 March for 10 G sessions (2 to 6 March): threshold 10 as at
    6 March, met. Returned for the father to be added; resubmitted as version 2
    naming both parents; accepted 16 March (no case, so one is opened at
    "Referred for legal intervention"); a notice issued to the mother on
    16 March, posted first class, is received Wednesday 18 March: £80 by
    7 April (day 21), £160 by 14 April (day 28), offence period 2 to 6 March,
    the leave's dates."""
    first = submit(world)
    assert first.version == 1
    assert (first.threshold_sessions, first.threshold_as_at) == (10, D(2026, 3, 6))
    assert len(first.leave_sessions) == 10
    assert {s["code"] for s in first.leave_sessions} == {"G"}
    assert first.limit_check[0]["sequence"] == 1

    with at(D(2026, 3, 10)):
        holiday_request_return(
            acting_user=world["officer"], request_id=first.pk, reasons="Name the father too"
        )
    with at(D(2026, 3, 11)):
        second = holiday_request_submit(
            acting_user=world["lead"],
            previous_id=first.pk,
            **answers(world, parent_ids=[world["mother"].pk, world["father"].pk]),
        )
    assert (second.version, second.previous) == (2, first)
    first.refresh_from_db()
    assert first.status == HolidayRequest.Status.RETURNED  # kept, readable
    with at(D(2026, 3, 11)), pytest.raises(ValidationError, match="already been resubmitted"):
        holiday_request_submit(acting_user=world["lead"], previous_id=first.pk, **answers(world))

    with at(ACCEPTED_ON):
        accepted = holiday_request_accept(acting_user=world["officer"], request_id=second.pk)
    assert accepted.status == HolidayRequest.Status.ACCEPTED
    case = accepted.case
    assert case is not None
    assert case.stage == AttendanceCase.Stage.REFERRED
    assert (case.pupil, case.status) == (world["pupil"], AttendanceCase.Status.OPEN)

    with at(ACCEPTED_ON):
        notice = holiday_penalty_notice_issue(
            acting_user=world["officer"],
            request_id=second.pk,
            recipient_id=world["mother"].pk,
            issued_on=ACCEPTED_ON,
            service_method="first_class",
            served_on=ACCEPTED_ON,
        )
    assert notice.route == PenaltyNotice.Route.HOLIDAY_REQUEST
    assert notice.holiday_request == second
    assert notice.decision is None
    assert (notice.offence_first_day, notice.offence_last_day) == LEAVE
    assert notice.received_on == D(2026, 3, 18)
    assert notice.sequence == 1
    assert (notice.amount_if_paid_by_day_21, notice.reduced_due_on) == (80_00, D(2026, 4, 7))
    assert (notice.amount_if_paid_by_day_28, notice.full_due_on) == (160_00, D(2026, 4, 14))
    assert len(notice.unauthorised_sessions) == 10

    def trail(target):
        return [
            (e.action, e.changes.get("status"))
            for e in AuditEvent.objects.filter(
                target_type=target._meta.label, target_id=str(target.pk)
            ).order_by("pk")
        ]

    assert trail(first) == [
        (AuditEvent.Action.CREATE, None),
        (AuditEvent.Action.UPDATE, ["submitted", "returned"]),
    ]
    assert trail(second) == [
        (AuditEvent.Action.CREATE, None),
        (AuditEvent.Action.UPDATE, ["submitted", "accepted"]),
    ]
    assert trail(case) == [(AuditEvent.Action.CREATE, None)]
    assert trail(notice) == [(AuditEvent.Action.CREATE, None)]


def test_the_route_is_registered_and_refuses_a_parent_not_named(world):
    """The notice may go only to a parent the school named as responsible: the
    father, not named in version 1, is refused."""
    assert isinstance(ROUTES[PenaltyNotice.Route.HOLIDAY_REQUEST], HolidayRequestRoute)
    request = submit(world)
    with at(ACCEPTED_ON):
        holiday_request_accept(acting_user=world["officer"], request_id=request.pk)
        with pytest.raises(ValidationError, match="did not name this parent"):
            holiday_penalty_notice_issue(
                acting_user=world["officer"],
                request_id=request.pk,
                recipient_id=world["father"].pk,
                issued_on=ACCEPTED_ON,
                service_method="hand",
                served_on=ACCEPTED_ON,
            )


def test_a_request_not_accepted_is_no_route(world):
    request = submit(world)
    with at(ACCEPTED_ON), pytest.raises(ValidationError, match="accepted"):
        holiday_penalty_notice_issue(
            acting_user=world["officer"],
            request_id=request.pk,
            recipient_id=world["mother"].pk,
            issued_on=ACCEPTED_ON,
            service_method="hand",
            served_on=ACCEPTED_ON,
        )


def test_acceptance_attaches_to_an_open_case_and_keeps_its_stage(world):
    """A pupil with an open Support First case: the request is attached to it
    and the case stays at its stage (the holiday is a separate offence)."""
    case = AttendanceCaseFactory(
        school=world["school"], pupil=world["pupil"], lead_professional=world["lead"]
    )
    request = submit(world)
    with at(ACCEPTED_ON):
        accepted = holiday_request_accept(acting_user=world["officer"], request_id=request.pk)
    assert accepted.case == case
    case.refresh_from_db()
    assert case.stage == "targeted"


def test_refused_when_no_session_is_coded_g(world):
    """The same week coded O (unauthorised, not holiday): 10 unauthorised
    sessions, but none G, so it is not a holiday request."""
    mark(world["pupil"], world["school"], *LEAVE, "O")
    with pytest.raises(ValidationError, match="no session coded G"):
        submit(world)
    assert not HolidayRequest.unscoped.exists()


def test_refused_when_the_threshold_is_not_met(world):
    """G on Monday 2 to Thursday 5 March only (8 sessions), present on Friday:
    8 unauthorised sessions in the last 10 school weeks as at 5 March, below
    the national threshold of 10."""
    mark(world["pupil"], world["school"], D(2026, 3, 6), D(2026, 3, 6), "/")
    with pytest.raises(ValidationError, match="threshold is not met: 8 unauthorised"):
        submit(world)


def test_refused_for_a_child_not_yet_of_compulsory_school_age(world):
    """Born 10 February 2021: five on 10 February 2026, of compulsory school
    age from the next prescribed day, 31 March 2026 (Education Act 1996 s8(2),
    SI 1998/1607). The G sessions of 2 to 6 March fall before it, so no
    penalty notice could follow and the request is refused at submission."""
    world["pupil"].date_of_birth = D(2021, 2, 10)
    world["pupil"].save(update_fields=["date_of_birth"])
    with pytest.raises(ValidationError, match="only from 31 March 2026") as refused:
        submit(world)
    assert refused.value.code == "not_compulsory_school_age"
    assert not HolidayRequest.unscoped.exists()


def test_the_threshold_counts_other_unauthorised_absence_in_the_window(world):
    """G on 2 to 5 March (8) plus an O on Monday and Tuesday 9 February (2
    more sessions, within the 10 school weeks to 5 March): 10, met."""
    mark(world["pupil"], world["school"], D(2026, 3, 6), D(2026, 3, 6), "/")
    mark(world["pupil"], world["school"], D(2026, 2, 9), D(2026, 2, 9), "O")
    request = submit(world)
    assert request.threshold_sessions == 10
    assert len(request.leave_sessions) == 8


def test_the_three_year_limit_refuses_a_parent_with_two_notices(world):
    """The mother had notices on 10 January 2024 and 1 February 2025 for this
    child (at any school): a third on 9 March 2026 is within 3 years of the
    first, so the request naming her is refused; naming the father alone is
    allowed, as a first notice for him."""
    other_case = AttendanceCaseFactory(pupil=world["pupil"])
    for issued_on, sequence in ((D(2024, 1, 10), 1), (D(2025, 2, 1), 2)):
        PenaltyNotice.unscoped.create(
            case=other_case,
            recipient=world["mother"],
            issued_on=issued_on,
            issued_by=world["officer"],
            sequence=sequence,
            amount_if_paid_by_day_21=80_00 if sequence == 1 else None,
            reduced_due_on=issued_on + dt.timedelta(days=20) if sequence == 1 else None,
            amount_if_paid_by_day_28=160_00,
            full_due_on=issued_on + dt.timedelta(days=27),
            updated_by=world["officer"],
        )
    with pytest.raises(ValidationError, match="A third penalty notice within 3 years"):
        submit(world)
    request = submit(world, parent_ids=[world["father"].pk])
    assert request.limit_check == [
        {
            "parent_id": world["father"].pk,
            "parent": str(world["father"].carer),
            "sequence": 1,
            "refusal": "",
            "window_ends_on": "2029-03-09",
        }
    ]


def test_a_parent_without_parental_responsibility_cannot_be_named(world):
    with pytest.raises(ValidationError, match="parental responsibility"):
        submit(world, parent_ids=[world["step"].pk])


def test_decline_is_final_and_needs_reasons(world):
    request = submit(world)
    with at(ACCEPTED_ON):
        with pytest.raises(ValidationError):
            holiday_request_decline(
                acting_user=world["officer"], request_id=request.pk, reasons=" "
            )
        holiday_request_decline(
            acting_user=world["officer"], request_id=request.pk, reasons="Exceptional: bereavement"
        )
        with pytest.raises(ValidationError, match="Only a submitted request"):
            holiday_request_accept(acting_user=world["officer"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == HolidayRequest.Status.DECLINED


# Scope and roles ----------------------------------------------------------------------


def test_another_school_cannot_see_the_request(world):
    request = submit(world)
    other_lead = UserFactory(
        role=Role.ATTENDANCE_LEAD,
        school=SchoolFactory(local_authority=world["school"].local_authority),
    )
    client = signed_in_client(other_lead)
    assert client.get(reverse("notices:holiday_detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("notices:holiday_correct", args=[request.pk])).status_code == 404
    listing = client.get(reverse("notices:holiday_list") + "?status=all")
    assert world["pupil"].display_name not in listing.content.decode()
    with pytest.raises(Http404):
        holiday_request_return(acting_user=other_lead, request_id=request.pk, reasons="x")


def test_the_school_cannot_accept_its_own_request(world):
    request = submit(world)
    client = signed_in_client(world["lead"])
    assert client.get(reverse("notices:holiday_detail", args=[request.pk])).status_code == 200
    response = client.post(reverse("notices:holiday_accept", args=[request.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        holiday_request_accept(acting_user=world["lead"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == HolidayRequest.Status.SUBMITTED


def test_another_las_officer_gets_404(world):
    request = submit(world)
    stranger = UserFactory(la_user=True)
    client = signed_in_client(stranger)
    assert client.get(reverse("notices:holiday_detail", args=[request.pk])).status_code == 404
    assert client.post(reverse("notices:holiday_accept", args=[request.pk])).status_code == 404
    with pytest.raises(Http404):
        holiday_request_accept(acting_user=stranger, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == HolidayRequest.Status.SUBMITTED


def test_an_la_officer_cannot_submit(world):
    with pytest.raises(PermissionDenied), at(SUBMITTED_ON):
        holiday_request_submit(acting_user=world["officer"], **answers(world))


# Pages ------------------------------------------------------------------------------


def test_the_pages_walk_from_pupil_to_notice(world):
    lead = signed_in_client(world["lead"])
    pupil_page = lead.get(reverse("cases:pupil_detail", args=[world["pupil"].pk]))
    new_url = reverse("notices:holiday_request_new", args=[world["pupil"].pk])
    assert new_url in pupil_page.content.decode()
    form = lead.get(new_url).content.decode()
    assert str(world["step"].carer) not in form  # no parental responsibility
    post = {"requested_by": "Mrs Jones", "request_reason": "Wedding", "refusal_reason": "No"}
    for name, day in (
        ("sessions_first_day", LEAVE[0]),
        ("sessions_last_day", LEAVE[1]),
        ("leave_first_day", LEAVE[0]),
        ("leave_last_day", LEAVE[1]),
        ("requested_on", D(2026, 1, 5)),
        ("refused_on", D(2026, 1, 8)),
    ):
        post.update({f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year})
    post["parents"] = [world["mother"].pk]
    with at(SUBMITTED_ON):
        response = lead.post(new_url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    request = HolidayRequest.unscoped.get()
    officer = signed_in_client(world["officer"])
    inbox = officer.get(reverse("notices:inbox")).content.decode()
    assert reverse("notices:holiday_list") in inbox
    listing = officer.get(reverse("notices:holiday_list")).content.decode()
    assert reverse("notices:holiday_detail", args=[request.pk]) in listing
    detail = officer.get(reverse("notices:holiday_detail", args=[request.pk])).content.decode()
    assert "10 unauthorised sessions" in detail
    with at(ACCEPTED_ON):
        accept_url = reverse("notices:holiday_accept", args=[request.pk])
        assert post_and_confirm(officer, accept_url).status_code == 302
        issue = officer.get(reverse("notices:holiday_issue", args=[request.pk]))
    assert issue.status_code == 200
    assert 'value="2"' in issue.content.decode()  # the leave's first day, 2 March


def test_a_refusal_shows_on_the_form(world):
    mark(world["pupil"], world["school"], *LEAVE, "O")
    lead = signed_in_client(world["lead"])
    post = {"requested_by": "Mrs Jones", "request_reason": "Wedding", "refusal_reason": "No"}
    for name, day in (
        ("sessions_first_day", LEAVE[0]),
        ("sessions_last_day", LEAVE[1]),
        ("leave_first_day", LEAVE[0]),
        ("leave_last_day", LEAVE[1]),
        ("requested_on", D(2026, 1, 5)),
        ("refused_on", D(2026, 1, 8)),
    ):
        post.update({f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year})
    post["parents"] = [world["mother"].pk]
    with at(SUBMITTED_ON):
        response = lead.post(reverse("notices:holiday_request_new", args=[world["pupil"].pk]), post)
    assert response.status_code == 200
    assert "no session coded G" in response.content.decode()


def test_the_list_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """Three requests from three pupils: the LA's list does not query per row."""
    submit(world)
    for _ in range(2):
        pupil = PupilFactory(school=world["school"], date_of_birth=D(2015, 5, 1))
        parent = PupilCarerFactory(pupil=pupil)
        mark(pupil, world["school"], *LEAVE, "G")
        submit({**world, "pupil": pupil, "mother": parent})
    client = signed_in_client(world["officer"])
    # One of them counts the requests for the pages of the list.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notices:holiday_list"))
    assert response.content.decode().count("notices/holiday-requests/") >= 3
    assert "Showing 1 to 3 of 3 requests" in response.text


def test_the_list_pages_with_the_count_shown(world, monkeypatch):
    monkeypatch.setattr("core.pagination.LIST_PAGE_SIZE", 2)
    submit(world)
    for _ in range(2):
        pupil = PupilFactory(school=world["school"], date_of_birth=D(2015, 5, 1))
        parent = PupilCarerFactory(pupil=pupil)
        mark(pupil, world["school"], *LEAVE, "G")
        submit({**world, "pupil": pupil, "mother": parent})
    client = signed_in_client(world["officer"])
    first = client.get(reverse("notices:holiday_list"), {"status": "all"})
    assert "Showing 1 to 2 of 3 requests" in first.text
    # The next page keeps the list's filter.
    assert 'href="?status=all&amp;page=2"' in first.text
    second = client.get(reverse("notices:holiday_list"), {"status": "all", "page": "2"})
    assert "Showing 3 to 3 of 3 requests" in second.text
    shown = [r.pk for r in first.context["rows"]] + [r.pk for r in second.context["rows"]]
    assert len(set(shown)) == 3
