"""Holiday penalty-notice request pages: the school submits and corrects its
request; the LA's list (linked from its referral inbox), the request page
(return, accept, decline) and issuing a penalty notice on an accepted request.

Views are thin: a scoped read (404 outside the user's scope) or one service
call, whose refusal is shown on the form. The reads start from `for_user`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cases.models import AttendanceCase
from cases.views.section import FormPage
from core.dates import today
from core.http import acting_user
from core.pagination import page_of
from core.scoping import get_for_user_or_404
from pupils.models import Pupil

from .forms_holiday import HolidayIssueForm, HolidayRequestForm, ReasonsForm
from .models import HolidayRequest, PenaltyNotice
from .penalties import long_date
from .services.holiday import (
    accepted_on,
    holiday_penalty_notice_issue,
    holiday_request_accept,
    holiday_request_decline,
    holiday_request_return,
    holiday_request_submit,
    parent_limits,
    parents_responsible,
)
from .views_check import CheckStep, Row, Section, Summary, confirm_only, dry_run
from .views_penalties import case_penalty_state, issue_summary

DETAIL = "notices/holiday_detail.html"


def _request(user: User, request_id: int) -> HolidayRequest:
    return get_for_user_or_404(
        HolidayRequest.objects.for_user(user).select_related(
            "pupil", "school", "submitted_by", "case"
        ),
        user,
        pk=request_id,
    )


def _versions(request: HolidayRequest) -> list[HolidayRequest]:
    """Every version of this request, first to last: walk back, then forward."""
    first = request
    while first.previous_id is not None:
        first = HolidayRequest.unscoped.get(pk=first.previous_id)
    chain = [first]
    while True:
        after = (
            HolidayRequest.unscoped.filter(previous=chain[-1])
            .select_related("submitted_by", "returned_by", "accepted_by", "declined_by")
            .first()
        )
        if after is None:
            return chain
        chain.append(after)


def _check_school_lead(user: User) -> None:
    if not (user.is_school_user and user.has_perm("cases.change_case")):
        raise PermissionDenied("Only the school's attendance lead or DSL can submit a request.")


# School ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def holiday_request_new(request: HttpRequest, pupil_id: int) -> HttpResponse:
    user = acting_user(request)
    pupil = get_for_user_or_404(Pupil.objects.for_user(user), user, pk=pupil_id)
    _check_school_lead(user)
    return _submit_page(request, user, pupil, previous=None)


@require_http_methods(["GET", "POST"])
def holiday_request_correct(request: HttpRequest, request_id: int) -> HttpResponse:
    user = acting_user(request)
    previous = _request(user, request_id)
    _check_school_lead(user)
    if previous.status != HolidayRequest.Status.RETURNED:
        return FormPage(
            request, back_to=reverse("notices:holiday_detail", args=[previous.pk])
        ).refuse("Only a request the LA returned can be corrected and resubmitted.")
    return _submit_page(request, user, previous.pupil, previous=previous)


def _submit_page(
    request: HttpRequest, user: User, pupil: Pupil, *, previous: HolidayRequest | None
) -> HttpResponse:
    back = (
        reverse("notices:holiday_detail", args=[previous.pk])
        if previous
        else reverse("cases:pupil_detail", args=[pupil.pk])
    )
    page = FormPage(request, back_to=back)
    form = HolidayRequestForm(
        request.POST if request.method == "POST" else None,
        parents=parents_responsible(pupil.pk),
        initial=HolidayRequestForm.initial_from(previous) if previous else None,
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        fields = {k: v for k, v in data.items() if k != "parents"}
        made = holiday_request_submit(
            acting_user=user,
            pupil_id=pupil.pk,
            parent_ids=[link.pk for link in data["parents"]],
            previous_id=previous.pk if previous else None,
            **fields,
        )
        return page.saved(
            f"Holiday request version {made.version} submitted to the LA.",
            to=reverse("notices:holiday_detail", args=[made.pk]),
            texts=[data["request_reason"], data["refusal_reason"]],
        )

    return page.handle(
        form,
        save,
        "notices/holiday_submit.html",
        {"pupil": pupil, "previous": previous, "back": back},
    )


# Both -----------------------------------------------------------------------------


def holiday_list(request: HttpRequest) -> HttpResponse:
    """The LA's holiday requests (its schools'), or the school's own; waiting first."""
    user = acting_user(request)
    status = request.GET.get("status", "")
    rows: QuerySet[HolidayRequest] = HolidayRequest.objects.for_user(user).select_related(
        "pupil", "school", "submitted_by"
    )
    if status in HolidayRequest.Status.values:
        rows = rows.filter(status=status)
    elif status != "all":
        status = ""
        rows = rows.filter(status=HolidayRequest.Status.SUBMITTED)
    return render(
        request,
        "notices/holiday_list.html",
        {
            "rows": page_of(rows.order_by("submitted_at", "pk"), request),
            "status": status,
            "statuses": HolidayRequest.Status.choices,
            "may_review": user.has_perm("notices.review_referral"),
        },
    )


def holiday_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = acting_user(request)
    holiday = _request(user, request_id)
    return render(request, DETAIL, _detail_context(user, holiday))


def _detail_context(
    user: User, holiday: HolidayRequest, *, error_form: ReasonsForm | None = None
) -> dict[str, Any]:
    parents = list(holiday.parents.select_related("carer").order_by("contact_priority", "pk"))
    return {
        "holiday": holiday,
        "versions": _versions(holiday),
        "parents": parents,
        # The three-year limit as it stands today, beside what it was at submission.
        "limits_today": parent_limits(parents, today()),
        "may_review": user.has_perm("notices.review_referral"),
        "may_correct": user.is_school_user and user.has_perm("cases.change_case"),
        "return_form": error_form
        if error_form is not None and error_form.prefix == "return"
        else ReasonsForm(prefix="return"),
        "decline_form": error_form
        if error_form is not None and error_form.prefix == "decline"
        else ReasonsForm(prefix="decline"),
        "error_form": error_form,
        "notices": holiday.penalty_notices.select_related("recipient__carer").order_by("pk"),
    }


# LA -------------------------------------------------------------------------------


def _la_page(request: HttpRequest, holiday: HolidayRequest) -> FormPage:
    return FormPage(request, back_to=reverse("notices:holiday_detail", args=[holiday.pk]))


def _state(holiday: HolidayRequest) -> str:
    """The request as a check saw it: any step on it (a second click among
    them) changes its status or its time of update."""
    return f"{holiday.pk}:{holiday.status}:{holiday.updated_at.isoformat()}"


def _parent_names(holiday: HolidayRequest) -> list[str]:
    return [
        f"{link.carer} ({link.get_relationship_display()})"
        for link in holiday.parents.select_related("carer").order_by("contact_priority", "pk")
    ]


def _request_rows(holiday: HolidayRequest) -> list[Row]:
    """What the LA acts on, as the school submitted it."""
    sessions = len(holiday.leave_sessions)
    return [
        Row("Pupil", [f"{holiday.pupil.display_name}, {holiday.school.name}"]),
        Row(
            "Request",
            [
                f"Version {holiday.version}, submitted "
                f"{long_date(timezone.localdate(holiday.submitted_at))} by {holiday.submitted_by}"
            ],
        ),
        Row(
            "Leave requested and refused",
            [
                f"{long_date(holiday.leave_first_day)} to {long_date(holiday.leave_last_day)}, "
                f"asked by {holiday.requested_by} on {long_date(holiday.requested_on)}; "
                f"refused on {long_date(holiday.refused_on)}"
            ],
        ),
        Row(
            "G sessions",
            [
                f"{sessions} session{'s' if sessions != 1 else ''} from "
                f"{long_date(holiday.sessions_first_day)} to "
                f"{long_date(holiday.sessions_last_day)}"
            ],
        ),
        Row("Parents responsible for the leave", _parent_names(holiday)),
    ]


@require_POST
def holiday_return(request: HttpRequest, request_id: int) -> HttpResponse:
    return _with_reasons(request, request_id, "return")


@require_POST
def holiday_decline(request: HttpRequest, request_id: int) -> HttpResponse:
    return _with_reasons(request, request_id, "decline")


def _with_reasons(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """Return or decline, each behind its check page: the school reads the
    reasons as written, and a declined request is final."""
    user = acting_user(request)
    holiday = _request(user, request_id)
    page = _la_page(request, holiday)
    form = ReasonsForm(request.POST, prefix=action)

    def act(data: dict[str, Any]) -> HolidayRequest:
        if action == "return":
            return holiday_request_return(
                acting_user=user, request_id=holiday.pk, reasons=data["reasons"]
            )
        return holiday_request_decline(
            acting_user=user, request_id=holiday.pk, reasons=data["reasons"]
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        act(data)
        if action == "return":
            return page.saved("Holiday request returned to the school.", texts=[data["reasons"]])
        return page.saved("Holiday request declined.", texts=[data["reasons"]])

    def read(done: HolidayRequest) -> Summary:
        school = holiday.school.name
        if action == "return":
            return Summary(
                title="return the holiday request to the school",
                caption=holiday.pupil.display_name,
                sections=[
                    Section("The request", _request_rows(holiday)),
                    Section(
                        "What the school will see",
                        [
                            Row("Returned to", [f"{school}, its attendance lead and DSL"]),
                            Row(
                                "What the school needs to correct",
                                [done.return_reasons],
                                "return-reasons",
                            ),
                        ],
                    ),
                ],
                notes=[
                    f"{school} sees the request as returned with these reasons, and can correct "
                    f"it and resubmit it as version {holiday.version + 1}."
                ],
                warning="Once returned, this version cannot be accepted or declined: the LA "
                "reviews the school's correction instead.",
                confirm_label="Confirm and return the request",
                cancel_url=page.back_to,
            )
        return Summary(
            title="decline the holiday request",
            caption=holiday.pupil.display_name,
            sections=[
                Section("The request", _request_rows(holiday)),
                Section(
                    "What the school will see",
                    [
                        Row("Declined, told to", [f"{school}, its attendance lead and DSL"]),
                        Row(
                            "Why the LA declines the request",
                            [done.decline_reasons],
                            "decline-reasons",
                        ),
                    ],
                ),
            ],
            notes=[f"{school} sees the request as declined, with these reasons."],
            warning="Once declined, the request is final: no penalty notice can be issued on "
            "it and the school cannot resubmit it.",
            confirm_label="Confirm and decline the request",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page, step=f"holiday-{action}", subject=f"holiday:{holiday.pk}", state=_state(holiday)
    )
    context = _detail_context(user, holiday, error_form=form)
    return step.handle(
        form,
        save=save,
        template=DETAIL,
        context=context,
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )


@require_POST
def holiday_accept(request: HttpRequest, request_id: int) -> HttpResponse:
    user = acting_user(request)
    holiday = _request(user, request_id)
    page = _la_page(request, holiday)

    def act() -> HolidayRequest:
        return holiday_request_accept(acting_user=user, request_id=holiday.pk)

    def done() -> HttpResponse:
        try:
            act()
        except ValidationError as exc:
            return page.refuse(exc)
        return page.saved("Holiday request accepted: a penalty notice can now be issued on it.")

    def read(accepted: HolidayRequest, *, opened: bool) -> Summary:
        case = accepted.case
        assert case is not None  # an accepted request has its case (the model's constraint)
        if opened:
            case_line = (
                f'A new case, at the stage "{case.get_stage_display()}", led by '
                f"{case.lead_professional}: {holiday.pupil.display_name} has no open case at "
                f"{holiday.school.name}"
            )
        else:
            case_line = (
                f"The open case at {holiday.school.name} (stage "
                f'"{case.get_stage_display()}", unchanged)'
            )
        return Summary(
            title="accept the holiday request",
            caption=holiday.school.name,
            sections=[
                Section(
                    "The request",
                    [*_request_rows(holiday), Row("Accepted by", [str(user)])],
                ),
                Section(
                    "What follows",
                    [
                        Row("The case the notices are issued on", [case_line]),
                        Row("Penalty notices can then be issued to", _parent_names(holiday)),
                    ],
                ),
            ],
            notes=[f"{holiday.school.name} sees that the LA has accepted the request."],
            warning="Once accepted, the request cannot be returned to the school or declined.",
            confirm_label="Confirm and accept the request",
            cancel_url=page.back_to,
        )

    def summary() -> Summary:
        had_case = AttendanceCase.unscoped.filter(
            pupil_id=holiday.pupil_id,
            school_id=holiday.school_id,
            status=AttendanceCase.Status.OPEN,
        ).exists()
        return dry_run(act, lambda accepted: read(accepted, opened=not had_case))

    step = CheckStep(
        page, step="holiday-accept", subject=f"holiday:{holiday.pk}", state=_state(holiday)
    )
    try:
        return confirm_only(step, act=done, summary=summary)
    except ValidationError as exc:
        return page.refuse(exc)


@require_http_methods(["GET", "POST"])
def holiday_issue(request: HttpRequest, request_id: int) -> HttpResponse:
    user = acting_user(request)
    holiday = _request(user, request_id)
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Penalty notices are issued by LA officers.")
    page = _la_page(request, holiday)
    if holiday.status != HolidayRequest.Status.ACCEPTED or holiday.case is None:
        return page.refuse("A penalty notice is issued on a holiday request the LA has accepted.")
    case = holiday.case
    form = HolidayIssueForm(request.POST if request.method == "POST" else None, request=holiday)

    def act(data: dict[str, Any]) -> PenaltyNotice:
        return holiday_penalty_notice_issue(
            acting_user=user,
            request_id=holiday.pk,
            recipient_id=data["recipient"].pk,
            issued_on=data["issued_on"],
            offence_first_day=data["offence_first_day"],
            offence_last_day=data["offence_last_day"],
            service_method=data["service_method"],
            served_on=data["served_on"],
            reason=data["reason"],
            issue_token=data["issue_token"],
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        notice = act(data)
        return page.saved(
            f"Penalty notice issued to {notice.recipient.carer}, received "
            f"{long_date(notice.received_on or notice.issued_on)}.",
            texts=[data["reason"]],
        )

    def read(notice: PenaltyNotice) -> Summary:
        return issue_summary(
            notice,
            cancel_url=page.back_to,
            source=f"Holiday request version {holiday.version}, accepted "
            f"{long_date(accepted_on(holiday))}",
            source_change="",
        )

    step = CheckStep(
        page, step="holiday-issue", subject=f"holiday:{holiday.pk}", state=case_penalty_state(case)
    )
    return step.handle(
        form,
        save=save,
        template="notices/holiday_issue.html",
        context={"holiday": holiday},
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )
