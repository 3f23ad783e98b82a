"""Referral pages: the school submits and follows its referral; the LA's inbox,
review (return, accept, decide) and the frozen bundle, as a page and a PDF.

Views are thin: a scoped read (404 outside the user's scope) or one service
call. The reads are here rather than in a selectors module because this
increment owns only these files; each starts from `for_user`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cases.models import AttendanceCase
from cases.views.section import CaseFormPage, FormPage
from core.audit import record_view
from core.dates import now, today
from core.http import acting_user
from core.scoping import get_for_user_or_404, visible_schools
from pathway.services import readiness_for

from .bundle import bundle_pdf, bundle_print_context, referral_reference
from .figures import referral_times
from .forms_referrals import DecisionForm, InboxFilterForm, ReturnForm, SubmitForm
from .models import LADecision, LegalReferral, NoticeToImprove, RegisterCertificate
from .services.certificates import certificate_refusal
from .services.referrals import (
    next_version,
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)
from .views_check import CheckStep, Row, Section, Summary, confirm_only, dry_run

DETAIL = "notices/referral_detail.html"

# Reads --------------------------------------------------------------------------


def _referral(user: User, referral_id: int) -> LegalReferral:
    return get_for_user_or_404(
        LegalReferral.objects.for_user(user).select_related(
            "case", "case__pupil", "case__school", "notice", "submitted_by"
        ),
        user,
        pk=referral_id,
    )


def _versions(referral: LegalReferral) -> QuerySet[LegalReferral]:
    """Every version for the same notice: returned ones are kept and listed."""
    return (
        LegalReferral.unscoped.filter(notice_id=referral.notice_id)
        .select_related("submitted_by", "returned_by", "accepted_by")
        .prefetch_related("decisions__decided_by")
        .order_by("version")
    )


def _page(request: HttpRequest, referral: LegalReferral) -> FormPage:
    """The LA's forms on the referral page go back to it (the case may be closed by then)."""
    return FormPage(request, back_to=reverse("notices:referral_detail", args=[referral.pk]))


# School -------------------------------------------------------------------------


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _case_referral_state(case: AttendanceCase) -> str:
    """The case and its latest referral as a check saw them: a submission (or
    a second click) changes both."""
    latest = (
        LegalReferral.unscoped.filter(case=case).order_by("-pk").values_list("pk", "status").first()
    )
    return f"{case.pk}:{case.version}:{latest}"


def _referral_state(referral: LegalReferral) -> str:
    return f"{referral.pk}:{referral.status}:{referral.updated_at.isoformat()}"


def _referral_rows(referral: LegalReferral) -> list[Row]:
    case = referral.case
    notice = referral.notice
    return [
        Row("Pupil", [f"{case.pupil.display_name}, {case.school.name}"]),
        Row(
            "Notice to Improve it follows",
            [
                f"Issued {_long(notice.issued_on)} to "
                + ", ".join(str(r.carer) for r in notice.recipients.all())
                + f"; improvement period ended {_long(notice.period_ends_on)}"
            ],
        ),
        Row("Version", [str(referral.version)]),
    ]


@require_http_methods(["GET", "POST"])
def referral_submit_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    page = CaseFormPage.open(request, case_id)  # 404 outside the scope, 403 read-only
    if not user.is_school_user:
        raise PermissionDenied("Only the school's attendance lead or DSL can submit a referral.")
    verdict = readiness_for(user=user, case_id=case_id).referral
    notice = (
        NoticeToImprove.objects.for_user(user)
        .filter(case_id=case_id, status=NoticeToImprove.Status.LIVE)
        .order_by("-issued_on", "-pk")
        .first()
    )
    form = SubmitForm(request.POST if request.method == "POST" else None)

    def act(data: dict[str, Any]) -> LegalReferral:
        return referral_submit(acting_user=user, case_id=case_id, **data)

    def save(data: dict[str, Any]) -> HttpResponse:
        referral = act(data)
        return page.saved(
            f"Referral version {referral.version} submitted to the LA.",
            to=reverse("notices:referral_detail", args=[referral.pk]),
        )

    def read(referral: LegalReferral) -> Summary:
        la = page.case.school.local_authority
        rows = [
            Row("Sent to", [f"{la.name}, for review by its attendance officers"]),
            *_referral_rows(referral),
            Row(
                "Reason for referring before the improvement period ends",
                [referral.early_referral_reason] if referral.early_referral_reason else [],
                "early_referral_reason",
            ),
        ]
        if referral.override_reason:
            rows.append(
                Row("Referred although the parents are engaging", [referral.override_reason])
            )
        return Summary(
            title="submit the referral",
            caption=page.case.pupil.display_name,
            sections=[Section("The referral", rows)],
            notes=[
                "The LA receives a bundle of the case as it is when you confirm: the notice, "
                "the attendance, the support and meetings, and the pathway's checks. Later "
                "changes to the case do not change it."
            ],
            warning="Once submitted, the Notice to Improve can no longer be corrected or "
            "withdrawn, and only the LA can return the referral.",
            confirm_label="Confirm and submit the referral",
            cancel_url=reverse("cases:case_detail", args=[case_id]),
        )

    step = CheckStep(
        page,
        step="referral-submit",
        subject=f"case:{case_id}",
        state=_case_referral_state(page.case),
    )
    return step.handle(
        form,
        save=save,
        template="notices/referral_submit.html",
        context={
            "case_id": case_id,
            "verdict": verdict,
            "notice": notice,
            "version": next_version(notice) if notice else 1,
        },
        summary=lambda data: dry_run(lambda: act(data), read),
    )


def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    return render(request, DETAIL, _detail_context(user, referral))


def _detail_context(
    user: User,
    referral: LegalReferral,
    *,
    return_form: ReturnForm | None = None,
    decision_form: DecisionForm | None = None,
) -> dict[str, Any]:
    """The referral page; a form the LA posted is shown again only when refused,
    so it is the one whose errors the summary lists."""
    certificate = RegisterCertificate.unscoped.filter(referral=referral).first()
    return {
        "referral": referral,
        "referral_certificate": certificate,
        "may_sign_certificate": certificate is None
        and user.has_perm("notices.sign_register_certificate")
        and user.school_id == referral.case.school_id
        and not certificate_refusal(referral),
        "versions": list(_versions(referral)),
        "may_review": user.has_perm("notices.review_referral"),
        "return_form": return_form or ReturnForm(),
        "decision_form": decision_form or DecisionForm(),
        "error_form": return_form if return_form is not None else decision_form,
    }


# LA -------------------------------------------------------------------------------


@require_POST
def referral_return_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    page = _page(request, referral)
    form = ReturnForm(request.POST)

    def save(data: dict[str, Any]) -> HttpResponse:
        referral_return(acting_user=user, referral_id=referral.pk, reasons=data["reasons"])
        return page.saved("Referral returned to the school.")

    context = _detail_context(user, referral, return_form=form)
    return page.handle(form, save, DETAIL, context, status_if_invalid=400)


@require_POST
def referral_accept_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    page = _page(request, referral)

    def act() -> HttpResponse:
        try:
            referral_accept(acting_user=user, referral_id=referral.pk)
        except ValidationError as exc:
            return page.refuse(exc)
        return page.saved("Referral accepted.")

    def summary() -> Summary:
        if referral.status != LegalReferral.Status.SUBMITTED:
            raise ValidationError(
                f"Only a submitted referral can be accepted; this one is "
                f"{referral.get_status_display().lower()}."
            )
        return Summary(
            title="accept the referral",
            caption=referral.case.school.name,
            sections=[
                Section(
                    "The referral",
                    [
                        *_referral_rows(referral),
                        Row(
                            "Submitted",
                            [f"{referral.submitted_at:%d %B %Y} by {referral.submitted_by}"],
                        ),
                        Row("Accepted by", [str(user)]),
                    ],
                )
            ],
            notes=[
                f"{referral.case.school.name} sees that the LA has accepted the referral. "
                "The LA's decision is recorded next."
            ],
            warning="Once accepted, the referral cannot be returned to the school.",
            confirm_label="Confirm and accept the referral",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page,
        step="referral-accept",
        subject=f"referral:{referral.pk}",
        state=_referral_state(referral),
    )
    try:
        return confirm_only(step, act=act, summary=summary)
    except ValidationError as exc:
        return page.refuse(exc)


@require_POST
def referral_decide_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can record an LA decision.")
    page = _page(request, referral)
    form = DecisionForm(request.POST)

    def act(data: dict[str, Any]) -> LADecision:
        return referral_decide(acting_user=user, referral_id=referral.pk, **data)

    def save(data: dict[str, Any]) -> HttpResponse:
        act(data)
        return page.saved("LA decision recorded.")

    def read(decision: LADecision) -> Summary:
        rows = [
            Row("Decision", [decision.get_kind_display()], "kind"),
            Row("Reason", [decision.reason], "reason"),
            Row("Date of the decision", [_long(decision.decided_on)], "decided_on"),
            Row(
                "Education supervision order considered",
                ["Yes" if decision.eso_considered else "No"]
                + ([decision.eso_note] if decision.eso_note else []),
                "eso_considered",
            ),
        ]
        if decision.contract_explored is not None or decision.contract_note:
            rows.append(
                Row(
                    "Attendance contract explored",
                    ["Yes" if decision.contract_explored else "No"]
                    + ([decision.contract_note] if decision.contract_note else []),
                    "contract_explored",
                )
            )
        follows = ""
        if decision.kind == LADecision.Kind.PENALTY_NOTICE:
            follows = (
                "Penalty notices can then be issued to the parents served the Notice to "
                "Improve: "
                + ", ".join(str(r.carer) for r in referral.notice.recipients.all())
                + "."
            )
        return Summary(
            title="record the LA's decision",
            caption=f"{referral.case.pupil.display_name}, {referral.case.school.name}",
            sections=[
                Section("The referral", _referral_rows(referral)),
                Section("The decision", rows),
            ],
            notes=[
                f"{referral.case.school.name} sees the decision on its referral.",
                *([follows] if follows else []),
            ],
            warning="Once recorded, the decision cannot be changed.",
            confirm_label="Confirm and record the decision",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page,
        step="referral-decide",
        subject=f"referral:{referral.pk}",
        state=_referral_state(referral),
    )
    context = _detail_context(user, referral, decision_form=form)
    return step.handle(
        form,
        save=save,
        template=DETAIL,
        context=context,
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )


def la_inbox(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("The referral inbox is for LA officers and managers.")
    form = InboxFilterForm(request.GET or None, schools=visible_schools(user).order_by("name"))
    referrals = LegalReferral.objects.for_user(user).select_related(
        "case__pupil", "case__school", "submitted_by"
    )
    status = ""
    if form.is_valid():
        if form.cleaned_data["school"]:
            referrals = referrals.filter(case__school=form.cleaned_data["school"])
        status = form.cleaned_data["status"]
        if form.cleaned_data["age"]:
            cutoff = now() - dt.timedelta(days=int(form.cleaned_data["age"]))
            referrals = referrals.filter(submitted_at__lte=cutoff)
    if status == "":
        referrals = referrals.filter(status__in=LegalReferral.LIVE)
    elif status != "all":
        referrals = referrals.filter(status=status)
    # Oldest first: the referral waiting longest is the next to review.
    referrals = referrals.order_by("submitted_at", "pk")[:200]
    return render(request, "notices/la_inbox.html", {"form": form, "referrals": referrals})


# The bundle, as frozen at submission --------------------------------------------


def referral_bundle(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(acting_user(request), referral_id)
    record_view(request, target=referral, what="referral bundle opened")
    return render(request, "notices/referral_bundle.html", bundle_print_context(referral))


def referral_bundle_pdf(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(acting_user(request), referral_id)
    pdf = bundle_pdf(referral)
    record_view(request, target=referral, what="referral bundle downloaded as PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="referral-{referral_reference(referral)}-v{referral.version}.pdf"'
    )
    return response


@require_GET
def referral_figures(request: HttpRequest) -> HttpResponse:
    """Time to decision, for LA managers."""
    user = acting_user(request)
    if not user.has_perm("notices.view_la_figures"):
        raise PermissionDenied("These figures are for LA managers.")
    times = referral_times(user=user, day=today())
    return render(request, "notices/la_figures.html", {"times": times})
