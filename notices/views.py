"""Pages for the Notice to Improve: issuing one from the case, recording its
outcome, the daily review of running notices and each recipient's letter.

Each view reads through the user's scope (404 outside it); the services
decide who may act (403) and what is allowed (a refusal on the form).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases.services.casework import CaseClosed
from cases.services.meetings import case_for_form
from cases.views.support import add_errors, refused
from core.dates import today
from core.http import acting_user
from pathway.services import readiness_for

from .forms import DEFAULT_CONSEQUENCE, NoticeIssueForm, NoticeOutcomeForm
from .letters import letter_pdf
from .selectors import notice_for_user, notices_in_review
from .services.notices import (
    correspondence_recipients,
    may_issue,
    notice_issue,
    notice_outcome_record,
    running_notice,
)


def _section(case_id: int) -> str:
    return f"{reverse('cases:case_detail', args=[case_id])}#notice-to-improve"


@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    # The role first: an LA officer is refused outright, whatever the case.
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can issue a notice.")
    try:
        case = case_for_form(acting_user=user, case_id=case_id)
    except CaseClosed as exc:
        return refused(request, case_id, exc)
    if running_notice(case.pk) is not None:
        messages.error(request, "A Notice to Improve is already running for this case.")
        return redirect(_section(case.pk))
    carers = correspondence_recipients(case)
    lead = case.lead_professional
    contact = ", ".join(part for part in (lead.full_name, lead.job_title) if part)
    form = NoticeIssueForm(
        request.POST or None,
        carers=carers,
        initial={
            "issued_on": today(),
            "recipients": [link.pk for link in carers],
            "consequence": DEFAULT_CONSEQUENCE,
            "staff_contact": contact,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = notice_issue(
                acting_user=user,
                case_id=case.pk,
                issued_on=data["issued_on"],
                recipient_ids=data["recipients"],
                sufficient_improvement=data["sufficient_improvement"],
                consequence=data["consequence"],
                staff_contact=data["staff_contact"],
                override_reason=data["override_reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Notice to Improve issued. The improvement period ends on "
                f"{notice.period_ends_on.day} {notice.period_ends_on:%B %Y}.",
            )
            return redirect(_section(case.pk))
    verdict = readiness_for(user=user, case_id=case.pk).notice_to_improve
    return render(
        request,
        "notices/notice_form.html",
        {"case": case, "form": form, "evaluation": verdict},
    )


@require_http_methods(["GET", "POST"])
def notice_outcome(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    try:
        case_for_form(acting_user=user, case_id=notice.case_id)
    except CaseClosed as exc:
        return refused(request, notice.case_id, exc)
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can record the outcome.")
    if notice.outcome:
        messages.error(request, "This notice's outcome has already been recorded.")
        return redirect(_section(notice.case_id))
    form = NoticeOutcomeForm(request.POST or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice_outcome_record(
                acting_user=user,
                notice_id=notice.pk,
                outcome=data["outcome"],
                note=data["note"],
                on=data["on"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Outcome of the Notice to Improve recorded.")
            return redirect(_section(notice.case_id))
    return render(
        request,
        "notices/outcome_form.html",
        {"case": notice.case, "notice": notice, "form": form},
    )


@require_GET
@permission_required("cases.view_case", raise_exception=True)
def review(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if user.school_id is None:
        # The daily review is the school's own check of its registers.
        raise PermissionDenied("The daily review is for school staff.")
    day = today()
    rows = notices_in_review(user=user, day=day)
    return render(
        request,
        "notices/review.html",
        {"rows": rows, "day": day, "flagged": sum(1 for row in rows if row.new_unauthorised)},
    )


@require_GET
def letter(request: HttpRequest, notice_id: int, recipient_id: int) -> HttpResponse:
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    recipient = next((r for r in notice.recipients.all() if r.pk == recipient_id), None)
    if recipient is None:
        raise Http404("No such recipient of this notice.")
    pdf = letter_pdf(notice, recipient, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"notice-to-improve-{notice.pk}-{recipient.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
