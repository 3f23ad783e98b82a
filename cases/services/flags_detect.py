"""Cases' kinds of flag, and the attendance-level ones judged from attendance's
stored figures (cases is the lowest app that can name a case). Each detector is
one set-based query per batch of schools (cases.hooks.Detector), reusing the
rules the pages use (cases/flags.py, attendance/figures.py), so "overdue"
means the same thing on the caseload, the case page and the today page.

Rules and sources: docs/rules.md#flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from attendance.figures import NATIONAL_THRESHOLD_SESSIONS
from attendance.models import PupilFigures
from pupils.models import Enrolment, PupilCarer

from ..flags import next_contact_due, plan_state
from ..hooks import Audience, Due, FlagKind, Night, pathway_numbers
from ..models import (
    ActionPlan,
    AttendanceCase,
    Flag,
    PartTimeTimetable,
    PlanReview,
    SupportMeeting,
)
from .flags_gap import absence_rising_without_contact

DAY = dt.timedelta(days=1)


def _open_case(pupil: str = "pupil_id", school: str = "school_id") -> Exists:
    return Exists(
        AttendanceCase.unscoped.filter(
            pupil_id=OuterRef(pupil), school_id=OuterRef(school), status=AttendanceCase.Status.OPEN
        )
    )


def _figures(night: Night) -> QuerySet[PupilFigures]:
    """Pupils on roll at the night's schools, from the stored figures (as at the
    last full day: the figures refresh runs before the nightly job)."""
    return PupilFigures.unscoped.filter(school_id__in=night.school_ids, on_roll=True)


# The national threshold (rule A3) -------------------------------------------


def threshold_without_case(night: Night) -> Iterator[Due]:
    """A pupil on roll who meets the national threshold (10 unauthorised sessions
    in a rolling 10 school weeks) with no open case at the school: on the
    school's "needs a case" list until a case is opened or the count falls."""
    rows = (
        _figures(night)
        .filter(national_threshold_met=True)
        .exclude(_open_case())
        .values_list("pupil_id", "school_id", "as_at", "unauthorised_last_10_school_weeks")
    )
    for pupil_id, school_id, as_at, sessions in rows.iterator(chunk_size=2000):
        due = night.next_school_day(school_id, as_at)
        if due > night.as_at:
            continue
        yield Due(
            f"pupil:{pupil_id}@{school_id}",
            school_id,
            due,
            pupil_id=pupil_id,
            detail=f"{sessions} unauthorised sessions in the last 10 school weeks",
        )


def threshold_with_case(night: Night) -> Iterator[Due]:
    """The same threshold, met by a pupil whose case is open: the lead decides
    whether the pathway moves on (rule A3, A4)."""
    cases = AttendanceCase.unscoped.filter(
        pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id"), status="open"
    ).values("pk")[:1]
    rows = (
        _figures(night)
        .filter(national_threshold_met=True)
        .annotate(case_id=Subquery(cases))
        .filter(case_id__isnull=False)
        .values_list(
            "case_id", "pupil_id", "school_id", "as_at", "unauthorised_last_10_school_weeks"
        )
    )
    for case_id, pupil_id, school_id, as_at, sessions in rows.iterator(chunk_size=2000):
        due = night.next_school_day(school_id, as_at)
        if due > night.as_at:
            continue
        yield Due(
            f"case:{case_id}",
            school_id,
            due,
            pupil_id=pupil_id,
            case_id=case_id,
            detail=f"{sessions} unauthorised sessions in the last 10 school weeks",
        )


def _rate_reached(field: str, words: str):  # type: ignore[no-untyped-def]
    def detect(night: Night) -> Iterator[Due]:
        rows = (
            _figures(night)
            .filter(**{field: True})
            .values_list(
                "pupil_id",
                "school_id",
                "as_at",
                "possible_sessions",
                "authorised_absence_sessions",
                "unauthorised_absence_sessions",
            )
        )
        for pupil_id, school_id, as_at, possible, auth, unauth in rows.iterator(chunk_size=2000):
            due = night.next_school_day(school_id, as_at)
            if due > night.as_at:
                continue
            rate = (auth + unauth) / possible * 100 if possible else 0
            yield Due(
                f"pupil:{pupil_id}@{school_id}",
                school_id,
                due,
                pupil_id=pupil_id,
                detail=f"{words}: {rate:.1f}% of sessions missed this year",
            )

    return detect


persistent_reached = _rate_reached("persistent_absence", "Persistent absence (10% or more)")
severe_reached = _rate_reached("severe_absence", "Severe absence (50% or more)")


# The case file (rule A4, Effective Plans) --------------------------------------


def plan_review_overdue(night: Night) -> Iterator[Due]:
    """An open case's plan whose review is overdue (cases.flags.plan_state): due
    the day after the review was due."""
    counted = PlanReview.unscoped.filter(
        plan=OuterRef("pk"), reviewed_on__gt=OuterRef("agreed_on"), reviewed_on__lte=night.as_at
    )
    rows = (
        ActionPlan.unscoped.filter(
            case__school_id__in=night.school_ids, case__status=AttendanceCase.Status.OPEN
        )
        .annotate(reviewed=Exists(counted))
        .values_list(
            "case_id",
            "case__pupil_id",
            "case__school_id",
            "agreed_on",
            "review_every_days",
            "next_review_due",
            "reviewed",
        )
    )
    for case_id, pupil_id, school_id, agreed_on, every, next_due, reviewed in rows:
        state = plan_state(
            next_review_due=next_due,
            reviews=[],
            progress_by_review={},
            today=night.as_at,
            agreed_on=None if reviewed else agreed_on,
            review_every_days=every,
        )
        if state.review_overdue and state.next_review_due is not None:
            yield Due(
                f"case:{case_id}",
                school_id,
                state.next_review_due + DAY,
                pupil_id=pupil_id,
                case_id=case_id,
                detail=f"Plan review was due on {_long(state.next_review_due)}",
            )


def contact_overdue(night: Night) -> Iterator[Due]:
    """An open case with no contact (or held meeting) with the family in the
    LA's interval, fortnightly by default (cases.flags.next_contact_due): due
    the day after. The latest of the opening, the contacts and the meetings is
    taken in the database (as England's dates), so only overdue cases come back."""
    london = timezone.get_current_timezone()
    cases = AttendanceCase.unscoped.filter(school_id__in=night.school_ids, status="open")
    for la_id in set(
        School.objects.filter(pk__in=night.school_ids).values_list("local_authority_id", flat=True)
    ):
        interval = pathway_numbers(la_id).contact_interval_days
        rows = (
            cases.filter(school__local_authority_id=la_id)
            .annotate(
                latest=Greatest(
                    TruncDate("opened_at", tzinfo=london),
                    Coalesce(
                        TruncDate(Max("contacts__occurred_at"), tzinfo=london),
                        TruncDate("opened_at", tzinfo=london),
                    ),
                    Coalesce(
                        Max(
                            "meetings__held_on",
                            filter=Q(meetings__cancelled=False, meetings__held_on__lte=night.as_at),
                        ),
                        TruncDate("opened_at", tzinfo=london),
                    ),
                )
            )
            .filter(latest__lt=night.as_at - dt.timedelta(days=interval))
            .values_list("pk", "pupil_id", "school_id", "latest")
        )
        for case_id, pupil_id, school_id, latest in rows:
            # The same rule as the caseload's (cases.flags.next_contact_due).
            due = next_contact_due(opened_on=latest, last_contacts=[], interval_days=interval)
            yield Due(
                f"case:{case_id}",
                school_id,
                due + DAY,
                pupil_id=pupil_id,
                case_id=case_id,
                detail=f"Contact with the family was due by {_long(due)}",
            )


def meeting_not_recorded(night: Night) -> Iterator[Due]:
    """A Support First meeting whose time has passed with nothing recorded (no
    date held or no outcome), on an open case: due the next school day."""
    start_of_day = timezone.make_aware(dt.datetime.combine(night.as_at, dt.time.min))
    rows = (
        SupportMeeting.unscoped.filter(
            case__school_id__in=night.school_ids,
            case__status="open",
            cancelled=False,
            scheduled_for__lt=start_of_day,
        )
        .filter(Q(held_on__isnull=True) | Q(outcome=""))
        .values_list("pk", "case_id", "case__pupil_id", "case__school_id", "scheduled_for")
    )
    for meeting_id, case_id, pupil_id, school_id, scheduled_for in rows:
        on = timezone.localdate(scheduled_for)
        due = night.next_school_day(school_id, on)
        if due <= night.as_at:
            yield Due(
                f"meeting:{meeting_id}",
                school_id,
                due,
                pupil_id=pupil_id,
                case_id=case_id,
                detail=f"Meeting on {_long(on)}: nothing recorded",
            )


def _timetables(night: Night):  # type: ignore[no-untyped-def]
    return PartTimeTimetable.unscoped.filter(
        school_id__in=night.school_ids, ended_on__isnull=True
    ).values_list(
        "pk",
        "pupil_id",
        "school_id",
        "case_id",
        "start",
        "planned_end",
        "next_review_due",
        "la_notified_on",
    )


def timetable_review_overdue(night: Night) -> Iterator[Due]:
    """A part-time timetable still running whose review date has passed."""
    for pk, pupil_id, school_id, case_id, _, _, review_due, _ in _timetables(night):
        if review_due < night.as_at:
            yield Due(
                f"timetable:{pk}",
                school_id,
                review_due + DAY,
                pupil_id,
                case_id,
                f"Review was due on {_long(review_due)}",
            )


def timetable_past_end(night: Night) -> Iterator[Due]:
    """A part-time timetable still running after its planned end: a temporary
    measure (Working together, 2024) has become open-ended."""
    for pk, pupil_id, school_id, case_id, _, planned_end, _, _ in _timetables(night):
        if planned_end < night.as_at:
            yield Due(
                f"timetable:{pk}",
                school_id,
                planned_end + DAY,
                pupil_id,
                case_id,
                f"Planned to end on {_long(planned_end)}",
            )


def timetable_la_not_told(night: Night) -> Iterator[Due]:
    """A part-time timetable the LA has not been told of (schools must notify
    the LA of every pupil on a part-time timetable)."""
    for pk, pupil_id, school_id, case_id, start, _, _, told in _timetables(night):
        if told is None and start <= night.as_at:
            yield Due(
                f"timetable:{pk}",
                school_id,
                start,
                pupil_id,
                case_id,
                f"Started on {_long(start)}; the LA has not been told",
            )


# The DSL ----------------------------------------------------------------------


def correspondence_decision_waiting(night: Night) -> Iterator[Due]:
    """A parent who does not live with the pupil, with parental responsibility,
    waiting for the DSL's decision on whether the school writes to them
    (cases.services.meetings.awaiting_dsl_decision)."""
    on_roll = Enrolment.unscoped.filter(
        pupil_id=OuterRef("pupil_id"),
        school_id__in=night.school_ids,
        start__lte=night.as_at,
    ).filter(Q(end__isnull=True) | Q(end__gte=night.as_at))
    rows = (
        PupilCarer.unscoped.filter(lives_with_pupil=False, included_in_correspondence__isnull=True)
        .filter(Exists(on_roll))
        .values_list("pk", "pupil_id")
    )
    found = list(rows)
    if not found:
        return
    schools = dict(
        Enrolment.unscoped.filter(
            pupil_id__in={p for _, p in found},
            school_id__in=night.school_ids,
            start__lte=night.as_at,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=night.as_at))
        .values_list("pupil_id", "school_id")
    )
    for link_id, pupil_id in found:
        school_id = schools.get(pupil_id)
        if school_id is not None:
            yield Due(
                f"carer:{link_id}@{school_id}",
                school_id,
                night.as_at,
                pupil_id=pupil_id,
                detail="A parent who does not live with the pupil",
            )


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _case(flag: Flag, anchor: str = "") -> str:
    return reverse("cases:case_detail", args=[flag.case_id]) + (f"#{anchor}" if anchor else "")


def _subject_id(flag: Flag) -> int:
    return int(flag.subject.split(":", 1)[1].split("@", 1)[0])


def cases_flag_kinds() -> list[FlagKind]:
    return [
        FlagKind(
            "threshold_no_case",
            "Meets the national threshold: needs a case",
            Audience.SCHOOL,
            threshold_without_case,
            lambda f: reverse("cases:case_open", args=[f.pupil_id]),
            f"Rule A3: {NATIONAL_THRESHOLD_SESSIONS} unauthorised sessions in 10 school weeks",
            order=10,
        ),
        FlagKind(
            "threshold_case",
            "Meets the national threshold (open case)",
            Audience.SCHOOL,
            threshold_with_case,
            _case,
            "Rule A3",
            order=11,
        ),
        FlagKind(
            "severe_absence",
            "Severe absence reached",
            Audience.SCHOOL,
            severe_reached,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]),
            "Rule A2: 50% or more of possible sessions missed",
            order=12,
        ),
        FlagKind(
            "persistent_absence",
            "Persistent absence reached",
            Audience.SCHOOL,
            persistent_reached,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]),
            "Rule A2: 10% or more of possible sessions missed",
            order=13,
        ),
        FlagKind(
            "plan_review_overdue",
            "Plan review overdue",
            Audience.SCHOOL,
            plan_review_overdue,
            lambda f: reverse("cases:review_new", args=[f.case_id]),
            "Rule A4; seed 004: reviews are not timely",
            order=30,
        ),
        FlagKind(
            "contact_overdue",
            "Fortnightly contact overdue",
            Audience.SCHOOL,
            contact_overdue,
            lambda f: reverse("cases:contact_new", args=[f.case_id]),
            "Rule A4: contact at least every 14 days",
            order=31,
        ),
        FlagKind(
            "meeting_not_recorded",
            "Meeting held but not recorded",
            Audience.SCHOOL,
            meeting_not_recorded,
            lambda f: reverse("cases:meeting_held", args=[f.case_id, _subject_id(f)]),
            "Rule A4: a meeting is held when its outcome is recorded",
            order=32,
        ),
        FlagKind(
            "timetable_review_overdue",
            "Part-time timetable review overdue",
            Audience.SCHOOL,
            timetable_review_overdue,
            lambda f: reverse("cases:timetable_review", args=[_subject_id(f)]),
            "Working together to improve school attendance (2024): part-time timetables",
            order=33,
        ),
        FlagKind(
            "timetable_past_end",
            "Part-time timetable past its planned end",
            Audience.SCHOOL,
            timetable_past_end,
            lambda f: reverse("cases:timetable_end", args=[_subject_id(f)]),
            "Working together (2024): a part-time timetable is temporary",
            order=34,
        ),
        FlagKind(
            "timetable_la_not_told",
            "Part-time timetable: the LA not told",
            Audience.SCHOOL,
            timetable_la_not_told,
            lambda f: reverse("cases:timetable_review", args=[_subject_id(f)]),
            "Working together (2024): schools tell the LA of part-time timetables",
            order=35,
        ),
        FlagKind(
            "absence_rising_no_contact",
            "Absence rising, no contact in 14 days",
            Audience.SCHOOL,
            absence_rising_without_contact,
            lambda f: reverse("cases:pupil_contact_new", args=[f.pupil_id]),
            "Seed 004: a lack of urgency about when to intervene",
            order=40,
        ),
        FlagKind(
            "correspondence_decision",
            "Non-resident parent waiting for your correspondence decision",
            Audience.DSL,
            correspondence_decision_waiting,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]) + "#family",
            "Rule A1: parents who do not live with the pupil; the DSL decides",
            order=60,
        ),
    ]
