"""Sharing a case file with the LA, and taking it back (need to know).

The school's attendance lead or DSL shares a case from its page, with a
reason, and can take it back; a referral or a penalty-notice request shares
the case by itself (notices' services) and stays. Who may share is
`cases.share_case`; which records a share opens, `core/scoping.py`.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from core.http import acting_user

from ..forms_sharing import RevokeForm, ShareForm
from ..models import AttendanceCase, CaseShare
from ..services.casework import case_for_page
from ..services.sharing import case_share, case_share_revoke
from .section import FormPage, case_section

SECTION = "sharing"


def _page(request: HttpRequest, case_id: int) -> tuple[FormPage, AttendanceCase]:
    """404 outside the user's scope; 403 for anyone but the school's lead or DSL."""
    case = case_for_page(acting_user=acting_user(request), case_id=case_id)
    if not rules.has_perm("cases.share_case", request.user):
        raise PermissionDenied("Only the school's attendance lead or DSL can share a case.")
    return FormPage(request, back_to=case_section(case.pk, SECTION)), case


@require_http_methods(["GET", "POST"])
def case_share_page(request: HttpRequest, case_id: int) -> HttpResponse:
    page, case = _page(request, case_id)
    form = ShareForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> HttpResponse:
        case_share(acting_user=page.user, case_id=case.pk, reason=data["reason"])
        return page.saved("The case file is shared with the LA.", texts=[data["reason"]])

    return page.handle(form, save, "cases/share_form.html", {"case": case})


@require_http_methods(["GET", "POST"])
def case_share_revoke_page(request: HttpRequest, case_id: int, share_id: int) -> HttpResponse:
    page, case = _page(request, case_id)
    share = (
        CaseShare.unscoped.filter(case=case, pk=share_id, revoked_at__isnull=True)
        .select_related("shared_by")
        .first()
    )
    if share is None:
        raise Http404("No such record.")
    if share.revoke_refusal:
        return page.refuse(share.revoke_refusal)
    form = RevokeForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> HttpResponse:
        case_share_revoke(acting_user=page.user, share_id=share.pk)
        return page.saved("The case file is no longer shared with the LA.")

    return page.handle(form, save, "cases/share_revoke.html", {"case": case, "share": share})


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/share/", case_share_page, name="case_share"),
    path(
        "cases/<int:case_id>/share/<int:share_id>/stop/",
        case_share_revoke_page,
        name="case_share_revoke",
    ),
]
