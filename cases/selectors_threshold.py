"""Pupils meeting the national threshold (rule A3), with the stage their case
has reached: the list an LA brings to its Targeting Support Meetings, and a
school's own view of the same.

Read from the stored figures (refreshed nightly and after every import), so the
list costs the same whatever the size of the LA, and scoped to what the user
may see through `for_user`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.models import School
from attendance.models import PupilFigures
from core.scoping import visible_schools

from .models import AttendanceCase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

# The filter value for pupils with no open case: the ones nobody is working with yet.
NO_CASE = "none"


@dataclass(frozen=True)
class ThresholdFilters:
    school_id: int | None = None
    stage: str = ""

    @classmethod
    def from_query(cls, school: str, stage: str) -> ThresholdFilters:
        stages = {NO_CASE, *AttendanceCase.Stage.values}
        return cls(
            school_id=int(school) if school.isdigit() else None,
            stage=stage if stage in stages else "",
        )


def threshold_pupils(
    *, user: User | AnonymousUser, filters: ThresholdFilters
) -> QuerySet[PupilFigures]:
    """Pupils on roll at a school the user may see who meet the national
    threshold on the figures' as-at date, most unauthorised sessions first, each
    annotated with the stage and id of their open case at that school (None
    where there is none), and whether the user may open its file (an LA user:
    only a case shared with the LA, core/scoping.py)."""
    same_pupil = {
        "pupil_id": OuterRef("pupil_id"),
        "school_id": OuterRef("school_id"),
        "status": AttendanceCase.Status.OPEN,
    }
    open_case = AttendanceCase.unscoped.filter(**same_pupil)
    rows = (
        PupilFigures.objects.for_user(user)
        .filter(on_roll=True, national_threshold_met=True)
        .select_related("pupil", "school")
        .annotate(
            case_stage=Subquery(open_case.values("stage")[:1]),
            case_id=Subquery(open_case.values("pk")[:1]),
            case_file_open=Exists(AttendanceCase.objects.for_user(user).filter(**same_pupil)),
        )
        .order_by("-unauthorised_last_10_school_weeks", "pupil__legal_surname", "pk")
    )
    if filters.school_id is not None:
        rows = rows.filter(school_id=filters.school_id)
    if filters.stage == NO_CASE:
        rows = rows.filter(case_stage__isnull=True)
    elif filters.stage:
        rows = rows.filter(case_stage=filters.stage)
    return rows


def threshold_schools(user: User | AnonymousUser) -> QuerySet[School]:
    """The schools the filter offers: those the user may see."""
    return visible_schools(user).order_by("name")
