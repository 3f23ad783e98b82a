"""Pages for the Notice to Improve: issuing one from the case, recording its
outcome, the daily review of running notices and each recipient's letter.

Each view reads through the user's scope (404 outside it); the services
decide who may act (403) and what is allowed (a refusal on the form). The
forms are `CaseFormPage`s, going back to the case's Notice to Improve section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from attendance.figures import NATIONAL_THRESHOLD_WEEKS
from attendance.services.calendars import school_days_after
from cases.models import AttendanceCase
from cases.views.section import CaseFormPage
from core.dates import today
from core.http import acting_user
from pathway.models import settings_for
from pathway.services import readiness_for
from pupils.models import PupilCarer

from .forms import (
    DEFAULT_CONSEQUENCE,
    NoticeCorrectForm,
    NoticeIssueForm,
    NoticeOutcomeForm,
    NoticeWithdrawForm,
    ParentsToldForm,
)
from .models import NoticeToImprove
from .selectors import notice_for_user, notice_parents_told, notices_in_review
from .services.notices import (
    correspondence_recipients,
    issue_date_check,
    may_issue,
    notice_correct,
    notice_ending_refusal,
    notice_issue,
    notice_outcome_record,
    notice_withdraw,
    parents_told_record,
    running_notice,
    support_relied_on,
)
from .views_check import CheckStep, Row, Section, Summary

SECTION = "notice-to-improve"


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def recipient_lines(links: Iterable[PupilCarer]) -> list[str]:
    """Each recipient as the check page names them: who, and where the letter goes."""
    lines = []
    for link in links:
        carer = link.carer
        address = ", ".join(
            part
            for part in (*(p.strip() for p in carer.address.splitlines()), carer.postcode)
            if part
        )
        lines.append(
            f"{carer} ({link.get_relationship_display()}): "
            + (address or "no postal address on record")
        )
    return lines


def _period_end(case: AttendanceCase, issued_on: dt.date) -> dt.date:
    period = settings_for(case.school.local_authority_id).notice_period_school_days
    return school_days_after(school_id=case.school_id, day=issued_on, count=period)


def _notice_facts(user: User, case: AttendanceCase, issued_on: dt.date) -> list[Row]:
    """What the notice will fix at issue, as at `issued_on`, read without storing
    anything: the rules' verdict (refused on the form when it does not allow
    the notice), the period, the threshold and the support the letter lists."""
    issue_date_check(case, issued_on)
    verdict = readiness_for(user=user, case_id=case.pk, day=issued_on).notice_to_improve
    if not verdict.allowed:
        raise ValidationError(
            [
                f"A Notice to Improve cannot be issued on {_long(issued_on)}. Still missing:",
                *[c.missing or c.title for c in verdict.checks if c.blocking and not c.met],
            ]
        )
    assert verdict.figures is not None
    sessions = verdict.figures.unauthorised_last_10_school_weeks
    support = [
        f"{o['what']} ({o['provider']}), offered {_long(dt.date.fromisoformat(o['offered_on']))}:"
        f" {o['outcome_label']}"
        for o in support_relied_on(verdict)
    ]
    return [
        Row("Date of issue", [_long(issued_on)], "issued_on"),
        Row(
            "Improvement period",
            [f"The day after issue until {_long(_period_end(case, issued_on))}"],
        ),
        Row(
            "Threshold stored with the notice",
            [
                f"{sessions} unauthorised session{'s' if sessions != 1 else ''} in the "
                f"{NATIONAL_THRESHOLD_WEEKS} school weeks to {_long(issued_on)}"
            ],
        ),
        Row("Support listed in the letter", support or ["None"]),
    ]


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

    def summary(data: dict[str, Any]) -> Summary:
        chosen = [link for link in carers if link.pk in data["recipients"]]
        rows = [
            *_notice_facts(user, page.case, data["issued_on"]),
            Row(
                "What sufficient improvement means",
                [data["sufficient_improvement"]],
                "sufficient_improvement",
            ),
            Row(
                "What happens if attendance does not improve", [data["consequence"]], "consequence"
            ),
            Row(
                "Member of staff the parents can contact", [data["staff_contact"]], "staff_contact"
            ),
        ]
        if data["override_reason"]:
            rows.append(
                Row(
                    "Why it goes ahead although the parents are engaging",
                    [data["override_reason"]],
                    "override_reason",
                )
            )
        return Summary(
            title="issue the Notice to Improve",
            caption=page.case.pupil.display_name,
            sections=[
                Section(
                    "Who will receive it",
                    [Row("Letters, one each", recipient_lines(chosen), "recipients")],
                ),
                Section("The notice", rows),
            ],
            notes=["Each recipient's letter is ready to download from the case once issued."],
            warning="Once issued, the notice can only be corrected or withdrawn with a reason, "
            "kept on the case.",
            confirm_label="Confirm and issue the notice",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page, step="notice-issue", subject=f"case:{case_id}", state=_case_state(page.case)
    )
    verdict = readiness_for(user=user, case_id=case_id).notice_to_improve
    return step.handle(
        form,
        save=save,
        template="notices/notice_form.html",
        context={"evaluation": verdict},
        summary=summary,
    )


def _case_state(case: AttendanceCase) -> str:
    """The case as a step checked it: any change to it (a notice issued, its
    stage moved) bumps its version, and the check must be done again."""
    return f"{case.pk}:{case.version}"


def _notice_state(notice: NoticeToImprove) -> str:
    return f"{notice.pk}:{notice.status}:{notice.outcome}"


@require_http_methods(["GET", "POST"])
def notice_withdraw_page(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Withdraw a notice, with a reason, through a check page."""
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    page = CaseFormPage.open(request, notice.case_id, section=SECTION)
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can withdraw a notice.")
    refusal = notice_ending_refusal(notice)
    if refusal:
        return page.refuse(refusal)
    form = NoticeWithdrawForm(request.POST or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        notice_withdraw(acting_user=user, notice_id=notice.pk, reason=data["reason"])
        return page.saved("Notice to Improve withdrawn. It is kept on the case, marked withdrawn.")

    def summary(data: dict[str, Any]) -> Summary:
        return Summary(
            title="withdraw the Notice to Improve",
            caption=page.case.pupil.display_name,
            sections=[
                Section(
                    "The notice",
                    [
                        Row("Issued", [_long(notice.issued_on)]),
                        Row("Sent to", recipient_lines(notice.recipients.all())),
                        Row("Reason for withdrawing it", [data["reason"]], "reason"),
                    ],
                )
            ],
            warning="A withdrawn notice no longer counts: no referral can rest on it. Its "
            "letters are marked withdrawn. Tell the parents it is withdrawn.",
            confirm_label="Confirm and withdraw the notice",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page, step="notice-withdraw", subject=f"notice:{notice.pk}", state=_notice_state(notice)
    )
    return step.handle(
        form,
        save=save,
        template="notices/notice_withdraw.html",
        context={"notice": notice},
        summary=summary,
    )


@require_http_methods(["GET", "POST"])
def notice_correct_page(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Correct a notice's date of issue or recipients: a new version, through a
    check page."""
    user = acting_user(request)
    notice = notice_for_user(user=user, notice_id=notice_id)
    page = CaseFormPage.open(request, notice.case_id, section=SECTION)
    if not may_issue(user):
        raise PermissionDenied("Only the school's attendance lead or DSL can correct a notice.")
    refusal = notice_ending_refusal(notice, correcting=True)
    if refusal:
        return page.refuse(refusal)
    carers = correspondence_recipients(page.case)
    form = NoticeCorrectForm(
        request.POST or None,
        carers=carers,
        initial={
            "issued_on": notice.issued_on,
            "recipients": [r.pk for r in notice.recipients.all()],
        },
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        new = notice_correct(
            acting_user=user,
            notice_id=notice.pk,
            issued_on=data["issued_on"],
            recipient_ids=data["recipients"],
            reason=data["reason"],
        )
        return page.saved(
            f"Notice to Improve corrected: version {new.version} replaces version "
            f"{notice.version}. The improvement period now ends on {_long(new.period_ends_on)}."
        )

    def summary(data: dict[str, Any]) -> Summary:
        chosen = [link for link in carers if link.pk in data["recipients"]]
        facts = (
            _notice_facts(user, page.case, data["issued_on"])
            if (data["issued_on"] != notice.issued_on)
            else [
                Row("Date of issue", [_long(notice.issued_on)], "issued_on"),
                Row(
                    "Improvement period",
                    [
                        "The day after issue until "
                        + _long(_period_end(page.case, notice.issued_on))
                    ],
                ),
            ]
        )
        return Summary(
            title=f"correct the Notice to Improve (version {notice.version + 1})",
            caption=page.case.pupil.display_name,
            sections=[
                Section(
                    "The version it replaces",
                    [
                        Row("Issued", [_long(notice.issued_on)]),
                        Row("Sent to", recipient_lines(notice.recipients.all())),
                        Row("Improvement period ends", [_long(notice.period_ends_on)]),
                    ],
                ),
                Section(
                    f"Version {notice.version + 1}",
                    [
                        Row("Letters, one each", recipient_lines(chosen), "recipients"),
                        *facts,
                        Row("What was wrong", [data["reason"]], "reason"),
                    ],
                ),
            ],
            warning="The old version is kept, marked superseded, and its letters say so. "
            "Send the corrected letters to the parents.",
            confirm_label="Confirm and correct the notice",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page, step="notice-correct", subject=f"notice:{notice.pk}", state=_notice_state(notice)
    )
    return step.handle(
        form,
        save=save,
        template="notices/notice_correct.html",
        context={"notice": notice},
        summary=summary,
    )


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
    """The letter's first address: letters are made and stored by the documents
    app now (a later app, reached by its URL's name, not imported)."""
    return redirect("documents:notice_letter", notice_id, recipient_id)
