"""Support First meetings: schedule, record as held, change, cancel.

Each page is a `CaseFormPage` (scoped case 404, read-only 403, a closed case
sent back with the reason, the service's refusal on the form); a cancelled
meeting sends the user back to the case page with the reason; once saved, back
to the meeting on the case page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.dates import today

from ..forms_meetings import MeetingArrangementsForm, MeetingCancelForm, MeetingHeldForm
from ..models import SupportMeeting
from ..services.meetings import (
    interpreter_missing,
    invitable_carers,
    meeting_cancel,
    meeting_in_case,
    meeting_record_held,
    meeting_schedule,
    meeting_update,
    next_meeting_number,
    refuse_cancel,
    refuse_if_cancelled,
)
from .section import CaseFormPage, case_section


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id)
    carers = invitable_carers(page.case)
    form = MeetingArrangementsForm(request.POST or None, carers=carers)

    def save(data: dict[str, Any]) -> HttpResponse:
        meeting = meeting_schedule(
            acting_user=page.user,
            case_id=case_id,
            scheduled_for=_when(data),
            method=data["method"],
            invited_ids=data["invited"],
            other_professionals=data["other_professionals"],
            interpreter=data["interpreter"],
            adjustments=data["adjustments"],
        )
        return _saved(
            page,
            meeting,
            f"Meeting {meeting.sequence} scheduled.",
            texts=[data["other_professionals"], data["adjustments"]],
            warnings=_interpreter_reminder(meeting),
        )

    return page.handle(
        form,
        save,
        "cases/meeting_form.html",
        {"number": next_meeting_number(page.case), "carers": carers, "meeting": None},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_change(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id)
    meeting = meeting_in_case(page.case, meeting_id)
    try:
        refuse_if_cancelled(meeting)
    except ValidationError as exc:
        return page.refuse(exc)
    carers = invitable_carers(page.case)
    form = MeetingArrangementsForm(request.POST or None, carers=carers, meeting=meeting)

    def save(data: dict[str, Any]) -> HttpResponse:
        changed = meeting_update(
            acting_user=page.user,
            case_id=case_id,
            meeting_id=meeting.pk,
            version=data["version"],
            scheduled_for=_when(data),
            method=data["method"],
            invited_ids=data["invited"],
            other_professionals=data["other_professionals"],
            interpreter=data["interpreter"],
            adjustments=data["adjustments"],
        )
        return _saved(
            page,
            changed,
            f"Meeting {changed.sequence} changed.",
            texts=[data["other_professionals"], data["adjustments"]],
            warnings=_interpreter_reminder(changed),
        )

    return page.handle(
        form,
        save,
        "cases/meeting_form.html",
        {"number": meeting.sequence, "carers": carers, "meeting": meeting},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_held(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id)
    meeting = meeting_in_case(page.case, meeting_id)
    try:
        refuse_if_cancelled(meeting)
    except ValidationError as exc:
        return page.refuse(exc)
    form = MeetingHeldForm(request.POST or None, meeting=meeting, today=today())

    def save(data: dict[str, Any]) -> HttpResponse:
        held = meeting_record_held(
            acting_user=page.user,
            case_id=case_id,
            meeting_id=meeting.pk,
            version=data["version"],
            held_on=data["held_on"],
            attended_ids=data.get("attended", []),
            outcome=data["outcome"],
            barriers_discussed=data["barriers_discussed"],
            parent_voice=data["parent_voice"],
            going_well=data["going_well"],
            agreed_actions=data["agreed_actions"],
            next_review_date=data["next_review_date"],
        )
        texts = [
            data[name]
            for name in (
                "barriers_discussed",
                "parent_voice",
                "going_well",
                "agreed_actions",
                "outcome",
            )
        ]
        return _saved(page, held, f"Meeting {held.sequence} recorded as held.", texts=texts)

    return page.handle(
        form,
        save,
        "cases/meeting_held.html",
        {"meeting": meeting, "invited": list(meeting.invited.all())},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_cancel_view(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id)
    meeting = meeting_in_case(page.case, meeting_id)
    try:
        refuse_cancel(meeting)
    except ValidationError as exc:
        return page.refuse(exc)
    form = MeetingCancelForm(request.POST or None, initial={"version": meeting.version})

    def save(data: dict[str, Any]) -> HttpResponse:
        cancelled = meeting_cancel(
            acting_user=page.user,
            case_id=case_id,
            meeting_id=meeting.pk,
            version=data["version"],
            reason=data["reason"],
        )
        return _saved(
            page, cancelled, f"Meeting {cancelled.sequence} cancelled.", texts=[data["reason"]]
        )

    return page.handle(form, save, "cases/meeting_cancel.html", {"meeting": meeting})


def _when(data: dict[str, Any]) -> dt.datetime:
    # The time the school wrote down is a time in England, whatever the server's zone.
    return timezone.make_aware(dt.datetime.combine(data["scheduled_on"], data["time"]))


def _interpreter_reminder(meeting: SupportMeeting) -> list[str]:
    """A nudge, never a refusal: someone invited needs an interpreter and none is arranged."""
    needing = interpreter_missing(meeting)
    if not needing:
        return []
    who = ", ".join(str(link.carer) for link in needing)
    return [f"{who} needs an interpreter, and none is arranged for meeting {meeting.sequence}."]


def _saved(
    page: CaseFormPage,
    meeting: SupportMeeting,
    message: str,
    *,
    texts: Sequence[str],
    warnings: Sequence[str] = (),
) -> HttpResponse:
    """Back to the meeting on the case page."""
    return page.saved(
        message,
        texts=texts,
        warnings=warnings,
        to=case_section(page.case.pk, f"meeting-{meeting.sequence}"),
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/meetings/new/", meeting_new, name="meeting_new"),
    path("cases/<int:case_id>/meetings/<int:meeting_id>/held/", meeting_held, name="meeting_held"),
    path(
        "cases/<int:case_id>/meetings/<int:meeting_id>/change/",
        meeting_change,
        name="meeting_change",
    ),
    path(
        "cases/<int:case_id>/meetings/<int:meeting_id>/cancel/",
        meeting_cancel_view,
        name="meeting_cancel",
    ),
]
