"""Referral pages: the school submits and follows its referral; the LA's inbox,
review (return, accept, decide) and the frozen bundle, as a page and a PDF.

Views are thin: a scoped read (404 outside the user's scope) or one service
call. The reads are here rather than in a selectors module because this
increment owns only these files; each starts from `for_user`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from core.dates import now, today
from core.http import acting_user
from core.scoping import get_for_user_or_404, visible_schools
from pathway.services import readiness_for

from .figures import referral_times
from .forms_referrals import DecisionForm, InboxFilterForm, ReturnForm, SubmitForm
from .models import LegalReferral, NoticeToImprove
from .services.referrals import (
    ReferralNotAllowed,
    next_version,
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)

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


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal beside the field it is about, so the summary links to it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# School -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_submit_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    verdict = readiness_for(user=user, case_id=case_id).referral  # 404 outside the scope
    if not (user.is_school_user and user.has_perm("cases.change_case")):
        raise PermissionDenied("Only the school's attendance lead or DSL can submit a referral.")
    notice = (
        NoticeToImprove.objects.for_user(user)
        .filter(case_id=case_id)
        .order_by("-issued_on", "-pk")
        .first()
    )
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_submit(acting_user=user, case_id=case_id, **form.cleaned_data)
        except ReferralNotAllowed as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Referral version {referral.version} submitted to the LA.")
            return redirect("notices:referral_detail", referral_id=referral.pk)
    return render(
        request,
        "notices/referral_submit.html",
        {
            "case_id": case_id,
            "verdict": verdict,
            "notice": notice,
            "version": next_version(notice) if notice else 1,
            "form": form,
        },
    )


def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    return _detail(request, user, referral)


def _detail(
    request: HttpRequest,
    user: User,
    referral: LegalReferral,
    *,
    return_form: ReturnForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    versions = list(_versions(referral))
    may_review = user.has_perm("notices.review_referral")
    error_form = next((f for f in (return_form, decision_form) if f is not None and f.errors), None)
    return render(
        request,
        "notices/referral_detail.html",
        {
            "referral": referral,
            "versions": versions,
            "may_review": may_review,
            "return_form": return_form or ReturnForm(),
            "decision_form": decision_form or DecisionForm(),
            "error_form": error_form,
        },
        status=status,
    )


# LA -------------------------------------------------------------------------------


@require_POST
def referral_return_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            referral_return(
                acting_user=user, referral_id=referral.pk, reasons=form.cleaned_data["reasons"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Referral returned to the school.")
            return redirect("notices:referral_detail", referral_id=referral.pk)
    return _detail(request, user, referral, return_form=form, status=400)


@require_POST
def referral_accept_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    try:
        referral_accept(acting_user=user, referral_id=referral.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Referral accepted.")
    return redirect("notices:referral_detail", referral_id=referral.pk)


@require_POST
def referral_decide_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can record an LA decision.")
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            referral_decide(acting_user=user, referral_id=referral.pk, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "LA decision recorded.")
            return redirect("notices:referral_detail", referral_id=referral.pk)
    return _detail(request, user, referral, decision_form=form, status=400)


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
    return render(
        request, "notices/referral_bundle.html", {"referral": referral, "b": referral.bundle}
    )


def referral_bundle_pdf(request: HttpRequest, referral_id: int) -> HttpResponse:
    import weasyprint  # heavy: loaded only when a PDF is asked for

    referral = _referral(acting_user(request), referral_id)
    html = render_to_string(
        "notices/referral_bundle_pdf.html", {"referral": referral, "b": referral.bundle}
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="referral-{referral.pk}-v{referral.version}-bundle.pdf"'
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
