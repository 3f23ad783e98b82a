"""Reads for Notices to Improve: the daily review of running notices (rule A4:
"during the improvement period the register is reviewed daily; any new
unauthorised session is flagged"), a case's notices for the case page, and the
case's next step on the pathway for the case page's readiness panel.

Every read starts from the user's scope. The review loads every pupil's
registers and every school's calendar in one query each, so its query count
does not grow with the number of notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from attendance import figures as fig
from attendance.loading import registers_by_pupil
from attendance.services.calendars import SchoolDays, school_days_load
from attendance.years import academic_year_of
from cases.hooks import ReturnedReferral
from cases.models import ActionPlan, AttendanceCase, SupportMeeting
from core.scoping import get_for_user_or_404
from pathway.rules import Evaluation, context_load, run
from pupils.models import PupilCarer

from .models import (
    LADecision,
    LegalReferral,
    NoticeToImprove,
    ParentsToldOfReferral,
    PenaltyNotice,
)
from .selectors_penalties import NoticeRow, case_penalty_notices

if TYPE_CHECKING:
    from accounts.models import User

# A review never looks further than this for the previous school day (a
# summer holiday is about six weeks).
_LOOKBACK_DAYS = 70


def school_days_for(school_ids: set[int], days: list[dt.date]) -> SchoolDays:
    """School days as `school_days_after` counts them: the calendar, the
    registers up to the latest mark, then working days (rule A3)."""
    years = {academic_year_of(day) for day in days}
    return school_days_load(school_ids=school_ids, years=years)


@dataclass(frozen=True)
class NoticeReview:
    """One running notice as the daily review shows it."""

    notice: NoticeToImprove
    case: AttendanceCase
    school_days_left: int
    since_issue: fig.Counts
    # Unauthorised sessions since the previous school day: the ones today's
    # review has not seen before, flagged "New unauthorised absence".
    new_unauthorised: int
    new_since: dt.date

    @property
    def attendance_rate(self) -> float | None:
        return fig.rate(self.since_issue.attended, self.since_issue.possible)

    @property
    def period_ended(self) -> bool:
        return self.school_days_left == 0


def _running(user: User) -> QuerySet[NoticeToImprove]:
    return (
        NoticeToImprove.objects.for_user(user)
        .filter(
            outcome=NoticeToImprove.Outcome.PENDING,
            status=NoticeToImprove.Status.LIVE,
            case__status=AttendanceCase.Status.OPEN,
        )
        .select_related("case", "case__pupil", "case__school")
        .order_by("period_ends_on", "pk")
    )


def notices_in_review(*, user: User, day: dt.date) -> list[NoticeReview]:
    """Every running notice at the user's schools, with the register since the
    notice was issued and what is new since the previous school day."""
    notices = list(_running(user))
    if not notices:
        return []
    pupil_ids = {n.case.pupil_id for n in notices}
    school_ids = {n.case.school_id for n in notices}
    earliest = min(n.issued_on for n in notices)
    years = range(academic_year_of(earliest), academic_year_of(day) + 1)
    registers = registers_by_pupil(pupil_ids, years=years, up_to=day)
    calendar = school_days_for(school_ids, [day - dt.timedelta(days=_LOOKBACK_DAYS), earliest, day])
    reviews = []
    for notice in notices:
        case = notice.case
        pupil_registers = registers.get(case.pupil_id, [])
        first = notice.issued_on + dt.timedelta(days=1)
        # The review on `day` covers the latest school day (a weekend review
        # shows Friday); what came before it was new at the last review.
        latest = calendar.latest_on_or_before(case.school_id, day)
        previous = calendar.latest_on_or_before(case.school_id, latest - dt.timedelta(days=1))
        new_from = max(first, previous + dt.timedelta(days=1))
        reviews.append(
            NoticeReview(
                notice=notice,
                case=case,
                school_days_left=calendar.count_between(case.school_id, day, notice.period_ends_on),
                since_issue=fig.counts_between(pupil_registers, first, day),
                new_unauthorised=fig.unauthorised_between(pupil_registers, new_from, day)
                if new_from <= day
                else 0,
                new_since=new_from,
            )
        )
    return reviews


@dataclass(frozen=True)
class CaseNotices:
    """A case's notices for its page, newest first, with the running one's days left."""

    notices: list[NoticeToImprove]
    running: NoticeToImprove | None
    school_days_left: int | None
    # Whether the running notice's remaining school days are counted from the
    # working-day estimate (no calendar, beyond the latest mark: rule A3).
    dates_estimated: bool = False


def case_notices(*, case: AttendanceCase, day: dt.date) -> CaseNotices:
    """The notices of a case the page has already found in the user's scope:
    one query for the notices with their recipients, and the calendar only
    while one is running."""
    notices: list[NoticeToImprove] = list(
        NoticeToImprove.unscoped.filter(case=case)
        .select_related("issued_by", "parents_told", "ended_by")
        .prefetch_related(
            Prefetch("recipients", queryset=PupilCarer.unscoped.select_related("carer"))
        )
        # A notice referred on can no longer be corrected or withdrawn.
        .annotate(referred=Exists(LegalReferral.unscoped.filter(notice=OuterRef("pk"))))
    )
    running = next((n for n in notices if not n.outcome and n.is_live), None)
    left, estimated = None, False
    if running is not None:
        calendar = school_days_for({case.school_id}, [day, running.period_ends_on])
        left = calendar.count_between(case.school_id, day, running.period_ends_on)
        estimated = calendar.any_estimated(case.school_id, day, running.period_ends_on)
    return CaseNotices(notices, running, left, estimated)


def notice_parents_told(notice: NoticeToImprove) -> ParentsToldOfReferral | None:
    """The record of the parents being told of the referral, if any (read
    from `select_related("parents_told")` where the caller did that)."""
    try:
        return notice.parents_told
    except ParentsToldOfReferral.DoesNotExist:
        return None


def notice_for_user(*, user: User, notice_id: int) -> NoticeToImprove:
    """A notice the user may see, with its case and recipients; 404 otherwise."""
    return get_for_user_or_404(
        NoticeToImprove.objects.for_user(user)
        .select_related("case", "case__pupil", "case__school", "case__lead_professional")
        .prefetch_related(
            Prefetch("recipients", queryset=PupilCarer.unscoped.select_related("carer"))
        ),
        user,
        pk=notice_id,
    )


# The next step on the pathway (the case page's readiness panel) -------------------

Step = Literal["notice_to_improve", "referral", "referred"]


@dataclass(frozen=True)
class NextStep:
    """Where a case is on the pathway as at a day, and the checks of its next step
    only (rule A4):

    - no Notice to Improve yet, or the latest ended with sufficient improvement
      (back to Support First): "notice_to_improve", with that rule set's checks;
    - a notice running or ended without sufficient improvement, with no referral
      for it or only returned ones: "referral", with the referral's checks
      (which include every Notice to Improve prerequisite again);
    - a referral for it submitted, accepted or decided: "referred", with its
      status and no checks (the evaluation stored when it was submitted is in
      its bundle).
    """

    step: Step
    day: dt.date
    # The latest notice issued on or before `day`, and the latest version of its
    # referral, if any.
    notice: NoticeToImprove | None
    referral: LegalReferral | None
    # The checks of the step's rule set; None once referred.
    evaluation: Evaluation | None


def case_next_step(
    *,
    case: AttendanceCase,
    day: dt.date,
    meetings: Sequence[SupportMeeting] | None = None,
    plan: ActionPlan | Literal["load"] | None = "load",
) -> NextStep:
    """The next step of a case the page has already found in the user's scope.

    Two queries for the latest notice and its latest referral (a third for the
    LA's decision once decided), then, unless a referral is with the LA, one
    load of the rules' context: the meetings and plan the case page has read
    are passed in, as `pathway.rules.readiness` takes them."""
    notice = (
        NoticeToImprove.unscoped.filter(
            case=case, issued_on__lte=day, status=NoticeToImprove.Status.LIVE
        )
        .order_by("-issued_on", "-pk")
        .first()
    )
    referral = None
    if notice is not None:
        referral = (
            LegalReferral.unscoped.filter(notice=notice)
            .prefetch_related("decisions")
            .order_by("-version", "-pk")
            .first()
        )
    if referral is not None and referral.status != LegalReferral.Status.RETURNED:
        return NextStep("referred", day, notice, referral, None)
    step: Step = (
        "notice_to_improve"
        if notice is None or notice.outcome == NoticeToImprove.Outcome.IMPROVED
        else "referral"
    )
    ctx = context_load(case, day=day, meetings=meetings, plan=plan)
    return NextStep(step, day, notice, referral, run(ctx, step))


# The referral as the school sees it on the case page -------------------------------


@dataclass(frozen=True)
class CaseReferral:
    """Every version of a case's referrals (newest first), each with the LA's
    decision once made, and the case's penalty notices with today's flags
    (rule A5). What the lead needs to see without typing an address: a
    returned referral's reasons, the acceptance, the decision and what followed."""

    versions: list[LegalReferral]
    penalties: list[NoticeRow]

    @property
    def latest(self) -> LegalReferral | None:
        return self.versions[0] if self.versions else None

    @property
    def returned(self) -> bool:
        latest = self.latest
        return latest is not None and latest.status == LegalReferral.Status.RETURNED

    @property
    def decisions(self) -> list[LADecision]:
        return [d for r in self.versions for d in r.decisions.all()]

    @property
    def prosecutions(self) -> list[PenaltyNotice]:
        """Penalty notices unpaid after their period on which the LA decided to prosecute."""
        return [
            row.notice
            for row in self.penalties
            if row.notice.status == PenaltyNotice.Status.PROSECUTION
        ]


def case_referral(*, user: User, case: AttendanceCase, day: dt.date) -> CaseReferral:
    """The referral section of a case the page has already found in the
    user's scope: one query for the versions with their people, one for the
    decisions, one for the penalty notices, however many there are."""
    versions = list(
        LegalReferral.objects.for_user(user)
        .filter(case=case)
        .select_related("notice", "submitted_by", "returned_by", "accepted_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=LADecision.unscoped.select_related("decided_by").order_by(
                    "decided_on", "pk"
                ),
            )
        )
        .order_by("-submitted_at", "-version", "-pk")
    )
    return CaseReferral(versions, case_penalty_notices(user, case, day))


def returned_referrals(user: Any, case_ids: Collection[int]) -> dict[int, ReturnedReferral]:
    """Of `case_ids`, the cases in the user's scope whose latest referral was
    returned by the LA and not yet resubmitted (a resubmission is a later
    version for the same notice), with the LA's reasons: one query."""
    if not case_ids:
        return {}
    later = LegalReferral.unscoped.filter(
        notice=OuterRef("notice"), version__gt=OuterRef("version")
    )
    returned = (
        LegalReferral.objects.for_user(user)
        .filter(case_id__in=list(case_ids), status=LegalReferral.Status.RETURNED)
        .exclude(Exists(later))
        .order_by("returned_at", "pk")
    )
    found: dict[int, ReturnedReferral] = {}
    for referral in returned:
        assert referral.returned_at is not None  # the constraint keeps a returned one dated
        found[referral.case_id] = ReturnedReferral(
            case_id=referral.case_id,
            version=referral.version,
            returned_on=timezone.localdate(referral.returned_at),
            reasons=referral.return_reasons,
        )
    return found


def referrals_returned_to_school(user: User) -> list[LegalReferral]:
    """For the home page of a school's lead or DSL: the referrals the LA
    returned that wait for the school (open cases, not yet resubmitted),
    oldest return first, with the pupil: one query."""
    later = LegalReferral.unscoped.filter(
        notice=OuterRef("notice"), version__gt=OuterRef("version")
    )
    return list(
        LegalReferral.objects.for_user(user)
        .filter(status=LegalReferral.Status.RETURNED, case__status=AttendanceCase.Status.OPEN)
        .exclude(Exists(later))
        .select_related("case__pupil", "case__lead_professional")
        .order_by("returned_at", "pk")
    )
