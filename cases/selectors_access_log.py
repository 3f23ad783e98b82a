"""A pupil's access log: who opened or changed their record, when, and from
where (issue 14, item 3). It answers the question a parent, the ICO or a DSL
asks after an incident: "who has seen this child's record?"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from core.models import AuditEvent
from pupils import selectors
from pupils.models import Pupil

from .hooks import pupil_record_targets
from .models import AttendanceCase, CaseShare

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def pupil_access_log(
    *, user: User | AnonymousUser, pupil_id: int
) -> tuple[Pupil, QuerySet[AuditEvent]]:
    """The pupil (404 outside the user's scope) and every audit event about
    their record, newest first: their pupil pages and case files, and what the
    apps above keep about them (referrals, notices, letters)."""
    pupil = selectors.pupil_detail(user=user, pupil_id=pupil_id)
    case_ids = [
        str(pk) for pk in AttendanceCase.unscoped.filter(pupil=pupil).values_list("pk", flat=True)
    ]
    targets: list[tuple[str, list[str]]] = [
        (Pupil._meta.label, [str(pupil.pk)]),
        (AttendanceCase._meta.label, case_ids),
    ]
    for found in pupil_record_targets(pupil.pk):
        targets.extend(found)
    # Who shared the case file with the LA, and who took it back: a subquery,
    # so the page's query count stays what it was.
    shares = (
        CaseShare.unscoped.filter(case__pupil=pupil)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    about_pupil = Q(target_type=CaseShare._meta.label, target_id__in=shares)
    for label, ids in targets:
        if ids:
            about_pupil |= Q(target_type=label, target_id__in=ids)
    events = (
        AuditEvent.objects.filter(about_pupil)
        .select_related("actor", "actor__school", "actor__local_authority", "school")
        .order_by("-occurred_at", "-pk")
    )
    return pupil, events
