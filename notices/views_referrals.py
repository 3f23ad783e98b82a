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
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cases.models import AttendanceCase
from cases.views.section import CaseFormPage, FormPage
from core.audit import record_view
from core.dates import long_date, now, today
from core.http import acting_user
from core.pagination import page_of
from core.scoping import get_for_user_or_404, visible_schools
from pathway.services import readiness_for

from .bundle import bundle_pdf_served, bundle_print_context, referral_reference
from .figures import referral_times
from .forms_penalties import InformationLaidForm
from .forms_referrals import DecisionForm, InboxFilterForm, ReturnForm, SubmitForm
from .models import LADecision, LegalReferral, NoticeToImprove, RegisterCertificate
from .penalties import information_limit
from .services.certificates import certificate_refusal, may_sign_certificate
from .services.referrals import (
    next_version,
    referral_accept,
    referral_decide,
    referral_decision_information_laid,
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
                f"Issued {long_date(notice.issued_on)} to "
                + ", ".join(str(r.carer) for r in notice.recipients.all())
                + f"; improvement period ended {long_date(notice.period_ends_on)}"
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


@require_GET
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
        and may_sign_certificate(user, referral)
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
    """Return to the school, behind a check page: the school reads the reasons
    as written, and the returned version can no longer be accepted."""
    user = acting_user(request)
    referral = _referral(user, referral_id)
    page = _page(request, referral)
    form = ReturnForm(request.POST)

    def act(data: dict[str, Any]) -> LegalReferral:
        return referral_return(acting_user=user, referral_id=referral.pk, reasons=data["reasons"])

    def save(data: dict[str, Any]) -> HttpResponse:
        act(data)
        return page.saved("Referral returned to the school.", texts=[data["reasons"]])

    def read(returned: LegalReferral) -> Summary:
        school = referral.case.school.name
        return Summary(
            title="return the referral to the school",
            caption=f"{referral.case.pupil.display_name}, {school}",
            sections=[
                Section(
                    "The referral",
                    [
                        *_referral_rows(referral),
                        Row(
                            "Submitted",
                            [
                                f"{long_date(timezone.localdate(referral.submitted_at))} by "
                                f"{referral.submitted_by}"
                            ],
                        ),
                    ],
                ),
                Section(
                    "What the school will see",
                    [
                        Row("Returned to", [f"{school}, its attendance lead and DSL"]),
                        Row(
                            "What the school needs to add or change",
                            [returned.return_reasons],
                            "reasons",
                        ),
                    ],
                ),
            ],
            notes=[
                f"{school} sees these reasons on the case page and its home page. The case "
                "goes back to the Notice to Improve stage, and the school can add what is "
                f"asked for and resubmit the referral as version {referral.version + 1}."
            ],
            warning="Once returned, this version cannot be accepted or decided: the LA "
            "reviews the school's resubmission instead.",
            confirm_label="Confirm and return the referral",
            cancel_url=page.back_to,
        )

    step = CheckStep(
        page,
        step="referral-return",
        subject=f"referral:{referral.pk}",
        state=_referral_state(referral),
    )
    context = _detail_context(user, referral, return_form=form)
    return step.handle(
        form,
        save=save,
        template=DETAIL,
        context=context,
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )


@require_POST
def referral_accept_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    # Before the check page: the service refuses the school on confirming, but
    # the school must not be shown the LA's step at all.
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can act on a referral.")
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
            Row("Date of the decision", [long_date(decision.decided_on)], "decided_on"),
            Row(
                "Education supervision order considered",
                ["Yes" if decision.eso_considered else "No"]
                + ([decision.eso_note] if decision.eso_note else []),
                "eso_considered",
            ),
        ]
        if decision.offence_first_day and decision.offence_last_day:
            count = len(decision.unauthorised_sessions)
            limit = information_limit(decision.offence_last_day)
            rows += [
                Row(
                    "Offence period",
                    [
                        f"{long_date(decision.offence_first_day)} to "
                        f"{long_date(decision.offence_last_day)}",
                        f"{count} unauthorised session{'s' if count != 1 else ''} in the registers",
                    ],
                    "offence_first_day",
                ),
                Row(
                    "Lay the information by",
                    [
                        f"{long_date(limit.lay_by)}: 6 months from the last day of the offence "
                        "period (Magistrates' Courts Act 1980 s127)"
                    ],
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


@require_GET
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
    page = page_of(referrals.order_by("submitted_at", "pk"), request)
    return render(request, "notices/la_inbox.html", {"form": form, "referrals": page})


# The bundle, as frozen at submission --------------------------------------------


@require_GET
def referral_bundle(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(acting_user(request), referral_id)
    record_view(request, target=referral, what="referral bundle opened")
    return render(request, "notices/referral_bundle.html", bundle_print_context(referral))


@require_GET
def referral_bundle_pdf(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(acting_user(request), referral_id)
    # The copy stored when the referral was submitted (or its certificate signed).
    pdf = bundle_pdf_served(referral)
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


@require_http_methods(["GET", "POST"])
def referral_information_laid(request: HttpRequest, decision_id: int) -> HttpResponse:
    """Record that the information was laid at the magistrates' court for a
    referral decision to prosecute, behind a check page: the six-month limit
    is then shown as met."""
    user = acting_user(request)
    decision = get_for_user_or_404(
        LADecision.objects.for_user(user).select_related(
            "referral__case__pupil", "referral__case__school", "referral__notice"
        ),
        user,
        pk=decision_id,
    )
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can record a prosecution.")
    referral = decision.referral
    page = _page(request, referral)
    if request.method == "GET" and (
        decision.kind not in LADecision.PROSECUTIONS or decision.offence_last_day is None
    ):
        return page.refuse(
            "The information is recorded on a decision to prosecute with its offence period."
        )
    form = InformationLaidForm(request.POST if request.method == "POST" else None)

    def act(data: dict[str, Any]) -> LADecision:
        return referral_decision_information_laid(
            acting_user=user, decision_id=decision.pk, laid_on=data["laid_on"], note=data["note"]
        )

    def save(data: dict[str, Any]) -> HttpResponse:
        laid = act(data)
        assert laid.information_laid_on is not None
        return page.saved(
            f"Information laid on {long_date(laid.information_laid_on)} recorded: the six-month "
            "limit is met.",
            texts=[data["note"]],
        )

    def read(laid: LADecision) -> Summary:
        assert laid.information_laid_on is not None
        assert laid.offence_first_day is not None
        assert laid.offence_last_day is not None
        limit = information_limit(laid.offence_last_day)
        parents = ", ".join(str(r.carer) for r in referral.notice.recipients.all())
        return Summary(
            title="record that the information was laid",
            caption=f"{referral.case.pupil.display_name}, {referral.case.school.name}",
            sections=[
                Section(
                    "The prosecution",
                    [
                        Row(
                            "Decision", [f"{laid.get_kind_display()}, {long_date(laid.decided_on)}"]
                        ),
                        Row("Parents served the Notice to Improve", [parents]),
                        Row(
                            "Offence period",
                            [
                                f"{long_date(laid.offence_first_day)} to "
                                f"{long_date(laid.offence_last_day)}"
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
                            ],
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
                f"{referral.case.school.name} sees on the case that the prosecution has started. "
                "The six-month limit is no longer flagged."
            ],
            warning="Once recorded, the date cannot be changed here.",
            confirm_label="Confirm and record the information laid",
            cancel_url=page.back_to,
        )

    limit = information_limit(decision.offence_last_day) if decision.offence_last_day else None
    step = CheckStep(
        page,
        step="decision-information-laid",
        subject=f"decision:{decision.pk}",
        state=f"{decision.pk}:{decision.information_laid_on}",
    )
    return step.handle(
        form,
        save=save,
        template="notices/referral_information_laid.html",
        context={"decision": decision, "referral": referral, "limit": limit},
        summary=lambda data: dry_run(lambda: act(data), read),
        status_if_invalid=400,
    )
