"""Reads of attendance cases: the caseload and the case file, scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.dates import today as today_in_england
from core.scoping import needs_to_know
from pupils.models import PupilCarer

from .flags import PlanState, next_contact_due, plan_state
from .hooks import PathwayNumbers, ReturnedReferral, pathway_numbers, returned_referrals
from .models import (
    ActionPlan,
    ActionProgress,
    AttendanceCase,
    CaseShare,
    Contact,
    EngagementAssessment,
    OfferFollowUp,
    PlanAction,
    PlanReview,
    ReasonableAdjustment,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from .services.meetings import MeetingCard, meeting_cards
from .services.support import OfferStanding, all_exhausted, offer_standings
from .services.timetables import TimetableRow, timetable_flags, timetable_status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class CaseRow:
    """One line of the caseload."""

    case: AttendanceCase
    meetings_held: int
    minimum_meetings: int
    next_contact_due: dt.date
    contact_overdue: bool
    plan_review_due: dt.date | None
    plan_review_overdue: bool
    voice_recorded: bool
    is_mine: bool
    no_response_wait_school_days: int = 10
    # The referral the LA sent back, waiting for the school (from the notices app).
    returned: ReturnedReferral | None = None
    # Whether the user may open the case file: an LA user lists every case with
    # its stage, but opens only those shared with the LA (core/scoping.py).
    file_open: bool = True

    @property
    def overdue(self) -> bool:
        return self.contact_overdue or self.plan_review_overdue

    @property
    def needs_action(self) -> bool:
        return self.overdue or self.returned is not None


def caseload(
    *, user: AnyUser, status: str = AttendanceCase.Status.OPEN, day: dt.date | None = None
) -> list[CaseRow]:
    """Cases the user may see: their own first, then anything overdue, then by
    what falls due soonest. An LA user sees every case of the LA's schools with
    its stage and dates, and opens the file of those shared with the LA."""
    day = day or today_in_england()
    order = _caseload_order(user=user, status=status, day=day)
    return _rows_in_order(user=user, order=order, case_ids=order.case_ids, day=day)


def caseload_page(
    *,
    user: AnyUser,
    status: str = AttendanceCase.Status.OPEN,
    page_number: str | int | None = None,
    per_page: int = 50,
    day: dt.date | None = None,
) -> Page[CaseRow]:
    """One page of the caseload, in its order. Only the order is worked out for
    every case (one narrow query, no join of contacts or meetings); the page's
    rows alone are read in full, so an LA's caseload of hundreds costs about
    what a school's does."""
    day = day or today_in_england()
    order = _caseload_order(user=user, status=status, day=day)
    page: Page[Any] = Paginator(order.case_ids, per_page).get_page(page_number)
    page.object_list = _rows_in_order(
        user=user, order=order, case_ids=list(page.object_list), day=day
    )
    return page


@dataclass(frozen=True)
class _Order:
    """The caseload's order, with what working it out read and the rows need
    again (each LA's pathway numbers, the returned referrals)."""

    case_ids: list[int]
    rules_by_la: dict[int, PathwayNumbers]
    returned: dict[int, ReturnedReferral]


def _latest(rows: QuerySet[Any], column: str, **conditions: Any) -> Subquery:
    """The latest `column` of the case's `rows`: a subquery per case, where a
    join of contacts and meetings multiplies the rows it groups."""
    return Subquery(
        rows.filter(case=OuterRef("pk"), **conditions)
        .order_by()
        .values("case")
        .annotate(latest=Max(column))
        .values("latest")
    )


def _caseload_order(*, user: AnyUser, status: str, day: dt.date) -> _Order:
    """The ids of the user's cases of this status in the caseload's order."""
    keys = (
        AttendanceCase.objects.listed_for(user)
        .filter(status=status)
        .annotate(
            last_contact=_latest(Contact.unscoped.all(), "occurred_at"),
            last_meeting=_latest(
                SupportMeeting.unscoped.all(), "held_on", cancelled=False, held_on__lte=day
            ),
        )
        .values_list(
            "pk",
            "opened_at",
            "last_contact",
            "last_meeting",
            "plan__next_review_due",
            "lead_professional_id",
            "school__local_authority_id",
            "pupil__legal_surname",
        )
    )
    found = list(keys)
    returned = (
        returned_referrals(user, [row[0] for row in found]) if returned_referrals.provided else {}
    )
    rules_by_la: dict[int, PathwayNumbers] = {}
    user_id = getattr(user, "pk", None)
    is_open = status == AttendanceCase.Status.OPEN
    ordered = []
    for pk, opened_at, last_contact, last_meeting, review_due, lead_id, la_id, surname in found:
        if la_id not in rules_by_la:
            rules_by_la[la_id] = pathway_numbers(la_id)
        due = next_contact_due(
            opened_on=timezone.localdate(opened_at),
            last_contacts=[
                timezone.localdate(last_contact) if last_contact else None,
                last_meeting,
            ],
            interval_days=rules_by_la[la_id].contact_interval_days,
        )
        overdue = is_open and (due < day or (review_due is not None and review_due < day))
        ordered.append(
            (
                (
                    user_id != lead_id,
                    # A referral the LA returned waits on the school, like an overdue contact.
                    not (overdue or pk in returned),
                    min(d for d in (due, review_due) if d is not None),
                    surname,
                ),
                pk,
            )
        )
    ordered.sort()
    return _Order([pk for _, pk in ordered], rules_by_la, returned)


def _rows_in_order(
    *, user: AnyUser, order: _Order, case_ids: list[int], day: dt.date
) -> list[CaseRow]:
    if not case_ids:
        return []
    rows = {
        row.case.pk: row
        for row in _rows(
            user=user,
            cases=AttendanceCase.objects.listed_for(user).filter(pk__in=case_ids),
            day=day,
            rules_by_la=order.rules_by_la,
            returned=order.returned,
        )
    }
    return [rows[pk] for pk in case_ids if pk in rows]


def _rows(
    *,
    user: AnyUser,
    cases: QuerySet[AttendanceCase],
    day: dt.date,
    with_returned: bool = True,
    rules_by_la: dict[int, PathwayNumbers] | None = None,
    returned: dict[int, ReturnedReferral] | None = None,
    file_opened: bool = False,
) -> list[CaseRow]:
    """The rows of these cases. `rules_by_la` and `returned`, when the caller
    has read them already, save asking again. `file_opened`: the cases were
    read with `for_user`, so every file opens without asking."""
    held = (
        SupportMeeting.unscoped.filter(
            case=OuterRef("pk"),
            cancelled=False,
            held_on__lte=day,
            outcome__regex=r"\S",
            invited__isnull=False,
        )
        .order_by()
        .values("case")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    cases = cases.select_related("pupil", "school__local_authority", "lead_professional").annotate(
        meetings_held=Coalesce(Subquery(held), 0),
        last_contact=_latest(Contact.unscoped.all(), "occurred_at"),
        last_meeting=_latest(
            SupportMeeting.unscoped.all(), "held_on", cancelled=False, held_on__lte=day
        ),
        plan_review_due=F("plan__next_review_due"),
        voice_recorded=Exists(WishesAndFeelings.unscoped.filter(case=OuterRef("pk"))),
    )
    rows = []
    rules_by_la = {} if rules_by_la is None else rules_by_la
    found = list(cases)
    if returned is None:
        returned = (
            returned_referrals(user, [c.pk for c in found])
            if with_returned and returned_referrals.provided
            else {}
        )
    openable = None if file_opened else openable_case_ids(user=user, case_ids=[c.pk for c in found])
    for case in found:
        la_id = case.school.local_authority_id
        if la_id not in rules_by_la:
            rules_by_la[la_id] = pathway_numbers(la_id)
        rules = rules_by_la[la_id]
        due = next_contact_due(
            opened_on=timezone.localdate(case.opened_at),
            last_contacts=[
                timezone.localdate(case.last_contact) if case.last_contact else None,
                case.last_meeting,
            ],
            interval_days=rules.contact_interval_days,
        )
        review_due = case.plan_review_due
        rows.append(
            CaseRow(
                case=case,
                meetings_held=case.meetings_held,
                minimum_meetings=rules.minimum_meetings,
                next_contact_due=due,
                contact_overdue=case.is_open and due < day,
                plan_review_due=review_due,
                plan_review_overdue=case.is_open and review_due is not None and review_due < day,
                voice_recorded=case.voice_recorded,
                is_mine=getattr(user, "pk", None) == case.lead_professional_id,
                no_response_wait_school_days=rules.no_response_wait_school_days,
                returned=returned.get(case.pk),
                file_open=openable is None or case.pk in openable,
            )
        )
    return rows


def openable_case_ids(*, user: AnyUser, case_ids: Collection[int]) -> set[int] | None:
    """Which of these cases' files the user may open; None when every case they
    can list (a school user's, an administrator's), without a query."""
    if not needs_to_know(user):
        return None
    if not case_ids:
        return set()
    return set(
        AttendanceCase.objects.for_user(user).filter(pk__in=case_ids).values_list("pk", flat=True)
    )


@dataclass
class CaseFile:
    """Everything on the case page, loaded in a fixed number of queries."""

    case: AttendanceCase
    row: CaseRow
    meetings: list[SupportMeeting]
    plan: ActionPlan | None
    plan_state: PlanState
    carers: list[PupilCarer]
    sibling_cases: list[AttendanceCase] = field(default_factory=list)
    sibling_cases_elsewhere: int = 0
    meeting_cards: list[MeetingCard] = field(default_factory=list)
    support_exhausted: bool = False
    # Where each support offer stands today, by offer id (rule A4: a "no response"
    # needs a follow-up and a wait).
    offer_standings: dict[int, OfferStanding] = field(default_factory=dict)
    timetables: list[TimetableRow] = field(default_factory=list)
    # Every share of the file with the LA, live or taken back, newest first.
    shares: list[CaseShare] = field(default_factory=list)

    @property
    def live_shares(self) -> list[CaseShare]:
        return [s for s in self.shares if s.is_live]

    @property
    def shared_by_school(self) -> bool:
        """The school's own share is live (it can be taken back, not doubled)."""
        return any(s.kind == CaseShare.Kind.SCHOOL for s in self.live_shares)

    @property
    def offer_rows(self) -> list[tuple[SupportOffer, OfferStanding | None]]:
        return [(o, self.offer_standings.get(o.pk)) for o in self.case.offers.all()]


def case_file(*, user: AnyUser, case_id: int, day: dt.date | None = None) -> CaseFile:
    day = day or today_in_england()
    # The case page shows the referral in full (the notices app's section), so
    # its row does not ask again whether one was returned.
    # The row's figures and the file's records come from one read of the case:
    # `for_user` keeps it to a file this user may open (404 otherwise).
    rows = _rows(
        user=user,
        cases=AttendanceCase.objects.for_user(user)
        .filter(pk=case_id)
        .select_related("pupil", "school", "lead_professional", "opened_by", "closed_by")
        # django-stubs cannot unify the different Prefetch types in one call.
        .prefetch_related(  # type: ignore[type-var]
            Prefetch(
                "contacts",
                queryset=Contact.unscoped.select_related("made_by", "carer__carer"),
            ),
            # Joined, not prefetched a level further: each nested prefetch
            # is a query more on the LA's busiest page.
            Prefetch("voices", queryset=WishesAndFeelings.unscoped.select_related("gathered_by")),
            "barriers",
            Prefetch(
                "adjustments", queryset=ReasonableAdjustment.unscoped.select_related("barrier")
            ),
            Prefetch("offers", queryset=SupportOffer.unscoped.select_related("barrier", "made_by")),
            Prefetch(
                "offers__follow_ups",
                queryset=OfferFollowUp.unscoped.select_related("made_by"),
            ),
            Prefetch(
                "engagement_assessments",
                queryset=EngagementAssessment.unscoped.select_related("created_by"),
            ),
            "timetables",
        ),
        day=day,
        with_returned=False,
        file_opened=True,
    )
    if not rows:
        raise Http404("No such record.")
    row = rows[0]
    case = row.case
    meetings = list(
        SupportMeeting.unscoped.filter(case=case)
        .prefetch_related(
            Prefetch("invited", queryset=PupilCarer.unscoped.select_related("carer")),
            Prefetch("attended", queryset=PupilCarer.unscoped.select_related("carer")),
        )
        .order_by("sequence")
    )
    plan = (
        ActionPlan.unscoped.filter(case=case)
        # django-stubs cannot unify the different Prefetch types in one call.
        .prefetch_related(  # type: ignore[type-var]
            Prefetch("actions", queryset=PlanAction.unscoped.select_related("barrier")),
            Prefetch(
                "reviews",
                queryset=PlanReview.unscoped.prefetch_related(
                    Prefetch("progress", queryset=ActionProgress.unscoped.select_related("action"))
                ).order_by("reviewed_on", "pk"),
            ),
        )
        .first()
    )
    if plan is not None:
        reviews = list(plan.reviews.all())
        state = plan_state(
            next_review_due=plan.next_review_due,
            reviews=reviews,
            progress_by_review={r.pk: list(r.progress.all()) for r in reviews},
            today=day,
            agreed_on=plan.agreed_on,
            review_every_days=plan.review_every_days,
        )
    else:
        state = PlanState(None, False, False)
    carers = list(
        PupilCarer.unscoped.filter(pupil=case.pupil)
        .select_related("carer")
        .order_by("contact_priority", "pk")
    )
    siblings_cases = (
        AttendanceCase.unscoped.filter(
            status=AttendanceCase.Status.OPEN,
            pupil__carer_links__carer__in=[c.carer_id for c in carers],
        )
        .exclude(pupil=case.pupil)
        .distinct()
    )
    visible = list(
        siblings_cases.filter(pk__in=AttendanceCase.objects.for_user(user).values("pk"))
        .select_related("pupil", "school", "lead_professional")
        .order_by("pupil__legal_surname")
    )
    standings = offer_standings(
        case.offers.all(),
        day=day,
        wait_school_days=row.no_response_wait_school_days,
        school_id=case.school_id,
    )
    return CaseFile(
        case=case,
        row=row,
        meetings=meetings,
        plan=plan,
        plan_state=state,
        carers=carers,
        sibling_cases=visible,
        sibling_cases_elsewhere=siblings_cases.count() - len(visible),
        meeting_cards=meeting_cards(meetings, today=day),
        support_exhausted=all_exhausted(standings),
        offer_standings={s.offer.pk: s for s in standings},
        timetables=[
            TimetableRow(t, timetable_flags(t, day), timetable_status(t, day))
            for t in case.timetables.all()
        ],
        shares=list(
            CaseShare.objects.for_user(user)
            .filter(case=case)
            .select_related("shared_by", "revoked_by")
            .order_by("-shared_at", "-pk")
        ),
    )


def open_case_for(*, user: AnyUser, pupil_id: int) -> AttendanceCase | None:
    """The pupil's open case that this user can see (their school's, for staff),
    with `file_open`: whether they may open its file (an LA user lists every
    case's stage, but opens only a file shared with the LA)."""
    case = (
        AttendanceCase.objects.listed_for(user)
        .filter(pupil_id=pupil_id, status=AttendanceCase.Status.OPEN)
        .select_related("lead_professional", "school")
        .order_by("-opened_at")
        .first()
    )
    if case is not None:
        case.file_open = (  # type: ignore[attr-defined]
            not needs_to_know(user)
            or AttendanceCase.objects.for_user(user).filter(pk=case.pk).exists()
        )
    return case
