"""How long referrals take: for LA managers, from the school's first submission
for a notice to the LA's decision, and what is waiting now."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Min
from django.utils import timezone

from .models import LADecision, LegalReferral

if TYPE_CHECKING:
    from accounts.models import User


@dataclass
class SchoolTimes:
    school: str
    decided: int = 0
    waiting: int = 0
    days_to_decision: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_decision) if self.days_to_decision else None


@dataclass
class ReferralTimes:
    decided: int
    waiting: int
    median_days: float | None
    mean_days: float | None
    longest_waiting_days: int | None
    schools: list[SchoolTimes]


def referral_times(*, user: User, day: dt.date) -> ReferralTimes:
    """Days from the first submission for a notice (version 1; a returned and
    resubmitted referral keeps its clock running) to the LA's first decision."""
    referrals = LegalReferral.objects.for_user(user)
    first_submitted = dict(
        referrals.values("notice_id")
        .annotate(first=Min("submitted_at"))
        .values_list("notice_id", "first")
    )
    decisions = (
        LADecision.unscoped.filter(referral__in=referrals.values("pk"))
        .values("referral__notice_id", "referral__case__school__name")
        .annotate(first=Min("decided_on"))
    )
    by_school: dict[str, SchoolTimes] = {}
    decided_notices: set[int] = set()
    all_days: list[int] = []
    for row in decisions:
        notice_id = row["referral__notice_id"]
        school = row["referral__case__school__name"]
        days = (row["first"] - timezone.localdate(first_submitted[notice_id])).days
        times = by_school.setdefault(school, SchoolTimes(school))
        times.decided += 1
        times.days_to_decision.append(days)
        all_days.append(days)
        decided_notices.add(notice_id)
    waiting = defaultdict(list)
    for notice_id, school, submitted in referrals.filter(status__in=LegalReferral.LIVE).values_list(
        "notice_id", "case__school__name", "submitted_at"
    ):
        if notice_id in decided_notices:
            continue
        first = first_submitted.get(notice_id, submitted)
        waiting[school].append((day - timezone.localdate(first)).days)
    for school, ages in waiting.items():
        by_school.setdefault(school, SchoolTimes(school)).waiting = len(ages)
    ages_now = [age for ages in waiting.values() for age in ages]
    return ReferralTimes(
        decided=len(all_days),
        waiting=len(ages_now),
        median_days=statistics.median(all_days) if all_days else None,
        mean_days=statistics.fmean(all_days) if all_days else None,
        longest_waiting_days=max(ages_now) if ages_now else None,
        schools=sorted(by_school.values(), key=lambda s: s.school),
    )
