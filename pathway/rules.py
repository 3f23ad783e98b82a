"""The Support First pathway's prerequisites (rule A4), as small rules.

Each rule's docstring is its title: the guidance's own words, shown on the case
page, in the API and stored with every gating evaluation. `check(ctx)` says
whether it is met, links to the records that show it (evidence) and, when it is
not, says in plain words what is missing, with the numbers and dates a lead
needs to act on.

Every rule reads one `Context`, loaded once per evaluation in a fixed number of
queries, so that the case page, the API and the command see the same thing. The
one rule that reads more is the referral deadline: it counts school days with
`school_days_after`, the same calendar the notice's period was fixed from (one
query, plus a year's computation where the school days are not stored).

A verdict as at a day reads only what was on record that day: the context
holds the records dated on or before it, and the latest notice as it stood
(its outcome and the parents being told of the referral only if dated by then).

`evaluate` runs every rule of a set and returns every check, not the first
failure, so a page can list everything missing.

See docs/rules.md#a4-the-support-first-pathway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

from django.contrib.humanize.templatetags.humanize import apnumber
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone

from attendance import figures as fig
from attendance.loading import pupil_data
from attendance.services.calendars import school_days_after
from cases.flags import meeting_is_held, review_counts
from cases.models import (
    ActionPlan,
    AttendanceCase,
    Barrier,
    EngagementAssessment,
    PlanAction,
    PlanReview,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from cases.services.support import OfferStanding, all_exhausted, offer_standings
from core.dates import long_date
from pupils.school_age import compulsory_school_age

from .hooks import NoticeOnFile, latest_notice
from .models import PathwaySettings, settings_for


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# The results -------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """A record that shows a rule is (or is partly) met, and where to see it."""

    label: str
    url: str


@dataclass(frozen=True)
class Verdict:
    met: bool
    evidence: list[Evidence] = field(default_factory=list)
    missing: str | None = None


@dataclass(frozen=True)
class Check:
    """One rule's verdict, with the rule's identity, ready to show or store."""

    key: str
    title: str
    met: bool
    blocking: bool
    evidence: list[Evidence]
    missing: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    rule_set: str
    day: dt.date
    allowed: bool
    checks: list[Check]
    # What the rules read, for a caller that stores facts beside its action
    # (the notice's threshold and support at issue); not part of the verdict.
    figures: fig.Figures | None = field(default=None, compare=False, repr=False)
    offers: list[SupportOffer] = field(default_factory=list, compare=False, repr=False)

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.blocking and not c.met]

    def as_json(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "checks": [c.as_json() for c in self.checks]}


# What the rules read -----------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Everything the rules read about one case, as at one day."""

    case: AttendanceCase
    day: dt.date
    settings: PathwaySettings
    figures: fig.Figures
    registers: list[fig.Register]
    meetings: Sequence[SupportMeeting]
    # Parents and carers invited, per meeting id: part of rule A4's "held".
    invited: dict[int, int]
    voices: list[WishesAndFeelings]
    barriers: list[Barrier]
    offers: list[SupportOffer]
    assessments: list[EngagementAssessment]
    plan: ActionPlan | None
    actions: list[PlanAction]
    reviews: list[PlanReview]
    notice: NoticeOnFile | None
    override_reason: str = ""
    early_referral_reason: str = ""

    def case_url(self, anchor: str) -> str:
        return f"{reverse('cases:case_detail', args=[self.case.pk])}#{anchor}"

    @property
    def attendance_url(self) -> str:
        return reverse("attendance:pupil_attendance", args=[self.case.pupil_id])


# The case's own records, prefetched. The case page's selector prefetches the same
# relations, so evaluating a case it has loaded reads them from memory.
CASE_PREFETCH = (
    "voices",
    "barriers",
    "offers__made_by",
    "offers__follow_ups",
    "engagement_assessments",
)


def context_load(
    case: AttendanceCase,
    *,
    day: dt.date,
    override_reason: str = "",
    early_referral_reason: str = "",
    meetings: Sequence[SupportMeeting] | None = None,
    plan: ActionPlan | Literal["load"] | None = "load",
) -> Context:
    """Load what the rules read for a case the caller has already found in its
    scope (the API, the case page) or as an operator (the command).

    The case page passes the meetings (with `invited` prefetched) and the plan
    (with its actions and reviews) that its selector has already read. Either
    way the number of queries does not grow with the size of the case.
    """
    if meetings is None:
        meetings = list(
            SupportMeeting.unscoped.filter(case=case)
            # Only the number invited matters to "held"; counting avoids a row per carer.
            .annotate(invited_count=Count("invited"))
            .order_by("sequence")
        )
        invited = {m.pk: m.invited_count for m in meetings}  # type: ignore[attr-defined]
    else:
        invited = {m.pk: len(m.invited.all()) for m in meetings}
    if plan == "load":
        plan = (
            ActionPlan.unscoped.filter(case=case)
            # django-stubs cannot unify the different Prefetch types in one call.
            .prefetch_related(  # type: ignore[type-var]
                Prefetch(
                    "actions", queryset=PlanAction.unscoped.order_by("barrier", "by_when", "pk")
                ),
                Prefetch("reviews", queryset=PlanReview.unscoped.order_by("reviewed_on", "pk")),
            )
            .first()
        )
    data = pupil_data(case.pupil_id, day)
    figures = fig.pupil_figures(
        upn=case.pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )
    return Context(
        case=case,
        day=day,
        settings=settings_for(case.school.local_authority_id),
        figures=figures,
        registers=data.registers,
        meetings=meetings,
        invited=invited,
        # Only what was on record on `day` (rule A4: a verdict as at a day reads
        # the records dated on or before it). Filtered in Python so that the
        # case page's prefetched records are reused.
        voices=[v for v in case.voices.all() if v.gathered_on <= day],
        barriers=[b for b in case.barriers.all() if b.identified_on <= day],
        offers=[o for o in case.offers.all() if o.offered_on <= day],
        assessments=[a for a in case.engagement_assessments.all() if a.assessed_on <= day],
        plan=plan,
        actions=list(plan.actions.all()) if plan else [],
        reviews=list(plan.reviews.all()) if plan else [],
        # The latest notice: a referral follows the notice most recently issued.
        notice=latest_notice(case, day),
        override_reason=override_reason.strip(),
        early_referral_reason=early_referral_reason.strip(),
    )


# The rules ---------------------------------------------------------------------


class Rule:
    """Base class: subclasses' docstrings are their titles."""

    key: ClassVar[str]
    title: ClassVar[str]
    # A rule that does not block still shows, as a warning.
    blocking: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Wrapped docstrings read as one line of guidance.
        cls.title = " ".join((cls.__doc__ or "").split())

    def title_for(self, ctx: Context) -> str:
        return self.title

    def check(self, ctx: Context) -> Verdict:
        raise NotImplementedError


class OfCompulsorySchoolAge(Rule):
    """The child is of compulsory school age"""

    key = "compulsory_school_age"

    def check(self, ctx: Context) -> Verdict:
        # Education Act 1996 s8: the s444 offence, and so a notice, a referral
        # and a penalty notice, concern only a child of compulsory school age.
        born = ctx.case.pupil.date_of_birth
        starts, ends = compulsory_school_age(born)
        evidence = [
            Evidence(
                f"Born {long_date(born)}: of compulsory school age from {long_date(starts)} "
                f"to {long_date(ends)}",
                reverse("cases:pupil_detail", args=[ctx.case.pupil_id]),
            )
        ]
        if ctx.day < starts:
            return Verdict(
                False,
                evidence,
                f"The child is not of compulsory school age until {long_date(starts)} "
                f"(born {long_date(born)})",
            )
        if ctx.day > ends:
            return Verdict(
                False,
                evidence,
                f"The child stopped being of compulsory school age after {long_date(ends)}, "
                f"the school leaving date (born {long_date(born)})",
            )
        return Verdict(True, evidence)


class NationalThresholdMet(Rule):
    """The pupil has had at least 10 sessions of unauthorised absence in a rolling
    period of 10 school weeks"""

    key = "national_threshold"

    def check(self, ctx: Context) -> Verdict:
        count = ctx.figures.unauthorised_last_10_school_weeks
        label = (
            f"{count} unauthorised session{'s' if count != 1 else ''} in the last "
            f"{fig.NATIONAL_THRESHOLD_WEEKS} school weeks as at {long_date(ctx.day)}"
        )
        if ctx.figures.national_threshold_met:
            return Verdict(True, [Evidence(label, ctx.attendance_url)])
        return Verdict(
            False,
            [Evidence(label, ctx.attendance_url)],
            f"{label}; the threshold is {fig.NATIONAL_THRESHOLD_SESSIONS}",
        )


class ThresholdMetAtNotice(Rule):
    """The pupil had at least 10 sessions of unauthorised absence in a rolling
    period of 10 school weeks when the Notice to Improve was issued"""

    key = "threshold_at_notice"

    def check(self, ctx: Context) -> Verdict:
        # The referral follows the notice: what matters is the threshold met
        # when it was issued, stored with it, not the rolling count on the
        # referral day (absence during the period would otherwise fall out of
        # the window and block the referral although it continued).
        notice = ctx.notice
        if notice is None:
            return Verdict(False, [], "No Notice to Improve has been issued")
        threshold = notice.threshold
        url = ctx.case_url("notice-to-improve")
        if threshold is None:
            return Verdict(
                False,
                [],
                "The unauthorised absence when the notice was issued on "
                f"{long_date(notice.issued_on)} is not on record: check the registers as at "
                "that day with the Local Authority before referring",
            )
        count = threshold.sessions
        label = (
            f"{count} unauthorised session{'s' if count != 1 else ''} in the "
            f"{threshold.window_weeks} school weeks to {long_date(threshold.as_at)}, when the "
            "notice was issued"
        )
        if count >= fig.NATIONAL_THRESHOLD_SESSIONS:
            return Verdict(True, [Evidence(label, url)])
        return Verdict(
            False,
            [Evidence(label, url)],
            f"{label}; the threshold is {fig.NATIONAL_THRESHOLD_SESSIONS}",
        )


class MinimumMeetingsHeld(Rule):
    """At least {minimum} Support First meetings have been held with the family"""

    key = "meetings_held"

    def title_for(self, ctx: Context) -> str:
        return self.title.format(minimum=apnumber(ctx.settings.minimum_meetings))

    def check(self, ctx: Context) -> Verdict:
        minimum = ctx.settings.minimum_meetings
        # "Held" is rule A4's, defined once in cases.flags.
        held = [
            (m, m.held_on)
            for m in ctx.meetings
            if m.held_on is not None
            and meeting_is_held(m, ctx.day, invited_count=ctx.invited.get(m.pk, 0))
        ]
        evidence = [
            Evidence(
                f"Meeting {m.sequence}, held {long_date(on)}", ctx.case_url(f"meeting-{m.sequence}")
            )
            for m, on in held
        ]
        if len(held) >= minimum:
            return Verdict(True, evidence)
        upcoming = sorted(
            (
                m
                for m in ctx.meetings
                if not m.cancelled
                and m.held_on is None
                and timezone.localdate(m.scheduled_for) >= ctx.day
            ),
            key=lambda m: m.scheduled_for,
        )
        missing = f"{len(held)} of {minimum} Support First meetings held"
        if upcoming:
            next_on = timezone.localdate(upcoming[0].scheduled_for)
            missing += f"; the next is scheduled for {long_date(next_on)}"
        else:
            missing += "; none is scheduled"
        return Verdict(False, evidence, missing)


class PupilVoiceRecorded(Rule):
    """The pupil's voice has been recorded (Wishes and Feelings)"""

    key = "voice_recorded"

    def check(self, ctx: Context) -> Verdict:
        voices = [v for v in ctx.voices if v.gathered_on <= ctx.day]
        if not voices:
            return Verdict(False, [], "No Wishes and Feelings record yet")
        return Verdict(
            True,
            [
                Evidence(f"Wishes and Feelings, {long_date(v.gathered_on)}", ctx.case_url("voice"))
                for v in voices
            ],
        )


class PlanInPlace(Rule):
    """A SMART action plan is in place, with an action for each barrier, and has been reviewed"""

    key = "plan_in_place"

    def check(self, ctx: Context) -> Verdict:
        plan = ctx.plan
        if plan is None:
            return Verdict(False, [], "No SMART action plan yet")
        if plan.agreed_on > ctx.day:
            # A plan counts from the day it was agreed, not the day it was typed.
            return Verdict(
                False,
                [],
                f"No SMART action plan yet on {long_date(ctx.day)}: the plan was agreed on "
                f"{long_date(plan.agreed_on)}",
            )
        evidence = [
            Evidence(
                f"Aim: {plan.target_attendance}% attendance by {long_date(plan.target_date)} "
                f"(agreed {long_date(plan.agreed_on)})",
                ctx.case_url("plan"),
            )
        ]
        problems: list[str] = []
        # Every barrier still in the way needs a current action that says what,
        # by when, who, and how we will know it is working. A resolved barrier
        # needs nothing more; an ended action no longer addresses its barrier.
        open_barriers = [
            b for b in ctx.barriers if b.resolved_on is None or b.resolved_on > ctx.day
        ]
        smart = {
            a.barrier_id
            for a in ctx.actions
            if (a.ended_on is None or a.ended_on > ctx.day)
            and a.action.strip()
            and a.responsible.strip()
            and a.how_we_will_know.strip()
        }
        without = [b for b in open_barriers if b.pk not in smart]
        if not open_barriers and not smart:
            problems.append("No barriers identified, so the plan has no actions")
        elif without:
            names = ", ".join(b.get_kind_display() for b in without)
            verb = "has" if len(without) == 1 else "have"
            problems.append(
                f"{len(without)} of {len(open_barriers)} barriers {verb} no action: {names}"
            )
        # "Reviewed" is rule A4's, defined once in cases.flags: after the day agreed.
        reviews = [
            r for r in ctx.reviews if review_counts(r, agreed_on=plan.agreed_on, day=ctx.day)
        ]
        if reviews:
            evidence.extend(
                Evidence(f"Reviewed {long_date(r.reviewed_on)}", ctx.case_url("plan"))
                for r in reviews
            )
        elif any(r.reviewed_on == plan.agreed_on for r in ctx.reviews):
            problems.append(
                f"The plan has not been reviewed since it was agreed on "
                f"{long_date(plan.agreed_on)}: a review on the day it was agreed does not count"
            )
        else:
            problems.append("The plan has not been reviewed yet")
        if problems:
            return Verdict(False, evidence, "; ".join(problems))
        return Verdict(True, evidence)


class SupportExhausted(Rule):
    """Support has been offered and has not worked or has not been engaged with"""

    key = "support_exhausted"

    def check(self, ctx: Context) -> Verdict:
        # Only offers made, and outcomes and follow-ups recorded as happening, by the day judged.
        standings = offer_standings(
            ctx.offers,
            day=ctx.day,
            wait_school_days=ctx.settings.no_response_wait_school_days,
            school_id=ctx.case.school_id,
        )
        if not standings:
            return Verdict(False, [], "No support has been offered yet")
        evidence = [
            Evidence(_standing_label(s), ctx.case_url(f"offer-{s.offer.pk}"))
            for s in standings
            if s.exhausted
        ]
        # "Exhausted" is rule A4's, defined once in cases.services.support.
        if all_exhausted(standings):
            return Verdict(True, evidence)
        still_open = [s for s in standings if not s.exhausted]
        # A follow-up to do has commas of its own: then semicolons keep the offers apart.
        separator = "; " if any(s.to_do for s in still_open) else ", "
        listed = separator.join(_standing_open(s) for s in still_open)
        verb = "is" if len(still_open) == 1 else "are"
        return Verdict(
            False,
            evidence,
            f"{len(still_open)} of {len(standings)} support offers {verb} still open: {listed}",
        )


def _standing_label(s: OfferStanding) -> str:
    offer = s.offer
    if s.not_engaged_from is not None:
        return (
            f"{offer.get_provider_display()}: no response, counts as not engaged from "
            f"{long_date(s.not_engaged_from)}"
        )
    return f"{offer.get_provider_display()}: {_lower_first(offer.get_outcome_display())}" + (
        f" ({long_date(offer.outcome_on)})" if offer.outcome_on else ""
    )


def _standing_open(s: OfferStanding) -> str:
    outcome = _lower_first(SupportOffer.Outcome(s.outcome).label)
    text = f"{s.offer.get_provider_display()} ({outcome})"
    return f"{text}: {_lower_first(s.to_do)}" if s.to_do else text


class ParentsNotEngaging(Rule):
    """The parents have not been assessed as engaging with support, or the attendance
    lead has recorded why the notice should go ahead"""

    key = "parents_not_engaging"

    def check(self, ctx: Context) -> Verdict:
        assessments = [a for a in ctx.assessments if a.assessed_on <= ctx.day]
        latest = max(assessments, key=lambda a: (a.assessed_on, a.pk), default=None)
        if latest is None:
            return Verdict(True, [])
        evidence = [
            Evidence(
                f"Assessed {long_date(latest.assessed_on)}: "
                f"{_lower_first(latest.get_level_display())}",
                ctx.case_url("engagement-heading"),
            )
        ]
        if latest.level != EngagementAssessment.Level.ENGAGING:
            return Verdict(True, evidence)
        if ctx.override_reason:
            # Shown to the LA with the stored evaluation.
            return Verdict(
                True, [*evidence, Evidence(f"Reason recorded: {ctx.override_reason}", "")]
            )
        return Verdict(
            False,
            evidence,
            f"The latest engagement assessment ({long_date(latest.assessed_on)}) says the "
            "parents are engaging",
        )


def latest_assessment(ctx: Context) -> EngagementAssessment | None:
    assessments = [a for a in ctx.assessments if a.assessed_on <= ctx.day]
    return max(assessments, key=lambda a: (a.assessed_on, a.pk), default=None)


class ParentsAssessedNotEngaging(Rule):
    """The parents have been assessed as not engaging with support"""

    key = "parents_assessed_not_engaging"

    def check(self, ctx: Context) -> Verdict:
        # A referral only "once all avenues of support have been exhausted and
        # parents are not engaging": the latest assessment must say so. No
        # assessment, or "partly engaging", is not enough, and the reasoned
        # override for engaging parents is the Notice to Improve's only.
        latest = latest_assessment(ctx)
        if latest is None:
            return Verdict(
                False,
                [],
                "No engagement assessment yet: a referral needs the latest assessment to say "
                "the parents are not engaging",
            )
        evidence = [
            Evidence(
                f"Assessed {long_date(latest.assessed_on)}: "
                f"{_lower_first(latest.get_level_display())}",
                ctx.case_url("engagement-heading"),
            )
        ]
        if latest.level == EngagementAssessment.Level.NOT_ENGAGING:
            return Verdict(True, evidence)
        return Verdict(
            False,
            evidence,
            f"The latest engagement assessment ({long_date(latest.assessed_on)}) says the "
            f"parents are {_lower_first(latest.get_level_display())}: a referral needs them "
            "assessed as not engaging",
        )


class NoticeIssued(Rule):
    """A Notice to Improve has been issued"""

    key = "notice_issued"

    def check(self, ctx: Context) -> Verdict:
        if ctx.notice is None:
            return Verdict(False, [], "No Notice to Improve has been issued")
        return Verdict(
            True,
            [
                Evidence(
                    f"Notice to Improve issued {long_date(ctx.notice.issued_on)}",
                    ctx.case_url("notice-to-improve"),
                )
            ],
        )


def early_referral_grounds(
    *,
    registers: list[fig.Register],
    assessments: Sequence[EngagementAssessment],
    issued_on: dt.date,
    day: dt.date,
    attendance_url: str = "",
    engagement_url: str = "",
) -> list[Evidence]:
    """What allows acting before the improvement period ends (rule A4):
    unauthorised sessions recorded after the notice was issued, up to `day`,
    or an assessment made after the notice, the latest on or before `day`,
    that the parents are not engaging. Empty when there is neither."""
    grounds: list[Evidence] = []
    first = issued_on + dt.timedelta(days=1)
    sessions = fig.unauthorised_between(registers, first, day) if first <= day else 0
    if sessions:
        grounds.append(
            Evidence(
                f"{sessions} unauthorised session{'s' if sessions != 1 else ''} since the "
                f"notice was issued on {long_date(issued_on)}",
                attendance_url,
            )
        )
    dated = [a for a in assessments if a.assessed_on <= day]
    latest = max(dated, key=lambda a: (a.assessed_on, a.pk), default=None)
    if (
        latest is not None
        and latest.assessed_on > issued_on
        and latest.level == EngagementAssessment.Level.NOT_ENGAGING
    ):
        grounds.append(
            Evidence(
                f"Assessed {long_date(latest.assessed_on)}, after the notice: not engaging",
                engagement_url,
            )
        )
    return grounds


def early_referral_grounds_for(
    case: AttendanceCase, *, issued_on: dt.date, day: dt.date
) -> list[Evidence]:
    """`early_referral_grounds` for a case the caller has found (the notice's
    outcome service), loading its registers and assessments as at `day`."""
    data = pupil_data(case.pupil_id, day)
    assessments = list(EngagementAssessment.unscoped.filter(case=case, assessed_on__lte=day))
    return early_referral_grounds(
        registers=data.registers, assessments=assessments, issued_on=issued_on, day=day
    )


class NoticeNotHeeded(Rule):
    """The improvement period has ended with an outcome of not sufficient
    improvement, or, before it ends, unauthorised absence has continued or the
    parents are not engaging and a reason for referring early is recorded"""

    key = "notice_not_heeded"

    def check(self, ctx: Context) -> Verdict:
        notice = ctx.notice
        if notice is None:
            return Verdict(False, [], "No Notice to Improve has been issued")
        url = ctx.case_url("notice-to-improve")
        if notice.improved is True:
            when = f" ({long_date(notice.outcome_on)})" if notice.outcome_on else ""
            return Verdict(
                False,
                [],
                f"The notice's outcome{when} is sufficient improvement: back to support",
            )
        ends = long_date(notice.period_ends_on)
        outcome = (
            Evidence(f"Not sufficient improvement, recorded on {long_date(notice.outcome_on)}", url)
            if notice.improved is False and notice.outcome_on is not None
            else None
        )
        if ctx.day > notice.period_ends_on:
            # The period is over: only a recorded outcome says it was not heeded
            # (full attendance with no outcome recorded is not a failure).
            if outcome is not None:
                return Verdict(True, [outcome])
            return Verdict(
                False,
                [],
                f"The improvement period ended on {ends}: record its outcome (not sufficient "
                "improvement) before referring",
            )
        # Still inside the period: an early referral needs grounds and a reason.
        grounds = early_referral_grounds(
            registers=ctx.registers,
            assessments=ctx.assessments,
            issued_on=notice.issued_on,
            day=ctx.day,
            attendance_url=ctx.attendance_url,
            engagement_url=ctx.case_url("engagement-heading"),
        )
        evidence = [*grounds, *([outcome] if outcome else [])]
        if not grounds:
            return Verdict(
                False,
                evidence,
                f"The improvement period runs until {ends}, and since the notice was issued on "
                f"{long_date(notice.issued_on)} there has been no unauthorised absence and no "
                "assessment that the parents are not engaging",
            )
        if ctx.early_referral_reason:
            return Verdict(
                True, [*evidence, Evidence(f"Reason recorded: {ctx.early_referral_reason}", "")]
            )
        return Verdict(
            False,
            evidence,
            f"The improvement period runs until {ends}: to refer early, record a reason",
        )


class ReferralOnTime(Rule):
    """The referral is made within {days} school days of telling the parents that
    a referral will be made"""

    key = "referral_on_time"
    blocking = False

    def title_for(self, ctx: Context) -> str:
        return self.title.format(days=ctx.settings.referral_within_school_days)

    def check(self, ctx: Context) -> Verdict:
        # Norfolk's referral steps: the parents are told that a referral will be
        # made, and it is made within 15 school days of that, not of the notice.
        notice = ctx.notice
        if notice is None:
            return Verdict(False, [], "No Notice to Improve has been issued")
        days = ctx.settings.referral_within_school_days
        told = notice.parents_told_on
        if told is None:
            return Verdict(
                False,
                [],
                "Record the day the parents were told that a referral will be made: the "
                f"referral is due within {days} school days of it",
            )
        due = school_days_after(school_id=ctx.case.school_id, day=told, count=days)
        evidence = [
            Evidence(
                f"Parents told a referral will be made on {long_date(told)}; "
                f"referral due by {long_date(due)}",
                ctx.case_url("notice-to-improve"),
            )
        ]
        if ctx.day <= due:
            return Verdict(True, evidence)
        return Verdict(
            False,
            evidence,
            f"The referral was due by {long_date(due)}, {days} school days after the parents "
            f"were told on {long_date(told)}",
        )


NOTICE_TO_IMPROVE: Sequence[Rule] = (
    OfCompulsorySchoolAge(),
    NationalThresholdMet(),
    MinimumMeetingsHeld(),
    PupilVoiceRecorded(),
    PlanInPlace(),
    SupportExhausted(),
    ParentsNotEngaging(),
)

# "All the Notice to Improve prerequisites still hold", then the notice's own,
# with two differences: the threshold is the one met when the notice was
# issued, and the parents must be assessed as not engaging (no override).
REFERRAL: Sequence[Rule] = (
    OfCompulsorySchoolAge(),
    ThresholdMetAtNotice(),
    MinimumMeetingsHeld(),
    PupilVoiceRecorded(),
    PlanInPlace(),
    SupportExhausted(),
    ParentsAssessedNotEngaging(),
    NoticeIssued(),
    NoticeNotHeeded(),
    ReferralOnTime(),
)

RULE_SETS: dict[str, Sequence[Rule]] = {
    "notice_to_improve": NOTICE_TO_IMPROVE,
    "referral": REFERRAL,
}


def run(ctx: Context, rule_set: str) -> Evaluation:
    """Every rule of the set, as at the context's day. Allowed when every
    blocking rule is met; a warning shows but does not stop the action."""
    checks = []
    for rule in RULE_SETS[rule_set]:
        verdict = rule.check(ctx)
        checks.append(
            Check(
                key=rule.key,
                title=rule.title_for(ctx),
                met=verdict.met,
                blocking=rule.blocking,
                evidence=list(verdict.evidence),
                missing=None if verdict.met else verdict.missing,
            )
        )
    allowed = all(c.met for c in checks if c.blocking)
    return Evaluation(
        rule_set=rule_set,
        day=ctx.day,
        allowed=allowed,
        checks=checks,
        figures=ctx.figures,
        offers=list(ctx.offers),
    )


def evaluate(
    case: AttendanceCase,
    *,
    rule_set: str,
    day: dt.date,
    override_reason: str = "",
    early_referral_reason: str = "",
) -> Evaluation:
    """Load the case's context once and run one rule set over it."""
    ctx = context_load(
        case, day=day, override_reason=override_reason, early_referral_reason=early_referral_reason
    )
    return run(ctx, rule_set)


@dataclass(frozen=True)
class Readiness:
    """Both rule sets for one case, as the API and the command show them."""

    case_id: int
    notice_to_improve: Evaluation
    referral: Evaluation

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "notice_to_improve": self.notice_to_improve.as_json(),
            "referral": self.referral.as_json(),
        }


def readiness(
    case: AttendanceCase,
    *,
    day: dt.date,
    meetings: Sequence[SupportMeeting] | None = None,
    plan: ActionPlan | Literal["load"] | None = "load",
) -> Readiness:
    """Both rule sets from one load of the context (no reasons recorded: those
    are given when the lead acts, and the evaluation is stored then)."""
    ctx = context_load(case, day=day, meetings=meetings, plan=plan)
    return Readiness(case.pk, run(ctx, "notice_to_improve"), run(ctx, "referral"))
