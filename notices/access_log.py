"""What notices keeps about a pupil, for the pupil's access log (cases.hooks)."""

from __future__ import annotations

from .models import HolidayRequest, LegalReferral, NoticeToImprove, PenaltyNotice


def pupil_record_targets(pupil_id: int) -> list[tuple[str, list[str]]]:
    """Unscoped: the pupil's access log checks first that the user may see the pupil."""

    def ids(queryset: object) -> list[str]:
        return [str(pk) for pk in queryset.values_list("pk", flat=True)]  # type: ignore[attr-defined]

    return [
        (
            NoticeToImprove._meta.label,
            ids(NoticeToImprove.unscoped.filter(case__pupil_id=pupil_id)),
        ),
        (LegalReferral._meta.label, ids(LegalReferral.unscoped.filter(case__pupil_id=pupil_id))),
        (PenaltyNotice._meta.label, ids(PenaltyNotice.unscoped.filter(case__pupil_id=pupil_id))),
        (HolidayRequest._meta.label, ids(HolidayRequest.unscoped.filter(pupil_id=pupil_id))),
    ]
