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
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cases.views.section import CaseFormPage, FormPage
from core.dates import now, today
from core.http import acting_user
from core.scoping import get_for_user_or_404, visible_schools
from pathway.services import readiness_for

from .figures import referral_times
from .forms_referrals import DecisionForm, InboxFilterForm, ReturnForm, SubmitForm
from .models import LegalReferral, NoticeToImprove
from .services.referrals import (
    next_version,
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)

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


@require_http_methods(["GET", "POST"])
def referral_submit_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    page = CaseFormPage.open(request, case_id)  # 404 outside the scope, 403 read-only
    if not user.is_school_user:
        raise PermissionDenied("Only the school's attendance lead or DSL can submit a referral.")
    verdict = readiness_for(user=user, case_id=case_id).referral
    notice = (
        NoticeToImprove.objects.for_user(user)
        .filter(case_id=case_id)
        .order_by("-issued_on", "-pk")
        .first()
    )
    form = SubmitForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> HttpResponse:
        referral = referral_submit(acting_user=user, case_id=case_id, **data)
        return page.saved(
            f"Referral version {referral.version} submitted to the LA.",
            to=reverse("notices:referral_detail", args=[referral.pk]),
        )

    return page.handle(
        form,
        save,
        "notices/referral_submit.html",
        {
            "case_id": case_id,
            "verdict": verdict,
            "notice": notice,
            "version": next_version(notice) if notice else 1,
        },
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
    return {
        "referral": referral,
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
    try:
        referral_accept(acting_user=user, referral_id=referral.pk)
    except ValidationError as exc:
        return page.refuse(exc)
    return page.saved("Referral accepted.")


@require_POST
def referral_decide_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = _referral(user, referral_id)
    if not user.has_perm("notices.review_referral"):
        raise PermissionDenied("Only LA officers and managers can record an LA decision.")
    page = _page(request, referral)
    form = DecisionForm(request.POST)

    def save(data: dict[str, Any]) -> HttpResponse:
        referral_decide(acting_user=user, referral_id=referral.pk, **data)
        return page.saved("LA decision recorded.")

    context = _detail_context(user, referral, decision_form=form)
    return page.handle(form, save, DETAIL, context, status_if_invalid=400)


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
