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
from pupils.models import PupilCarer

from ..forms_meetings import (
    MeetingArrangementsForm,
    MeetingCancelForm,
    MeetingHeldForm,
    MeetingPastForm,
)
from ..models import SupportMeeting
from ..services.meetings import (
    awaiting_decision_invited,
    awaiting_dsl_decision,
    interpreter_missing,
    invitable_carers,
    meeting_cancel,
    meeting_in_case,
    meeting_record_held,
    meeting_schedule,
    meeting_schedule_held,
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
            **_arrangements(data),
        )
        return _saved(
            page,
            meeting,
            f"Meeting {meeting.sequence} scheduled.",
            texts=[data["other_professionals"], data["adjustments"]],
            warnings=_interpreter_reminder(meeting) + _dsl_reminder(meeting),
        )

    return page.handle(
        form,
        save,
        "cases/meeting_form.html",
        {
            "number": next_meeting_number(page.case),
            "carers": carers,
            "meeting": None,
            "awaiting_dsl": _awaiting(carers),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def meeting_past(request: HttpRequest, case_id: int) -> HttpResponse:
    """A meeting that has already taken place: arranged and recorded as held in
    one form, instead of scheduling it and then recording it."""
    page = CaseFormPage.open(request, case_id)
    carers = invitable_carers(page.case)
    form = MeetingPastForm(request.POST or None, carers=carers)

    def save(data: dict[str, Any]) -> HttpResponse:
        meeting = meeting_schedule_held(
            acting_user=page.user,
            case_id=case_id,
            **_arrangements(data),
            attended_ids=data.get("attended", []),
            outcome=data["outcome"],
            barriers_discussed=data["barriers_discussed"],
            parent_voice=data["parent_voice"],
            going_well=data["going_well"],
            agreed_actions=data["agreed_actions"],
            next_review_date=data["next_review_date"],
            pupil_views=data["pupil_views"],
            summary_for_family=data["summary_for_family"],
        )
        return _saved(
            page,
            meeting,
            f"Meeting {meeting.sequence} recorded as held.",
            texts=[
                data["other_professionals"],
                data["adjustments"],
                *(data[name] for name in RECORD_TEXTS),
            ],
            warnings=_dsl_reminder(meeting),
        )

    return page.handle(
        form,
        save,
        "cases/meeting_past.html",
        {
            "number": next_meeting_number(page.case),
            "carers": carers,
            "awaiting_dsl": _awaiting(carers),
        },
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
            **_arrangements(data),
        )
        return _saved(
            page,
            changed,
            f"Meeting {changed.sequence} changed.",
            texts=[data["other_professionals"], data["adjustments"]],
            warnings=_interpreter_reminder(changed) + _dsl_reminder(changed),
        )

    return page.handle(
        form,
        save,
        "cases/meeting_form.html",
        {
            "number": meeting.sequence,
            "carers": carers,
            "meeting": meeting,
            "awaiting_dsl": _awaiting(carers),
        },
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
            pupil_views=data["pupil_views"],
            summary_for_family=data["summary_for_family"],
        )
        texts = [data[name] for name in RECORD_TEXTS]
        return _saved(
            page,
            held,
            f"Meeting {held.sequence} recorded as held.",
            texts=texts,
            warnings=_dsl_reminder(held),
        )

    invited = list(meeting.invited.all())
    return page.handle(
        form,
        save,
        "cases/meeting_held.html",
        {"meeting": meeting, "invited": invited, "awaiting_dsl": _awaiting(invited)},
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


RECORD_TEXTS = (
    "barriers_discussed",
    "pupil_views",
    "parent_voice",
    "going_well",
    "agreed_actions",
    "outcome",
    "summary_for_family",
)


def _awaiting(carers: Sequence[PupilCarer]) -> list[PupilCarer]:
    """Who on the page is waiting for the DSL's decision: the page warns, and
    links to where the DSL decides (the pupil's family, `#carer-<pk>`)."""
    return [link for link in carers if awaiting_dsl_decision(link)]


def _dsl_reminder(meeting: SupportMeeting) -> list[str]:
    """A warning, never a refusal: someone invited or attending is still waiting
    for the DSL's decision on whether the school should contact them."""
    waiting = awaiting_decision_invited(meeting)
    if not waiting:
        return []
    who = ", ".join(str(link.carer) for link in waiting)
    verb = "is" if len(waiting) == 1 else "are"
    return [
        f"{who} {verb} still waiting for the DSL's decision on whether the school should "
        f"contact them about attendance. Ask the DSL to decide: the decision is recorded "
        f"on the pupil's page, under parents and carers."
    ]


def _when(data: dict[str, Any]) -> dt.datetime:
    # The time the school wrote down is a time in England, whatever the server's zone.
    return timezone.make_aware(dt.datetime.combine(data["scheduled_on"], data["time"]))


def _arrangements(data: dict[str, Any]) -> dict[str, Any]:
    """The arrangements form's answers, as the meeting services take them."""
    return {
        "scheduled_for": _when(data),
        "method": data["method"],
        "place": data["place"],
        "invited_ids": data["invited"],
        "other_professionals": data["other_professionals"],
        "interpreter": data["interpreter"],
        "adjustments": data["adjustments"],
    }


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
    path("cases/<int:case_id>/meetings/held/", meeting_past, name="meeting_past"),
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
