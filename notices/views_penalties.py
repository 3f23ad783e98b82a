"""Penalty notice pages (rule A5), for the LA once its decision on a referral
is a penalty notice: the case's notices, and the forms to issue one, record a
payment, withdraw one or record a decision to prosecute.

Views are thin: a scoped read (404 outside the user's scope) or one service
call, whose refusal is shown as the form's error. Changes are for LA officers
(and system admins); a school user sees the list of its own case read-only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.rules import is_la_officer, is_system_admin
from cases.models import AttendanceCase
from cases.views.section import FormPage
from core.dates import today
from core.http import acting_user
from core.pagination import page_of
from core.scoping import get_for_user_or_404
from pupils.models import PupilCarer

from .forms_penalties import (
    InformationLaidForm,
    IssueForm,
    PaymentForm,
    ProsecuteForm,
    WithdrawForm,
)
from .models import PenaltyNotice
from .penalties import information_limit, long_date, pounds
from .selectors_penalties import (
    case_penalty_notices,
    la_open_penalty_notices,
    la_prosecution_decisions,
    notice_row,
)
from .services.penalties import (
    penalty_decisions,
    penalty_holiday_requests,
    penalty_notice_information_laid,
    penalty_notice_issue,
    penalty_notice_prosecute,
    penalty_notice_record_payment,
    penalty_notice_withdraw,
)
from .views_check import CheckStep, Row, Section, Summary, dry_run


def _may_change(user: User) -> bool:
    return bool(is_la_officer(user) or is_system_admin(user))


def _check_may_change(user: User) -> None:
    # After the scoped read: outside the scope is 404 whatever the role, as on
    # every case URL; inside it, a user who may only read gets 403.
    if not _may_change(user):
        raise PermissionDenied("Penalty notices are issued and decided by LA officers.")


def _case(user: User, case_id: int) -> AttendanceCase:
    return get_for_user_or_404(
        AttendanceCase.objects.for_user(user).select_related("pupil", "school"),
        user,
        pk=case_id,
    )


def _notice(user: User, notice_id: int) -> PenaltyNotice:
    return get_for_user_or_404(
        PenaltyNotice.objects.for_user(user).select_related(
            "case__pupil", "case__school", "recipient__carer"
        ),
        user,
        pk=notice_id,
    )


def _page(request: HttpRequest, case_id: int) -> FormPage:
    """Back to the case's penalty notices (the LA's decisions outlive the school's case)."""
    return FormPage(request, back_to=reverse("notices:penalty_notices", args=[case_id]))


# The case's notices, and issuing one ------------------------------------------------


@require_http_methods(["GET", "POST"])
def penalty_notices(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    case = _case(user, case_id)  # 404 outside the scope, before any role check
    if request.method == "POST":
        _check_may_change(user)
    may_change = _may_change(user)
    page = _page(request, case.pk)
    decisions = penalty_decisions(case)
    form = IssueForm(
        request.POST if request.method == "POST" else None,
        pupil_id=case.pupil_id,
        decisions=decisions,
    )

    def act(data: dict[str, Any]) -> PenaltyNotice:
        return penalty_notice_issue(
            acting_user=user,
            case_id=case.pk,
            source_id=data["decision"].pk,
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
        return issue_summary(notice, cancel_url=page.back_to)

    context = {
        "case": case,
        "rows": case_penalty_notices(user, case, today()),
        "may_change": may_change,
        "case_open": case.status == AttendanceCase.Status.OPEN,
        "decisions": decisions,
        # The other route: a notice on an accepted holiday request is issued
        # from the request's own page, which this page links to.
        "holiday_requests": penalty_holiday_requests(case),
        "form": form if may_change else None,  # a school user sees the list read-only
    }
    if request.method == "POST":
        step = CheckStep(
            page, step="penalty-issue", subject=f"case:{case.pk}", state=case_penalty_state(case)
        )
        return step.handle(
            form,
            save=save,
            template="notices/penalty_notices.html",
            context=context,
            summary=lambda data: dry_run(lambda: act(data), read),
            status_if_invalid=400,
        )
    return page.handle(form, save, "notices/penalty_notices.html", context)


def case_penalty_state(case: AttendanceCase) -> str:
    """The case's penalty notices as a check saw them: issuing one (a second
    click among them) changes it."""
    latest = (
        PenaltyNotice.unscoped.filter(case=case)
        .order_by("-pk")
        .values_list("pk", "status", "updated_at")
        .first()
    )
    return f"{case.pk}:{case.status}:{latest}"


def _recipient_line(link: PupilCarer) -> str:
    carer = link.carer
    address = ", ".join(
        part for part in (*(p.strip() for p in carer.address.splitlines()), carer.postcode) if part
    )
    return f"{carer} ({link.get_relationship_display()}): " + (
        address or "no postal address on record"
    )


def issue_summary(
    notice: PenaltyNotice, *, cancel_url: str, source: str = "", source_change: str = "decision"
) -> Summary:
    """What issuing makes, read from the notice the dry run made. `source` is
    what the notice is issued on (by default the LA's decision), with the form
    field that changes it (none for a holiday request: the page is its own)."""
    sessions = notice.unauthorised_sessions or []
    amounts = []
    if notice.amount_if_paid_by_day_21 and notice.reduced_due_on:
        amounts.append(
            f"{pounds(notice.amount_if_paid_by_day_21)} if paid by "
            f"{long_date(notice.reduced_due_on)} (within 21 days of receipt)"
        )
    amounts.append(
        f"{pounds(notice.amount_if_paid_by_day_28)} if paid by {long_date(notice.full_due_on)} "
        "(within 28 days of receipt)"
    )
    decision = notice.decision
    return Summary(
        title="issue the penalty notice",
        caption=notice.case.pupil.display_name,
        sections=[
            Section(
                "Who it is issued to",
                [Row("Parent", [_recipient_line(notice.recipient)], "recipient")],
            ),
            Section(
                "The notice",
                [
                    Row(
                        "Issued on",
                        [
                            source
                            or (
                                f"LA decision of {long_date(decision.decided_on)}"
                                if decision
                                else notice.get_route_display()
                            )
                        ],
                        source_change,
                    ),
                    Row("Date of issue", [long_date(notice.issued_on)], "issued_on"),
                    Row(
                        "Offence period",
                        [
                            f"{long_date(notice.offence_first_day)} to "
                            f"{long_date(notice.offence_last_day)}"
                        ]
                        if notice.offence_first_day and notice.offence_last_day
                        else [],
                        "offence_first_day",
                    ),
                    Row(
                        "Unauthorised sessions",
                        [
                            f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}: "
                            + ", ".join(
                                f"{long_date(dt.date.fromisoformat(s['date']))} "
                                f"{s['session']} ({s['code']})"
                                for s in sessions
                            )
                        ],
                    ),
                    Row(
                        "Notice to this parent for this child",
                        [f"Number {notice.sequence} in 3 years"],
                    ),
                    Row("Amount", amounts),
                ],
            ),
            Section(
                "Service",
                [
                    Row(
                        "How it is served", [notice.get_service_method_display()], "service_method"
                    ),
                    Row(
                        "Handed over or posted",
                        [long_date(notice.served_on)] if notice.served_on else [],
                        "served_on",
                    ),
                    Row(
                        "Deemed received",
                        [long_date(notice.received_on)] if notice.received_on else [],
                    ),
                    Row("Notes", [notice.reason] if notice.reason else [], "reason"),
                ],
            ),
        ],
        notes=["The payment periods run from the day the notice is deemed received."],
        warning="Once issued, a penalty notice can only be withdrawn on one of the grounds "
        "the regulations allow.",
        confirm_label="Confirm and issue the penalty notice",
        cancel_url=cancel_url,
    )


def la_penalty_notices(request: HttpRequest) -> HttpResponse:
    """The LA's notices still open: when each information must be laid by, and
    which are due to be withdrawn; and its referral decisions to prosecute,
    with the same limit."""
    user = acting_user(request)
    if not (user.has_perm("notices.review_referral") or is_system_admin(user)):
        raise PermissionDenied("The penalty notice list is for the LA.")
    context = {
        "rows": page_of(la_open_penalty_notices(user, today()), request),
        # Prosecutions decided on a referral have the same six-month limit.
        "decisions": page_of(
            la_prosecution_decisions(user, today()), request, param="decisions_page"
        ),
        "may_change": _may_change(user),
    }
    return render(request, "notices/penalty_la_list.html", context)


# One notice: payment, withdrawal, prosecution -----------------------------------------


def _notice_form_page(
    request: HttpRequest,
    notice_id: int,
    *,
    form_class: type[Form],
    template: str,
    act: Any,
    done: str,
) -> HttpResponse:
    user = acting_user(request)
    notice = _notice(user, notice_id)  # 404 outside the scope, as for every case URL
    _check_may_change(user)
    page = _page(request, notice.case_id)
    form = form_class(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> HttpResponse:
        act(user, notice, form)
        return page.saved(done)

    context = {"notice": notice, "row": notice_row(notice, today()), "case": notice.case}
    return page.handle(form, save, template, context, status_if_invalid=400)


def _pay(user: User, notice: PenaltyNotice, form: Form) -> None:
    assert isinstance(form, PaymentForm)
    penalty_notice_record_payment(
        acting_user=user,
        notice_id=notice.pk,
        paid_on=form.cleaned_data["paid_on"],
        amount=form.amount_in_pence,
    )


def _withdraw(user: User, notice: PenaltyNotice, form: Form) -> None:
    penalty_notice_withdraw(
        acting_user=user,
        notice_id=notice.pk,
        ground=form.cleaned_data["ground"],
        note=form.cleaned_data["note"],
    )


def _prosecute(user: User, notice: PenaltyNotice, form: Form) -> None:
    data = form.cleaned_data
    penalty_notice_prosecute(
        acting_user=user,
        notice_id=notice.pk,
        decided_on=data["decided_on"],
        note=data["note"],
        eso_considered=data["eso_considered"],
        eso_note=data["eso_note"],
        contract_explored=data["contract_explored"],
        contract_note=data["contract_note"],
    )


@require_http_methods(["GET", "POST"])
def penalty_payment(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _notice_form_page(
        request,
        notice_id,
        form_class=PaymentForm,
        template="notices/penalty_payment.html",
        act=_pay,
        done="Payment recorded.",
    )


@require_http_methods(["GET", "POST"])
def penalty_withdraw(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _notice_form_page(
        request,
        notice_id,
        form_class=WithdrawForm,
        template="notices/penalty_withdraw.html",
        act=_withdraw,
        done="Penalty notice withdrawn.",
    )


@require_http_methods(["GET", "POST"])
def penalty_prosecute(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = acting_user(request)
    notice = _notice(user, notice_id)  # 404 outside the scope, as for every case URL
    _check_may_change(user)
    page = _page(request, notice.case_id)
    form = ProsecuteForm(request.POST if request.method == "POST" else None)

    def act(data: dict[str, Any]) -> PenaltyNotice:
        _prosecute(user, notice, form)
        return PenaltyNotice.unscoped.get(pk=notice.pk)

    def save(data: dict[str, Any]) -> HttpResponse:
        act(data)
        return page.saved("Decision to prosecute recorded.")

    def read(decided: PenaltyNotice) -> Summary:
        data = form.cleaned_data
        limit = information_limit(decided.offence_last_day) if decided.offence_last_day else None
        return Summary(
            title="record the decision to prosecute",
            caption=decided.case.pupil.display_name,
            sections=[
                Section(
                    "The penalty notice",
                    [
                        Row("Issued to", [_recipient_line(decided.recipient)]),
                        Row("Issued on", [long_date(decided.issued_on)]),
                        Row(
                            "Offence period",
                            [
                                f"{long_date(decided.offence_first_day)} to "
                                f"{long_date(decided.offence_last_day)}"
                            ]
                            if decided.offence_first_day and decided.offence_last_day
                            else [],
                        ),
                        Row("Unpaid", [f"Payment was due by {long_date(decided.full_due_on)}"]),
                    ],
                ),
                Section(
                    "The decision",
                    [
                        Row("Date of the decision", [long_date(data["decided_on"])], "decided_on"),
                        Row(
                            "Education supervision order considered",
                            ["Yes" if data["eso_considered"] else "No"]
                            + ([data["eso_note"]] if data["eso_note"] else []),
                            "eso_considered",
                        ),
                        Row(
                            "Attendance contract explored",
                            [
                                {True: "Yes", False: "No", None: "Not answered"}[
                                    data["contract_explored"]
                                ]
                            ]
                            + ([data["contract_note"]] if data["contract_note"] else []),
                            "contract_explored",
                        ),
                        Row("Notes", [data["note"]] if data["note"] else [], "note"),
                    ],
                ),
            ],
            notes=[
                f"The information must be laid by {long_date(limit.lay_by)} (Magistrates' "
                "Courts Act 1980 s127)."
            ]
            if limit
            else [],
            warning="Once recorded, the notice can no longer be paid or withdrawn here.",
            confirm_label="Confirm and record the decision to prosecute",
            cancel_url=page.back_to,
        )

    context = {"notice": notice, "row": notice_row(notice, today()), "case": notice.case}
    step = CheckStep(
        page,
        step="penalty-prosecute",
        subject=f"penalty:{notice.pk}",
        state=f"{notice.pk}:{notice.status}:{notice.updated_at.isoformat()}",
    )
    return step.handle(
        form,
        save=save,
        template="notices/penalty_prosecute.html",
        context=context,
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )


@require_http_methods(["GET", "POST"])
def penalty_information_laid(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Record that the information was laid at the magistrates' court, behind a
    check page: once recorded, the six-month limit shows as met."""
    user = acting_user(request)
    notice = _notice(user, notice_id)  # 404 outside the scope, as for every case URL
    _check_may_change(user)
    page = _page(request, notice.case_id)
    if request.method == "GET" and notice.status != PenaltyNotice.Status.PROSECUTION:
        return page.refuse(
            "The information is laid on a decision to prosecute: record the decision first."
        )
    form = InformationLaidForm(request.POST if request.method == "POST" else None)

    def act(data: dict[str, Any]) -> PenaltyNotice:
        return penalty_notice_information_laid(
            acting_user=user, notice_id=notice.pk, laid_on=data["laid_on"], note=data["note"]
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        laid = act(data)
        assert laid.information_laid_on is not None
        return page.saved(
            f"Information laid on {long_date(laid.information_laid_on)} recorded: the six-month "
            "limit is met.",
            texts=[data["note"]],
        )

    def read(laid: PenaltyNotice) -> Summary:
        assert laid.information_laid_on is not None
        assert laid.prosecution_decided_on is not None
        limit = information_limit(laid.offence_last_day) if laid.offence_last_day else None
        return Summary(
            title="record that the information was laid",
            caption=laid.case.pupil.display_name,
            sections=[
                Section(
                    "The prosecution",
                    [
                        Row("Parent prosecuted", [_recipient_line(laid.recipient)]),
                        Row(
                            "Offence period",
                            [
                                f"{long_date(laid.offence_first_day)} to "
                                f"{long_date(laid.offence_last_day)}"
                            ]
                            if laid.offence_first_day and laid.offence_last_day
                            else ["Not recorded as dates"],
                        ),
                        Row(
                            "After the unpaid penalty notice",
                            [
                                f"Issued {long_date(laid.issued_on)}; prosecution decided "
                                f"{long_date(laid.prosecution_decided_on)}"
                            ],
                        ),
                    ],
                ),
                Section(
                    "The information",
                    [
                        Row(
                            "Laid at the magistrates' court on",
                            [long_date(laid.information_laid_on)],
                            "laid_on",
                        ),
                        Row(
                            "Six-month limit",
                            [
                                f"Met: the information had to be laid by {long_date(limit.lay_by)} "
                                "(Magistrates' Courts Act 1980 s127)"
                            ]
                            if limit
                            else ["Not known: the offence period is not recorded as dates"],
                        ),
                        Row(
                            "Notes",
                            [laid.information_laid_note] if laid.information_laid_note else [],
                            "note",
                        ),
                    ],
                ),
            ],
            notes=[
                f"{laid.case.school.name} sees on the case that the prosecution has started. "
                "The six-month limit is no longer flagged."
            ],
            warning="Once recorded, the date cannot be changed here.",
            confirm_label="Confirm and record the information laid",
            cancel_url=page.back_to,
        )

    context = {"notice": notice, "row": notice_row(notice, today()), "case": notice.case}
    step = CheckStep(
        page,
        step="penalty-information-laid",
        subject=f"penalty:{notice.pk}",
        state=f"{notice.pk}:{notice.status}:{notice.updated_at.isoformat()}",
    )
    return step.handle(
        form,
        save=save,
        template="notices/penalty_information_laid.html",
        context=context,
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )
