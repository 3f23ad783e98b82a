"""The school signs the head teacher's register certificate (s566) on its
referral. Thin: a scoped read, the form, one service call."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cases.views.section import FormPage
from core.http import acting_user
from core.scoping import get_for_user_or_404

from .bundle import referral_reference
from .forms_certificate import CertificateForm
from .models import LegalReferral
from .services.certificates import (
    ONLY_THE_SCHOOL_SIGNS,
    certificate_refusal,
    certificate_sign,
    certificate_statement,
    may_sign_certificate,
)


@require_http_methods(["GET", "POST"])
def certificate_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    referral = get_for_user_or_404(
        LegalReferral.objects.for_user(user).select_related("case__pupil", "case__school"),
        user,
        pk=referral_id,
    )
    if not may_sign_certificate(user, referral):
        raise PermissionDenied(ONLY_THE_SCHOOL_SIGNS)
    back = reverse("notices:referral_detail", args=[referral.pk])
    refusal = certificate_refusal(referral)
    page = FormPage(request, back_to=back)
    if refusal:
        return page.refuse(refusal)
    form = CertificateForm(
        request.POST if request.method == "POST" else None,
        initial={"signer_name": user.full_name},
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        certificate_sign(
            acting_user=user,
            referral_id=referral.pk,
            signer_name=data["signer_name"],
            capacity=data["capacity"],
            job_title=data["job_title"],
        )
        return page.saved("Register certificate signed. The bundle now shows it.")

    return page.handle(
        form,
        save,
        "notices/referral_bundle_certificate.html",
        {
            "referral": referral,
            "reference": referral_reference(referral),
            "statement": certificate_statement(referral),
        },
    )
