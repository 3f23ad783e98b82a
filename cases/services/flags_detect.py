"""Cases' kinds of flag, and the attendance-level ones judged from attendance's
stored figures (cases is the lowest app that can name a case). Each detector is
one set-based query per batch of schools (cases.hooks.Detector), reusing the
rules the pages use (cases/flags.py, attendance/figures.py), so "overdue"
means the same thing on the caseload, the case page and the today page.

Rules and sources: docs/rules.md#flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from attendance.figures import NATIONAL_THRESHOLD_SESSIONS
from attendance.models import PupilFigures
from core.dates import long_date
from pupils.models import Enrolment, PupilCarer

from ..flags import next_contact_due, plan_state
from ..hooks import (
    LAST_SCHOOL_DAYS,
    Audience,
    Due,
    FlagKind,
    Night,
    SqlJudge,
    pathway_numbers,
)
from ..models import (
    ActionPlan,
    AttendanceCase,
    Contact,
    Flag,
    PartTimeTimetable,
    PlanReview,
    SupportMeeting,
)
from .flags_gap import absence_rising_judge, absence_rising_without_contact

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
        found = _threshold_no_case(night, pupil_id, school_id, as_at, sessions)
        if found is not None:
            yield found


def _threshold_no_case(
    night: Night, pupil_id: int, school_id: int, as_at: dt.date, sessions: int
) -> Due | None:
    due = night.next_school_day(school_id, as_at)
    if due > night.as_at:
        return None
    return Due(
        f"pupil:{pupil_id}@{school_id}",
        school_id,
        due,
        pupil_id=pupil_id,
        detail=f"{sessions} unauthorised sessions in the last 10 school weeks",
    )


# In the database (cases.hooks.SqlJudge): the figures are as at a day whose
# next school day is on or before the night exactly when that day is before
# the school's last school day (Night.last_school_day).
_FIGURES_DUE = f"""
    FROM {PupilFigures._meta.db_table} f JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = f.school_id
    WHERE f.on_roll AND f.as_at < sd.last_day
"""
_OPEN_CASE = f"""
    SELECT c.id FROM {AttendanceCase._meta.db_table} c
    WHERE c.pupil_id = f.pupil_id AND c.school_id = f.school_id AND c.status = %(open)s
"""  # noqa: S608
_OPEN = {"open": AttendanceCase.Status.OPEN}

threshold_without_case_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'pupil:' || f.pupil_id || '@' || f.school_id AS subject, f.school_id,
                   f.pupil_id, NULL::integer AS case_id, f.as_at,
                   f.unauthorised_last_10_school_weeks
            {_FIGURES_DUE} AND f.national_threshold_met AND NOT EXISTS ({_OPEN_CASE})""",
        _OPEN,
    ),
    lambda night, row: _threshold_no_case(night, row[2], row[1], row[4], row[5]),
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
        found = _threshold_case(night, case_id, pupil_id, school_id, as_at, sessions)
        if found is not None:
            yield found


def _threshold_case(
    night: Night, case_id: int, pupil_id: int, school_id: int, as_at: dt.date, sessions: int
) -> Due | None:
    due = night.next_school_day(school_id, as_at)
    if due > night.as_at:
        return None
    return Due(
        f"case:{case_id}",
        school_id,
        due,
        pupil_id=pupil_id,
        case_id=case_id,
        detail=f"{sessions} unauthorised sessions in the last 10 school weeks",
    )


# A pupil has at most one open case at a school (the case's unique key), so
# the detector's "first open case" is a join.
threshold_with_case_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'case:' || c.id AS subject, f.school_id, f.pupil_id, c.id AS case_id,
                   f.as_at, f.unauthorised_last_10_school_weeks
            FROM {PupilFigures._meta.db_table} f
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = f.school_id
            JOIN {AttendanceCase._meta.db_table} c ON c.pupil_id = f.pupil_id
                 AND c.school_id = f.school_id AND c.status = %(open)s
            WHERE f.on_roll AND f.as_at < sd.last_day AND f.national_threshold_met""",  # noqa: S608
        _OPEN,
    ),
    lambda night, row: _threshold_case(night, row[3], row[2], row[1], row[4], row[5]),
)


def _rate_reached(field: str, words: str):  # type: ignore[no-untyped-def]
    def found(
        night: Night,
        pupil_id: int,
        school_id: int,
        as_at: dt.date,
        possible: int,
        auth: int,
        unauth: int,
    ) -> Due | None:
        due = night.next_school_day(school_id, as_at)
        if due > night.as_at:
            return None
        rate = (auth + unauth) / possible * 100 if possible else 0
        return Due(
            f"pupil:{pupil_id}@{school_id}",
            school_id,
            due,
            pupil_id=pupil_id,
            detail=f"{words}: {rate:.1f}% of sessions missed this year",
        )

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
        for row in rows.iterator(chunk_size=2000):
            due = found(night, *row)
            if due is not None:
                yield due

    # `field` is one of the two names below, never a value.
    judge = SqlJudge(
        lambda night: (
            f"""SELECT 'pupil:' || f.pupil_id || '@' || f.school_id AS subject, f.school_id,
                       f.pupil_id, NULL::integer AS case_id, f.as_at, f.possible_sessions,
                       f.authorised_absence_sessions, f.unauthorised_absence_sessions
                {_FIGURES_DUE} AND f.{field}""",
            {},
        ),
        lambda night, row: found(night, row[2], row[1], *row[4:]),
    )
    return detect, judge


persistent_reached, persistent_judge = _rate_reached(
    "persistent_absence", "Persistent absence (10% or more)"
)
severe_reached, severe_judge = _rate_reached("severe_absence", "Severe absence (50% or more)")


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
    for row in rows:
        found = _plan_review(night, *row)
        if found is not None:
            yield found


def _plan_review(
    night: Night,
    case_id: int,
    pupil_id: int,
    school_id: int,
    agreed_on: dt.date | None,
    every: int | None,
    next_due: dt.date | None,
    reviewed: bool,
) -> Due | None:
    state = plan_state(
        next_review_due=next_due,
        reviews=[],
        progress_by_review={},
        today=night.as_at,
        agreed_on=None if reviewed else agreed_on,
        review_every_days=every,
    )
    if not state.review_overdue or state.next_review_due is None:
        return None
    return Due(
        f"case:{case_id}",
        school_id,
        state.next_review_due + DAY,
        pupil_id=pupil_id,
        case_id=case_id,
        detail=f"Plan review was due on {long_date(state.next_review_due)}",
    )


# plan_state's rule: until reviewed after the day it was agreed, the first
# review is due `review_every_days` after that day, if sooner (LEAST skips a
# missing next review date as plan_state does).
plan_review_overdue_judge = SqlJudge(
    lambda night: (
        f"""SELECT DISTINCT ON (c.id) 'case:' || c.id AS subject, c.school_id, c.pupil_id,
                   c.id AS case_id, p.agreed_on, p.review_every_days, p.next_review_due,
                   p.reviewed
            FROM (SELECT p.*, EXISTS (
                    SELECT 1 FROM {PlanReview._meta.db_table} r
                    WHERE r.plan_id = p.id AND r.reviewed_on > p.agreed_on
                      AND r.reviewed_on <= %(as_at)s) AS reviewed
                  FROM {ActionPlan._meta.db_table} p) p
            JOIN {AttendanceCase._meta.db_table} c ON c.id = p.case_id
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
            WHERE c.status = %(open)s
              AND CASE WHEN NOT p.reviewed AND p.agreed_on IS NOT NULL
                            AND COALESCE(p.review_every_days, 0) <> 0
                       THEN LEAST(p.next_review_due, p.agreed_on + p.review_every_days)
                       ELSE p.next_review_due END < %(as_at)s
            ORDER BY c.id, p.id""",  # noqa: S608
        _OPEN,
    ),
    lambda night, row: _plan_review(night, row[3], row[2], row[1], *row[4:]),
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
            yield _contact(case_id, pupil_id, school_id, latest, interval)


def _contact(case_id: int, pupil_id: int, school_id: int, latest: dt.date, interval: int) -> Due:
    # The same rule as the caseload's (cases.flags.next_contact_due).
    due = next_contact_due(opened_on=latest, last_contacts=[], interval_days=interval)
    return Due(
        f"case:{case_id}",
        school_id,
        due + DAY,
        pupil_id=pupil_id,
        case_id=case_id,
        detail=f"Contact with the family was due by {long_date(due)}",
    )


def _contact_due_sql(night: Night) -> tuple[str, dict[str, Any]]:
    intervals: dict[int | None, int] = {}
    schools, every = [], []
    for school_id, la_id in School.objects.filter(pk__in=night.school_ids).values_list(
        "pk", "local_authority_id"
    ):
        if la_id not in intervals:
            intervals[la_id] = pathway_numbers(la_id).contact_interval_days
        schools.append(school_id)
        every.append(intervals[la_id])
    opened = "(c.opened_at AT TIME ZONE %(tz)s)::date"
    cases = f"""
        SELECT c.id FROM {AttendanceCase._meta.db_table} c
        JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id WHERE c.status = %(open)s
    """  # noqa: S608
    sql = f"""
        SELECT 'case:' || x.id AS subject, x.school_id, x.pupil_id, x.id AS case_id,
               x.latest, x.every
        FROM (SELECT c.id, c.school_id, c.pupil_id, i.every, GREATEST(
                {opened},
                COALESCE((k.latest AT TIME ZONE %(tz)s)::date, {opened}),
                COALESCE(m.latest, {opened})) AS latest
              FROM {AttendanceCase._meta.db_table} c
              JOIN unnest(%(contact_schools)s::integer[], %(contact_every)s::integer[])
                   AS i(school_id, every) ON i.school_id = c.school_id
              LEFT JOIN (SELECT k.case_id, max(k.occurred_at) AS latest
                         FROM {Contact._meta.db_table} k
                         WHERE k.case_id IN ({cases}) GROUP BY k.case_id) k ON k.case_id = c.id
              LEFT JOIN (SELECT m.case_id, max(m.held_on) AS latest
                         FROM {SupportMeeting._meta.db_table} m
                         WHERE m.case_id IN ({cases}) AND NOT m.cancelled
                           AND m.held_on <= %(as_at)s
                         GROUP BY m.case_id) m ON m.case_id = c.id
              WHERE c.status = %(open)s) x
        WHERE x.latest < %(as_at)s - x.every
    """  # noqa: S608
    return sql, {
        **_OPEN,
        "tz": timezone.get_current_timezone_name(),
        "contact_schools": schools,
        "contact_every": every,
    }


contact_overdue_judge = SqlJudge(
    _contact_due_sql, lambda night, row: _contact(row[3], row[2], row[1], row[4], row[5])
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
    for row in rows:
        found = _meeting(night, *row)
        if found is not None:
            yield found


def _meeting(
    night: Night,
    meeting_id: int,
    case_id: int,
    pupil_id: int,
    school_id: int,
    scheduled_for: dt.datetime,
) -> Due | None:
    on = timezone.localdate(scheduled_for)
    due = night.next_school_day(school_id, on)
    if due > night.as_at:
        return None
    return Due(
        f"meeting:{meeting_id}",
        school_id,
        due,
        pupil_id=pupil_id,
        case_id=case_id,
        detail=f"Meeting on {long_date(on)}: nothing recorded",
    )


meeting_not_recorded_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'meeting:' || m.id AS subject, c.school_id, c.pupil_id, m.case_id,
                   m.id, m.scheduled_for
            FROM {SupportMeeting._meta.db_table} m
            JOIN {AttendanceCase._meta.db_table} c ON c.id = m.case_id
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
            WHERE c.status = %(open)s AND NOT m.cancelled
              AND m.scheduled_for < %(start_of_day)s
              AND (m.held_on IS NULL OR m.outcome = '')
              AND (m.scheduled_for AT TIME ZONE %(tz)s)::date < sd.last_day""",  # noqa: S608
        {
            **_OPEN,
            "tz": timezone.get_current_timezone_name(),
            "start_of_day": timezone.make_aware(dt.datetime.combine(night.as_at, dt.time.min)),
        },
    ),
    lambda night, row: _meeting(night, row[4], row[3], row[2], row[1], row[5]),
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
                f"Review was due on {long_date(review_due)}",
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
                f"Planned to end on {long_date(planned_end)}",
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
                f"Started on {long_date(start)}; the LA has not been told",
            )


def _timetable_judge(condition: str, date: str, make: Callable[[dt.date], tuple[dt.date, str]]):  # type: ignore[no-untyped-def]
    """A timetable kind judged in the database: `condition` on the timetable
    `t`, and `make` its due date and words from the row's `date` column."""

    def build(night: Night, row: tuple[Any, ...]) -> Due:
        subject, school_id, pupil_id, case_id, day = row
        due, detail = make(day)
        return Due(subject, school_id, due, pupil_id, case_id, detail)

    return SqlJudge(
        lambda night: (
            f"""SELECT 'timetable:' || t.id AS subject, t.school_id, t.pupil_id, t.case_id,
                       t.{date}
                FROM {PartTimeTimetable._meta.db_table} t
                JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = t.school_id
                WHERE t.ended_on IS NULL AND {condition}""",  # noqa: S608
            {},
        ),
        build,
    )


timetable_review_overdue_judge = _timetable_judge(
    "t.next_review_due < %(as_at)s",
    "next_review_due",
    lambda day: (day + DAY, f"Review was due on {long_date(day)}"),
)
timetable_past_end_judge = _timetable_judge(
    "t.planned_end < %(as_at)s",
    "planned_end",
    lambda day: (day + DAY, f"Planned to end on {long_date(day)}"),
)
timetable_la_not_told_judge = _timetable_judge(
    "t.la_notified_on IS NULL AND t.start <= %(as_at)s",
    "start",
    lambda day: (day, f"Started on {long_date(day)}; the LA has not been told"),
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


# A pupil with two enrolments at the batch's schools is one subject, at the
# school of the earlier start (as the detector's dict of enrolments keeps it).
correspondence_decision_judge = SqlJudge(
    lambda night: (
        f"""SELECT DISTINCT ON (l.id) 'carer:' || l.id || '@' || e.school_id AS subject,
                   e.school_id, l.pupil_id, NULL::integer AS case_id
            FROM {PupilCarer._meta.db_table} l
            JOIN {Enrolment._meta.db_table} e ON e.pupil_id = l.pupil_id
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = e.school_id
            WHERE NOT l.lives_with_pupil AND l.included_in_correspondence IS NULL
              AND e.start <= %(as_at)s
              AND (e."end" IS NULL OR e."end" >= %(as_at)s)
            ORDER BY l.id, e.start, e.id""",  # noqa: S608
        {},
    ),
    lambda night, row: Due(
        row[0],
        row[1],
        night.as_at,
        pupil_id=row[2],
        detail="A parent who does not live with the pupil",
    ),
)


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
            judge=threshold_without_case_judge,
        ),
        FlagKind(
            "threshold_case",
            "Meets the national threshold (open case)",
            Audience.SCHOOL,
            threshold_with_case,
            _case,
            "Rule A3",
            order=11,
            judge=threshold_with_case_judge,
        ),
        FlagKind(
            "severe_absence",
            "Severe absence reached",
            Audience.SCHOOL,
            severe_reached,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]),
            "Rule A2: 50% or more of possible sessions missed",
            order=12,
            judge=severe_judge,
        ),
        FlagKind(
            "persistent_absence",
            "Persistent absence reached",
            Audience.SCHOOL,
            persistent_reached,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]),
            "Rule A2: 10% or more of possible sessions missed",
            order=13,
            judge=persistent_judge,
        ),
        FlagKind(
            "plan_review_overdue",
            "Plan review overdue",
            Audience.SCHOOL,
            plan_review_overdue,
            lambda f: reverse("cases:review_new", args=[f.case_id]),
            "Rule A4; seed 004: reviews are not timely",
            order=30,
            judge=plan_review_overdue_judge,
        ),
        FlagKind(
            "contact_overdue",
            "Fortnightly contact overdue",
            Audience.SCHOOL,
            contact_overdue,
            lambda f: reverse("cases:contact_new", args=[f.case_id]),
            "Rule A4: contact at least every 14 days",
            order=31,
            judge=contact_overdue_judge,
        ),
        FlagKind(
            "meeting_not_recorded",
            "Meeting held but not recorded",
            Audience.SCHOOL,
            meeting_not_recorded,
            lambda f: reverse("cases:meeting_held", args=[f.case_id, _subject_id(f)]),
            "Rule A4: a meeting is held when its outcome is recorded",
            order=32,
            judge=meeting_not_recorded_judge,
        ),
        FlagKind(
            "timetable_review_overdue",
            "Part-time timetable review overdue",
            Audience.SCHOOL,
            timetable_review_overdue,
            lambda f: reverse("cases:timetable_review", args=[_subject_id(f)]),
            "Working together to improve school attendance (2024): part-time timetables",
            order=33,
            judge=timetable_review_overdue_judge,
        ),
        FlagKind(
            "timetable_past_end",
            "Part-time timetable past its planned end",
            Audience.SCHOOL,
            timetable_past_end,
            lambda f: reverse("cases:timetable_end", args=[_subject_id(f)]),
            "Working together (2024): a part-time timetable is temporary",
            order=34,
            judge=timetable_past_end_judge,
        ),
        FlagKind(
            "timetable_la_not_told",
            "Part-time timetable: the LA not told",
            Audience.SCHOOL,
            timetable_la_not_told,
            lambda f: reverse("cases:timetable_review", args=[_subject_id(f)]),
            "Working together (2024): schools tell the LA of part-time timetables",
            order=35,
            judge=timetable_la_not_told_judge,
        ),
        FlagKind(
            "absence_rising_no_contact",
            "Absence rising, no contact in 14 days",
            Audience.SCHOOL,
            absence_rising_without_contact,
            lambda f: reverse("cases:pupil_contact_new", args=[f.pupil_id]),
            "Seed 004: a lack of urgency about when to intervene",
            order=40,
            judge=absence_rising_judge,
        ),
        FlagKind(
            "correspondence_decision",
            "Non-resident parent waiting for your correspondence decision",
            Audience.DSL,
            correspondence_decision_waiting,
            lambda f: reverse("cases:pupil_detail", args=[f.pupil_id]) + "#family",
            "Rule A1: parents who do not live with the pupil; the DSL decides",
            order=60,
            judge=correspondence_decision_judge,
        ),
    ]
