"""Pages for the Notice to Improve: issuing one from the case, recording its
outcome, the daily review of running notices and each recipient's letter.

Each view reads through the user's scope (404 outside it); the services
decide who may act (403) and what is allowed (a refusal on the form). The
forms are `CaseFormPage`s, going back to the case's Notice to Improve section.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from cases.views.section import CaseFormPage
from core.dates import today
from core.http import acting_user
from pathway.models import settings_for
from pathway.services import readiness_for

from .forms import DEFAULT_CONSEQUENCE, NoticeIssueForm, NoticeOutcomeForm, ParentsToldForm
from .letters import letter_pdf
from .selectors import notice_for_user, notice_parents_told, notices_in_review
from .services.notices import (
    correspondence_recipients,
    may_issue,
    notice_issue,
    notice_outcome_record,
    parents_told_record,
    running_notice,
)

SECTION = "notice-to-improve"


@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    # The role first: an LA officer is refused outright, whatever the case.
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can issue a notice.")
    page = CaseFormPage.open(request, case_id, section=SECTION)
    if running_notice(case_id) is not None:
        return page.refuse("A Notice to Improve is already running for this case.")
    carers = correspondence_recipients(page.case)
    lead = page.case.lead_professional
    contact = ", ".join(part for part in (lead.full_name, lead.job_title) if part)
    form = NoticeIssueForm(
        request.POST or None,
        carers=carers,
        backdate_school_days=settings_for(
            page.case.school.local_authority_id
        ).notice_backdate_school_days,
        initial={
            "issued_on": today(),
            "recipients": [link.pk for link in carers],
            "consequence": DEFAULT_CONSEQUENCE,
            "staff_contact": contact,
        },
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        notice = notice_issue(
            acting_user=user,
            case_id=case_id,
            issued_on=data["issued_on"],
            recipient_ids=data["recipients"],
            sufficient_improvement=data["sufficient_improvement"],
            consequence=data["consequence"],
            staff_contact=data["staff_contact"],
            override_reason=data["override_reason"],
        )
        return page.saved(
            f"Notice to Improve issued. The improvement period ends on "
            f"{notice.period_ends_on.day} {notice.period_ends_on:%B %Y}."
        )

    verdict = readiness_for(user=user, case_id=case_id).notice_to_improve
    return page.handle(form, save, "notices/notice_form.html", {"evaluation": verdict})


@require_http_methods(["GET", "POST"])
def notice_outcome(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    page = CaseFormPage.open(request, notice.case_id, section=SECTION)
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can record the outcome.")
    if notice.outcome:
        return page.refuse("This notice's outcome has already been recorded.")
    form = NoticeOutcomeForm(request.POST or None, initial={"on": today()})

    def save(data: dict[str, Any]) -> HttpResponse:
        notice_outcome_record(
            acting_user=user,
            notice_id=notice.pk,
            outcome=data["outcome"],
            note=data["note"],
            on=data["on"],
        )
        return page.saved("Outcome of the Notice to Improve recorded.")

    return page.handle(form, save, "notices/outcome_form.html", {"notice": notice})


@require_http_methods(["GET", "POST"])
def parents_told(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Record the day the parents were told that a referral will be made."""
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    page = CaseFormPage.open(request, notice.case_id, section=SECTION)
    if not may_issue(user):
        raise PermissionDenied(
            "Only the school's attendance lead or DSL can record that the parents were told."
        )
    if notice_parents_told(notice) is not None:
        return page.refuse("The day the parents were told of the referral is already recorded.")
    form = ParentsToldForm(request.POST or None, initial={"told_on": today()})

    def save(data: dict[str, Any]) -> HttpResponse:
        told = parents_told_record(
            acting_user=user,
            notice_id=notice.pk,
            told_on=data["told_on"],
            method=data["method"],
            told_by=data["told_by"],
        )
        return page.saved(
            f"Recorded that the parents were told on {told.told_on.day} "
            f"{told.told_on:%B %Y} that a referral will be made."
        )

    return page.handle(form, save, "notices/parents_told_form.html", {"notice": notice})


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
