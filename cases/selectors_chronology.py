"""The case chronology: one dated timeline of everything in a case, generated
from the records themselves (never typed twice), oldest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from attendance import figures as fig
from attendance.loading import pupil_data
from core.dates import today as today_in_england
from core.scoping import get_for_user_or_404

from .hooks import chronology_items
from .models import (
    ActionPlan,
    AttendanceCase,
    Barrier,
    CaseHistoryNote,
    Contact,
    EngagementAssessment,
    OfferFollowUp,
    PartTimeTimetable,
    PlanReview,
    ReasonableAdjustment,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

KINDS = {
    "case": "Case opened or closed",
    "contact": "Contacts",
    "meeting": "Support First meetings",
    "voice": "The pupil's voice",
    "support": "Barriers and support",
    "plan": "Plan and reviews",
    "timetable": "Part-time timetables",
    "notice": "Notices and referrals",
    "attendance": "Attendance each week",
    "history": "Dates changed by the product",
}


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str
    title: str
    detail: str = ""
    who: str = ""
    url: str = ""
    # For ordering entries on the same day (a call at 09:15 before one at 12:17).
    time: dt.time = dt.time.min

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def case_chronology(
    *,
    user: User | AnonymousUser,
    case_id: int,
    kinds: Collection[str] | None = None,
    day: dt.date | None = None,
) -> tuple[AttendanceCase, list[Entry]]:
    day = day or today_in_england()
    case = get_for_user_or_404(
        AttendanceCase.objects.for_user(user).select_related(
            "pupil", "school", "opened_by", "closed_by"
        ),
        user,
        pk=case_id,
    )
    wanted = set(kinds or KINDS) & set(KINDS)
    entries: list[Entry] = []
    page = reverse("cases:case_detail", args=[case.pk])
    if "case" in wanted:
        entries.append(
            Entry(
                case.opened_at.date(),
                "case",
                "Case opened",
                case.opening_reason,
                case.opened_by.full_name,
                page,
            )
        )
        if case.closed_at and case.closed_by:
            entries.append(
                Entry(
                    case.closed_at.date(),
                    "case",
                    f"Case closed: {case.get_closing_reason_display()}",
                    case.closing_note,
                    case.closed_by.full_name,
                    page,
                )
            )
    if "contact" in wanted:
        for contact in Contact.unscoped.filter(case=case).select_related("made_by", "carer__carer"):
            who = str(contact.carer.carer) if contact.carer else contact.other_person
            reached = "reached" if contact.reached else "not reached"
            entries.append(
                Entry(
                    timezone.localdate(contact.occurred_at),
                    "contact",
                    f"{contact.get_method_display()} with {who or 'the family'} ({reached})",
                    contact.reason_established or contact.notes,
                    contact.made_by.full_name,
                    page + "#contacts",
                    timezone.localtime(contact.occurred_at).time(),
                )
            )
    if "meeting" in wanted:
        for meeting in SupportMeeting.unscoped.filter(case=case):
            if meeting.held_on and not meeting.cancelled:
                entries.append(
                    Entry(
                        meeting.held_on,
                        "meeting",
                        f"Support First meeting {meeting.sequence} held",
                        meeting.outcome,
                        "",
                        page + "#meetings",
                    )
                )
            else:
                state = "cancelled" if meeting.cancelled else "scheduled"
                entries.append(
                    Entry(
                        meeting.scheduled_for.date(),
                        "meeting",
                        f"Support First meeting {meeting.sequence} {state}",
                        "",
                        "",
                        page + "#meetings",
                    )
                )
    if "voice" in wanted:
        for voice in WishesAndFeelings.unscoped.filter(case=case).select_related("gathered_by"):
            entries.append(
                Entry(
                    voice.gathered_on,
                    "voice",
                    "Wishes and feelings recorded",
                    voice.why_hard,
                    voice.gathered_by.full_name,
                    page + "#voice",
                )
            )
    if "support" in wanted:
        for barrier in Barrier.unscoped.filter(case=case):
            entries.append(
                Entry(
                    barrier.identified_on,
                    "support",
                    f"Barrier identified: {barrier.get_kind_display()} "
                    f"({barrier.get_factor_display()})",
                    barrier.description,
                    "",
                    page + "#support",
                )
            )
        for adjustment in ReasonableAdjustment.unscoped.filter(case=case):
            entries.append(
                Entry(
                    adjustment.made_on,
                    "support",
                    "Reasonable adjustment made",
                    adjustment.description,
                    "",
                    page + "#support",
                )
            )
        for offer in SupportOffer.unscoped.filter(case=case).select_related("made_by"):
            how = f" ({offer.get_method_display().lower()})" if offer.method else ""
            entries.append(
                Entry(
                    offer.offered_on,
                    "support",
                    f"Support offered by {offer.get_provider_display()}{how}",
                    offer.what,
                    offer.made_by.full_name if offer.made_by else "",
                    f"{page}#offer-{offer.pk}",
                )
            )
            if offer.outcome_on:
                entries.append(
                    Entry(
                        offer.outcome_on,
                        "support",
                        f"Support outcome: {offer.get_outcome_display()}",
                        offer.outcome_note,
                        "",
                        page + "#support",
                    )
                )
        for follow_up in OfferFollowUp.unscoped.filter(case=case).select_related(
            "offer", "made_by"
        ):
            entries.append(
                Entry(
                    follow_up.followed_up_on,
                    "support",
                    f"Follow-up of support offered by {follow_up.offer.get_provider_display()}: "
                    f"{follow_up.get_method_display().lower()}",
                    follow_up.note,
                    follow_up.made_by.full_name,
                    f"{page}#offer-{follow_up.offer_id}",
                )
            )
        for assessment in EngagementAssessment.unscoped.filter(case=case).select_related(
            "created_by"
        ):
            entries.append(
                Entry(
                    assessment.assessed_on,
                    "support",
                    f"Parents assessed as {assessment.get_level_display().lower()}",
                    assessment.reason,
                    assessment.created_by.full_name,
                    page + "#support",
                )
            )
    if "plan" in wanted:
        plan = ActionPlan.unscoped.filter(case=case).first()
        if plan is not None:
            entries.append(
                Entry(
                    plan.agreed_on,
                    "plan",
                    f"SMART action plan agreed: {plan.target_attendance}% by "
                    f"{plan.target_date:%d %B %Y}",
                    "",
                    "",
                    page + "#plan",
                )
            )
            for review in PlanReview.unscoped.filter(plan=plan).select_related("created_by"):
                entries.append(
                    Entry(
                        review.reviewed_on,
                        "plan",
                        "Plan reviewed",
                        review.changes_made,
                        review.created_by.full_name,
                        page + "#plan",
                    )
                )
    if "timetable" in wanted:
        for timetable in PartTimeTimetable.unscoped.filter(case=case):
            entries.append(
                Entry(
                    timetable.start,
                    "timetable",
                    f"Part-time timetable starts: {timetable.agreed_hours}",
                    f"Planned end {timetable.planned_end:%d %B %Y}",
                    "",
                    page + "#timetables",
                )
            )
    if "notice" in wanted:
        # Recorded by the apps above (notices), through cases.hooks.
        for items in chronology_items(case, day):
            entries += [
                Entry(item.date, "notice", item.title, item.detail, item.who, item.url)
                for item in items
            ]
    if "attendance" in wanted:
        entries += _weekly_attendance(case, day)
    if "history" in wanted:
        for note in CaseHistoryNote.unscoped.filter(case=case).select_related("by"):
            entries.append(
                Entry(
                    note.on,
                    "history",
                    note.title,
                    note.text,
                    note.by.full_name if note.by else "",
                    page + "#notice-to-improve",
                    timezone.localtime(note.created_at).time(),
                )
            )
    entries.sort(key=lambda e: (e.date, e.time, list(KINDS).index(e.kind)))
    return case, entries


def _weekly_attendance(case: AttendanceCase, day: dt.date) -> list[Entry]:
    """A line per school week since the case opened: what the register says."""
    end = min(day, case.closed_at.date()) if case.closed_at else day
    data = pupil_data(case.pupil_id, end)
    start = case.opened_at.date()
    monday = start - dt.timedelta(days=start.weekday())
    url = reverse("attendance:pupil_attendance", args=[case.pupil_id])
    entries = []
    while monday <= end:
        sunday = monday + dt.timedelta(days=6)
        counts = fig.counts_between(data.registers, monday, min(sunday, end))
        if counts.possible:
            rate = fig.rate(counts.attended, counts.possible) or 0.0
            detail = f"{counts.attended} of {counts.possible} sessions attended ({rate:.1f}%)"
            if counts.unauthorised:
                detail += f"; {counts.unauthorised} unauthorised"
            entries.append(
                Entry(
                    min(sunday, end),
                    "attendance",
                    f"Attendance, week of {monday:%d %B}",
                    detail,
                    "",
                    url,
                )
            )
        monday += dt.timedelta(days=7)
    return entries
