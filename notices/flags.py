"""Notices' kinds of flag (cases/hooks.py `flag_kinds`): the Notice to Improve's
period, the referral after the parents are told, a referral returned by the
LA, and the LA's own: referrals waiting, penalty notices unpaid, the
prosecution time limit. Each detector is a few set-based queries per batch of
schools and reuses the rules the pages use (notices/penalties.py, the daily
review's counting, pathway's settings). Rules: docs/rules.md#flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from attendance import codes
from attendance.loading import registers_by_pupil
from attendance.models import RegisterYear
from attendance.years import academic_year_of
from cases.hooks import LAST_SCHOOL_DAYS, Audience, Due, FlagKind, Night, SqlJudge
from cases.models import AttendanceCase, Flag
from core.dates import long_date
from pathway.models import settings_for

from . import penalties as rules
from .models import LegalReferral, NoticeToImprove, ParentsToldOfReferral, PenaltyNotice

DAY = dt.timedelta(days=1)
# The LA's own target for reviewing a submitted referral, in calendar days
# (no national figure: docs/rules.md#flags). Settings may change it.
DEFAULT_REFERRAL_TARGET_DAYS = 20
PERIOD_ENDING_SCHOOL_DAYS = 5

_CASES = AttendanceCase._meta.db_table
_NOTICES = NoticeToImprove._meta.db_table
_REFERRALS = LegalReferral._meta.db_table
_VALUES = {
    "open": AttendanceCase.Status.OPEN,
    "pending": NoticeToImprove.Outcome.PENDING,
    "live": NoticeToImprove.Status.LIVE,
}


def _running(night: Night) -> QuerySet[NoticeToImprove]:
    """Live notices with no outcome yet on open cases at the night's schools (the
    same notices as the daily review, notices.selectors._running)."""
    return NoticeToImprove.unscoped.filter(
        case__school_id__in=night.school_ids,
        outcome=NoticeToImprove.Outcome.PENDING,
        status=NoticeToImprove.Status.LIVE,
        case__status=AttendanceCase.Status.OPEN,
        issued_on__lt=night.as_at,
    )


def new_unauthorised_during_notice(night: Night) -> Iterator[Due]:
    """Rule A4: during the improvement period the register is reviewed daily and
    any new unauthorised session is flagged, on the next school day after it.
    Open until the notice's outcome is recorded; a user who resolves it sees it
    again after the next new session."""
    notices = list(
        _running(night).values_list(
            "pk", "case_id", "case__pupil_id", "case__school_id", "issued_on", "period_ends_on"
        )
    )
    if not notices:
        return
    last_complete = night.as_at - DAY
    earliest = min(n[4] for n in notices)
    registers = registers_by_pupil(
        {n[2] for n in notices},
        years=range(academic_year_of(earliest), academic_year_of(last_complete) + 1),
        up_to=last_complete,
    )
    for pk, case_id, pupil_id, school_id, issued_on, ends_on in notices:
        first, last = issued_on + DAY, min(ends_on, last_complete)
        if last < first:
            continue
        found = rules.unauthorised_sessions(registers.get(pupil_id, []), first, last)
        if found:
            due = _new_unauthorised(
                night, pk, case_id, pupil_id, school_id, len(found), found[-1].day
            )
            if due is not None:
                yield due


def _new_unauthorised(
    night: Night,
    pk: int,
    case_id: int,
    pupil_id: int,
    school_id: int,
    sessions: int,
    latest: dt.date,
) -> Due | None:
    due = night.next_school_day(school_id, latest)
    if due > night.as_at:
        return None
    return Due(
        f"notice:{pk}",
        school_id,
        due,
        pupil_id,
        case_id,
        f"{sessions} unauthorised session{'s' if sessions != 1 else ''} since the "
        f"notice; the latest on {long_date(latest)}",
    )


# In the database: each running notice's unauthorised sessions from the day
# after it was issued to the end of its period or the last complete day, read
# from every register of the pupil's (rules.unauthorised_sessions): how many,
# and the latest one's date (the last unauthorised mark in the part, found by a
# greedy match, two marks a day).
_NEW_UNAUTHORISED = f"""
    SELECT 'notice:' || n.id AS subject, c.school_id, c.pupil_id, n.case_id, n.id,
           x.sessions, x.latest
    FROM {_NOTICES} n JOIN {_CASES} c ON c.id = n.case_id
    JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
    CROSS JOIN LATERAL (
      SELECT sum(length(w.part) - length(translate(w.part, %(unauthorised)s, ''))) AS sessions,
             max(make_date(w.academic_year, 9, 1)
                 + (w.lo + length(substring(w.part from %(last_unauthorised)s)) - 1) / 2) AS latest
      FROM (SELECT r.academic_year, g.lo, substr(r.marks, g.lo + 1, g.hi - g.lo) AS part
            FROM {RegisterYear._meta.db_table} r
            CROSS JOIN LATERAL (
              SELECT greatest(0, 2 * (n.issued_on + 1 - make_date(r.academic_year, 9, 1))) AS lo,
                     least(length(r.marks),
                           2 * (least(n.period_ends_on, %(as_at)s - 1)
                                - make_date(r.academic_year, 9, 1) + 1)) AS hi) g
            WHERE r.pupil_id = c.pupil_id AND g.hi > g.lo) w
    ) x
    WHERE n.outcome = %(pending)s
      AND n.status = %(live)s AND c.status = %(open)s AND n.issued_on < %(as_at)s
      AND x.sessions > 0 AND x.latest < sd.last_day
"""  # noqa: S608

new_unauthorised_judge = SqlJudge(
    lambda night: (
        _NEW_UNAUTHORISED,
        {
            **_VALUES,
            "unauthorised": codes.UNAUTHORISED_CHARS,
            "last_unauthorised": "^.*["
            + "".join(c if c.isalnum() else "\\" + c for c in codes.UNAUTHORISED_CHARS)
            + "]",
        },
    ),
    lambda night, row: _new_unauthorised(night, row[4], row[3], row[2], row[1], row[5], row[6]),
)


def period_ending_soon(night: Night) -> Iterator[Due]:
    """The improvement period ends within 5 school days: due on the school day
    from which 5 or fewer school days are left (counted as the daily review
    counts them), until the period ends or an outcome is recorded."""
    days = night.school_days
    rows = _running(night).filter(period_ends_on__gte=night.as_at)
    for pk, case_id, pupil_id, school_id, ends_on in rows.values_list(
        "pk", "case_id", "case__pupil_id", "case__school_id", "period_ends_on"
    ):
        current, counted = ends_on, 0
        while counted < PERIOD_ENDING_SCHOOL_DAYS:
            counted += days.is_school_day(school_id, current)
            current -= DAY
        due = days.latest_on_or_before(school_id, current)
        if due <= night.as_at:
            yield Due(
                f"notice:{pk}",
                school_id,
                due,
                pupil_id,
                case_id,
                f"The improvement period ends on {long_date(ends_on)}",
            )


def period_ended_without_outcome(night: Night) -> Iterator[Due]:
    """The improvement period has ended and no outcome is recorded: due the next
    school day after its last day."""
    rows = _running(night).filter(period_ends_on__lt=night.as_at)
    for row in rows.values_list(
        "pk", "case_id", "case__pupil_id", "case__school_id", "period_ends_on"
    ):
        found = _period_ended(night, *row)
        if found is not None:
            yield found


def _period_ended(
    night: Night, pk: int, case_id: int, pupil_id: int, school_id: int, ends_on: dt.date
) -> Due | None:
    due = night.next_school_day(school_id, ends_on)
    if due > night.as_at:
        return None
    return Due(
        f"notice:{pk}",
        school_id,
        due,
        pupil_id,
        case_id,
        f"The improvement period ended on {long_date(ends_on)}",
    )


# In the database on PostgreSQL (cases.hooks.SqlJudge): the running notices as
# `_running` picks them; the next school day after the period's last day is on
# or before the night exactly when that day is before the school's last school
# day (Night.last_school_day).
period_ended_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'notice:' || n.id AS subject, c.school_id, c.pupil_id, n.case_id, n.id,
                   n.period_ends_on
            FROM {_NOTICES} n JOIN {_CASES} c ON c.id = n.case_id
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
            WHERE n.outcome = %(pending)s
              AND n.status = %(live)s AND c.status = %(open)s AND n.issued_on < %(as_at)s
              AND n.period_ends_on < %(as_at)s AND n.period_ends_on < sd.last_day""",  # noqa: S608
        _VALUES,
    ),
    lambda night, row: _period_ended(night, row[4], row[3], row[2], row[1], row[5]),
)


def referral_not_made(night: Night) -> Iterator[Due]:
    """The parents were told a referral will be made, and none has been
    submitted within the LA's school days (15 by default; pathway rule
    "referral on time"): due the next school day after the last one."""
    referred = LegalReferral.unscoped.filter(notice_id=OuterRef("notice_id"))
    rows = (
        ParentsToldOfReferral.unscoped.filter(
            notice__case__school_id__in=night.school_ids,
            notice__status=NoticeToImprove.Status.LIVE,
            notice__case__status=AttendanceCase.Status.OPEN,
            told_on__lt=night.as_at,
        )
        .exclude(Exists(referred))
        .values_list(
            "notice_id",
            "notice__case_id",
            "notice__case__pupil_id",
            "notice__case__school_id",
            "notice__case__school__local_authority_id",
            "told_on",
        )
    )
    within: dict[int | None, int] = {}
    for notice_id, case_id, pupil_id, school_id, la_id, told_on in rows:
        if la_id not in within:
            within[la_id] = settings_for(la_id).referral_within_school_days
        deadline = night.school_days.nth_after(school_id, told_on, within[la_id])
        due = night.next_school_day(school_id, deadline)
        if due <= night.as_at:
            yield Due(
                f"notice:{notice_id}",
                school_id,
                due,
                pupil_id,
                case_id,
                f"Parents told on {long_date(told_on)}; "
                f"the referral was due by {long_date(deadline)}",
            )


def _latest_referrals(night: Night) -> QuerySet[LegalReferral]:
    later = LegalReferral.unscoped.filter(
        case_id=OuterRef("case_id"), version__gt=OuterRef("version")
    )
    return LegalReferral.unscoped.filter(case__school_id__in=night.school_ids).exclude(
        Exists(later)
    )


def referral_returned(night: Night) -> Iterator[Due]:
    """The LA returned the case's latest referral: the school adds what it asks
    for and resubmits (the same rule as the home page's "Returned by the LA")."""
    rows = _latest_referrals(night).filter(status=LegalReferral.Status.RETURNED)
    for _pk, case_id, pupil_id, school_id, returned_at in rows.values_list(
        "pk", "case_id", "case__pupil_id", "case__school_id", "returned_at"
    ):
        yield _returned(night, case_id, pupil_id, school_id, returned_at)


def _returned(
    night: Night, case_id: int, pupil_id: int, school_id: int, returned_at: dt.datetime | None
) -> Due:
    on = timezone.localdate(returned_at) if returned_at else night.as_at
    return Due(
        f"case:{case_id}",
        school_id,
        on,
        pupil_id,
        case_id,
        f"Referral returned on {long_date(on)}",
    )


# Each case's latest referral (`_latest_referrals`), at the night's schools.
_LATEST_REFERRALS = f"""
    FROM {_REFERRALS} r JOIN {_CASES} c ON c.id = r.case_id
    JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
    WHERE r.status = %(status)s
      AND NOT EXISTS (SELECT 1 FROM {_REFERRALS} later
                      WHERE later.case_id = r.case_id AND later.version > r.version)
"""  # noqa: S608

referral_returned_judge = SqlJudge(
    lambda night: (
        f"""SELECT DISTINCT ON (r.case_id) 'case:' || r.case_id AS subject, c.school_id,
                   c.pupil_id, r.case_id, r.returned_at
            {_LATEST_REFERRALS} ORDER BY r.case_id, r.submitted_at, r.id""",
        {"status": LegalReferral.Status.RETURNED},
    ),
    lambda night, row: _returned(night, row[3], row[2], row[1], row[4]),
)


def referral_waiting_for_la(night: Night) -> Iterator[Due]:
    """A submitted referral the LA has not accepted or returned within its
    target (LA_REFERRAL_TARGET_DAYS): due the day after the target."""
    rows = _latest_referrals(night).filter(status=LegalReferral.Status.SUBMITTED)
    for row in rows.values_list(
        "pk", "case_id", "case__pupil_id", "case__school_id", "submitted_at"
    ):
        found = _waiting(night, *row)
        if found is not None:
            yield found


def _target_days() -> int:
    return int(getattr(settings, "LA_REFERRAL_TARGET_DAYS", DEFAULT_REFERRAL_TARGET_DAYS))


def _waiting(
    night: Night, pk: int, case_id: int, pupil_id: int, school_id: int, submitted_at: dt.datetime
) -> Due | None:
    submitted = timezone.localdate(submitted_at)
    due = submitted + dt.timedelta(days=_target_days()) + DAY
    if due > night.as_at:
        return None
    return Due(
        f"referral:{pk}",
        school_id,
        due,
        pupil_id,
        case_id,
        f"Submitted on {long_date(submitted)}",
    )


referral_waiting_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'referral:' || r.id AS subject, c.school_id, c.pupil_id, r.case_id, r.id,
                   r.submitted_at
            {_LATEST_REFERRALS}
              AND (r.submitted_at AT TIME ZONE %(tz)s)::date + %(target)s + 1 <= %(as_at)s""",
        {
            "status": LegalReferral.Status.SUBMITTED,
            "tz": timezone.get_current_timezone_name(),
            "target": _target_days(),
        },
    ),
    lambda night, row: _waiting(night, row[4], row[3], row[2], row[1], row[5]),
)


def penalty_unpaid(night: Night) -> Iterator[Due]:
    """A penalty notice not paid by the end of its payment period, not yet
    prosecuted or withdrawn (notices.penalties.withdrawal_due): the LA decides."""
    rows = PenaltyNotice.unscoped.filter(
        case__school_id__in=night.school_ids, status=rules.ISSUED, full_due_on__lt=night.as_at
    )
    for pk, case_id, pupil_id, school_id, full_due_on in rows.values_list(
        "pk", "case_id", "case__pupil_id", "case__school_id", "full_due_on"
    ):
        yield _unpaid(f"penalty:{pk}", school_id, pupil_id, case_id, full_due_on)


def _unpaid(subject: str, school_id: int, pupil_id: int, case_id: int, full_due_on: dt.date) -> Due:
    return Due(
        subject,
        school_id,
        full_due_on + DAY,
        pupil_id,
        case_id,
        f"Payment was due by {long_date(full_due_on)}",
    )


penalty_unpaid_judge = SqlJudge(
    lambda night: (
        f"""SELECT 'penalty:' || p.id AS subject, c.school_id, c.pupil_id, p.case_id,
                   p.full_due_on
            FROM {PenaltyNotice._meta.db_table} p JOIN {_CASES} c ON c.id = p.case_id
            JOIN {LAST_SCHOOL_DAYS} sd ON sd.school_id = c.school_id
            WHERE p.status = %(issued)s
              AND p.full_due_on < %(as_at)s""",  # noqa: S608
        {"issued": rules.ISSUED},
    ),
    lambda night, row: _unpaid(*row),
)


def _limit(level: str):  # type: ignore[no-untyped-def]
    def detect(night: Night) -> Iterator[Due]:
        """The six-month limit for laying an information (Magistrates' Courts Act
        1980 s127, notices.penalties.information_limit): flagged at four and at
        five months, for a notice unpaid or with a prosecution decided and no
        information laid yet."""
        rows = PenaltyNotice.unscoped.filter(
            case__school_id__in=night.school_ids,
            status__in=[rules.ISSUED, rules.PROSECUTION],
            offence_last_day__isnull=False,
            # Once the information is laid, the limit is met.
            information_laid_on__isnull=True,
            offence_last_day__gt=night.as_at - dt.timedelta(days=200),
        )
        for pk, case_id, pupil_id, school_id, last_day in rows.values_list(
            "pk", "case_id", "case__pupil_id", "case__school_id", "offence_last_day"
        ):
            if last_day is None:
                continue
            limit = rules.information_limit(last_day)
            if limit.level(night.as_at) != level:
                continue
            due = limit.four_months_on if level == "four_months" else limit.five_months_on
            yield Due(
                f"penalty:{pk}",
                school_id,
                due,
                pupil_id,
                case_id,
                f"An information must be laid by {long_date(limit.lay_by)}",
            )

    return detect


def _case(anchor: str):  # type: ignore[no-untyped-def]
    return lambda f: reverse("cases:case_detail", args=[f.case_id]) + f"#{anchor}"


def _subject_id(flag: Flag) -> int:
    return int(flag.subject.split(":", 1)[1])


def notices_flag_kinds() -> list[FlagKind]:
    return [
        FlagKind(
            "notice_new_unauthorised",
            "New unauthorised absence during a Notice to Improve",
            Audience.SCHOOL,
            new_unauthorised_during_notice,
            lambda f: reverse("notices:review"),
            "Rule A4: the register is reviewed daily during the period",
            order=20,
            judge=new_unauthorised_judge,
        ),
        FlagKind(
            "notice_period_ending",
            "Notice to Improve period ends within 5 school days",
            Audience.SCHOOL,
            period_ending_soon,
            _case("notice-to-improve"),
            "Rule A4: the improvement period",
            order=21,
        ),
        FlagKind(
            "notice_no_outcome",
            "Notice to Improve period ended: record the outcome",
            Audience.SCHOOL,
            period_ended_without_outcome,
            lambda f: reverse("notices:notice_outcome", args=[_subject_id(f)]),
            "Rule A4: an outcome is recorded when the period ends",
            order=22,
            judge=period_ended_judge,
        ),
        FlagKind(
            "referral_not_made",
            "Parents told of a referral: none made in 15 school days",
            Audience.SCHOOL,
            referral_not_made,
            lambda f: reverse("notices:referral_submit", args=[f.case_id]),
            "Rule A4: the referral within 15 school days of telling the parents",
            order=23,
        ),
        FlagKind(
            "referral_returned",
            "Referral returned by the LA",
            Audience.SCHOOL,
            referral_returned,
            _case("referral"),
            "Rule A5: the LA returns a referral with its reasons",
            order=24,
            judge=referral_returned_judge,
        ),
        FlagKind(
            "la_referral_waiting",
            "Referral waiting longer than the LA's target",
            Audience.LA,
            referral_waiting_for_la,
            lambda f: reverse("notices:referral_detail", args=[_subject_id(f)]),
            "The LA's own target (LA_REFERRAL_TARGET_DAYS)",
            order=70,
            judge=referral_waiting_judge,
        ),
        FlagKind(
            "la_penalty_unpaid",
            "Penalty notice unpaid after its payment period",
            Audience.LA,
            penalty_unpaid,
            lambda f: reverse("notices:penalty_notices", args=[f.case_id]),
            "The Education (Penalty Notices) (England) Regulations 2007, reg 9",
            order=71,
            judge=penalty_unpaid_judge,
        ),
        FlagKind(
            "la_prosecution_five_months",
            "Prosecution time limit: five months gone",
            Audience.LA,
            _limit("five_months"),
            lambda f: reverse("notices:penalty_notices", args=[f.case_id]),
            "Magistrates' Courts Act 1980 s127: six months",
            order=72,
        ),
        FlagKind(
            "la_prosecution_four_months",
            "Prosecution time limit: four months gone",
            Audience.LA,
            _limit("four_months"),
            lambda f: reverse("notices:penalty_notices", args=[f.case_id]),
            "Magistrates' Courts Act 1980 s127: six months",
            order=73,
        ),
    ]
