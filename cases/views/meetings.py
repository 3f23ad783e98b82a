"""Support First meetings: schedule, record as held, change, cancel.

Each view: scoped read of the case (404), `cases.change_case` (403), a closed
case sends the user back to the case page with the reason; on POST one service
call, then back to the meeting on the case page (post/redirect/get).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.dates import today
from core.http import acting_user
from core.language import language_advice

from ..forms_meetings import MeetingArrangementsForm, MeetingCancelForm, MeetingHeldForm
from ..models import AttendanceCase, SupportMeeting
from ..services.casework import CaseClosed
from ..services.meetings import (
    case_for_form,
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
from .support import add_errors, back_to_case, refused


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    carers = invitable_carers(case)
    form = MeetingArrangementsForm(request.POST or None, carers=carers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_schedule(
                acting_user=user,
                case_id=case.pk,
                scheduled_for=_when(data),
                method=data["method"],
                invited_ids=data["invited"],
                other_professionals=data["other_professionals"],
                interpreter=data["interpreter"],
                adjustments=data["adjustments"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Meeting {meeting.sequence} scheduled.")
            _interpreter_reminder(request, meeting)
            return _saved(
                request, case, meeting, [data["other_professionals"], data["adjustments"]]
            )
    return render(
        request,
        "cases/meeting_form.html",
        {
            "case": case,
            "form": form,
            "number": next_meeting_number(case),
            "carers": carers,
            "meeting": None,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_change(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
        meeting = meeting_in_case(case, meeting_id)
        refuse_if_cancelled(meeting)
    except ValidationError as exc:
        return refused(request, case_id, exc)
    carers = invitable_carers(case)
    form = MeetingArrangementsForm(request.POST or None, carers=carers, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_update(
                acting_user=user,
                case_id=case.pk,
                meeting_id=meeting.pk,
                version=data["version"],
                scheduled_for=_when(data),
                method=data["method"],
                invited_ids=data["invited"],
                other_professionals=data["other_professionals"],
                interpreter=data["interpreter"],
                adjustments=data["adjustments"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Meeting {meeting.sequence} changed.")
            _interpreter_reminder(request, meeting)
            return _saved(
                request, case, meeting, [data["other_professionals"], data["adjustments"]]
            )
    return render(
        request,
        "cases/meeting_form.html",
        {
            "case": case,
            "form": form,
            "number": meeting.sequence,
            "carers": carers,
            "meeting": meeting,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_held(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
        meeting = meeting_in_case(case, meeting_id)
        refuse_if_cancelled(meeting)
    except ValidationError as exc:
        return refused(request, case_id, exc)
    form = MeetingHeldForm(request.POST or None, meeting=meeting, today=today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_record_held(
                acting_user=user,
                case_id=case.pk,
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
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Meeting {meeting.sequence} recorded as held.")
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
            return _saved(request, case, meeting, texts)
    return render(
        request,
        "cases/meeting_held.html",
        {"case": case, "form": form, "meeting": meeting, "invited": list(meeting.invited.all())},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_cancel_view(request: HttpRequest, case_id: int, meeting_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
        meeting = meeting_in_case(case, meeting_id)
        refuse_cancel(meeting)
    except ValidationError as exc:
        return refused(request, case_id, exc)
    form = MeetingCancelForm(request.POST or None, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_cancel(
                acting_user=user,
                case_id=case.pk,
                meeting_id=meeting.pk,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Meeting {meeting.sequence} cancelled.")
            return _saved(request, case, meeting, [form.cleaned_data["reason"]])
    return render(
        request, "cases/meeting_cancel.html", {"case": case, "form": form, "meeting": meeting}
    )


def _when(data: dict[str, Any]) -> dt.datetime:
    # The time the school wrote down is a time in England, whatever the server's zone.
    return timezone.make_aware(dt.datetime.combine(data["scheduled_on"], data["time"]))


def _interpreter_reminder(request: HttpRequest, meeting: SupportMeeting) -> None:
    """A nudge, never a refusal: someone invited needs an interpreter and none is arranged."""
    needing = interpreter_missing(meeting)
    if needing:
        who = ", ".join(str(link.carer) for link in needing)
        messages.warning(
            request,
            f"{who} needs an interpreter, and none is arranged for meeting {meeting.sequence}.",
        )


def _saved(
    request: HttpRequest, case: AttendanceCase, meeting: SupportMeeting, texts: list[str]
) -> HttpResponse:
    advice = language_advice(texts)
    if advice:
        messages.warning(request, advice)
    return back_to_case(case, anchor=f"meeting-{meeting.sequence}")


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
