"""The head teacher's register certificate (Education Act 1996 s566) on a
referral: signed in the product, once per referral version, and audited.

Who may sign (docs/rules.md#register-certificate): the school's attendance
lead, stating whether they are the head teacher or a person the head teacher
authorises to certify the register; the signature is theirs, as logged in.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from core.audit import audit_record
from core.dates import long_date, now, today
from core.models import AuditEvent
from core.queue import enqueue_on_commit
from core.scoping import get_for_user_or_404

from ..bundle import bundle_sections
from ..models import LegalReferral, RegisterCertificate
from ..models.certificate import STATEMENT
from ..tasks import store_bundle_file


def certificate_refusal(referral: LegalReferral) -> str:
    """Why this referral's certificate cannot be signed now; "" when it can."""
    if RegisterCertificate.unscoped.filter(referral=referral).exists():
        return "The register certificate for this version of the referral is already signed."
    if referral.status in (LegalReferral.Status.RETURNED, LegalReferral.Status.DECIDED):
        return (
            "This version of the referral is "
            f"{referral.get_status_display().lower()}: its certificate can no longer be signed."
        )
    if "period" not in referral.bundle:
        return (
            "This bundle was made before register extracts were included in bundles, so "
            "there is no extract to certify. Ask the LA to return it and resubmit."
        )
    return ""


def certificate_statement(referral: LegalReferral) -> str:
    bundle = referral.bundle
    section = next((s.number for s in bundle_sections(bundle) if s.anchor == "register"), 0)
    return STATEMENT.format(
        section=section,
        pupil=bundle["pupil"]["name"],
        school=bundle["school"],
        first=long_date(dt.date.fromisoformat(bundle["period"]["first"])),
        last=long_date(dt.date.fromisoformat(bundle["period"]["last"])),
    )


ONLY_THE_SCHOOL_SIGNS = (
    "Only the school's attendance lead, as the head teacher or a person the head "
    "teacher authorises, can sign the register certificate."
)


def may_sign_certificate(user: User, referral: LegalReferral) -> bool:
    """Whether this user may certify the referral's register: the pupil's own
    school's lead (an administrator holds every permission, but has no school
    to certify for)."""
    return (
        user.has_perm("notices.sign_register_certificate")
        and user.school_id == referral.case.school_id
    )


def certificate_sign(
    *,
    acting_user: User,
    referral_id: int,
    signer_name: str,
    capacity: str,
    job_title: str,
) -> RegisterCertificate:
    if not acting_user.has_perm("notices.sign_register_certificate"):
        raise PermissionDenied(ONLY_THE_SCHOOL_SIGNS)
    with transaction.atomic():
        referral = get_for_user_or_404(
            LegalReferral.objects.for_user(acting_user)
            .select_for_update(of=("self",))
            .select_related("case__school"),
            acting_user,
            pk=referral_id,
        )
        if referral.case.school_id != acting_user.school_id:
            raise PermissionDenied("Only the pupil's own school can certify its register.")
        refusal = certificate_refusal(referral)
        if refusal:
            raise ValidationError(refusal)
        if capacity not in RegisterCertificate.Capacity.values:
            raise ValidationError({"capacity": "Select whether you are the head teacher"})
        period = referral.bundle["period"]
        try:
            with transaction.atomic():
                certificate = RegisterCertificate.unscoped.create(
                    referral=referral,
                    signer_name=signer_name.strip(),
                    capacity=capacity,
                    job_title=job_title.strip(),
                    signed_on=today(),
                    signed_at=now(),
                    signed_by=acting_user,
                    period_first=dt.date.fromisoformat(period["first"]),
                    period_last=dt.date.fromisoformat(period["last"]),
                    statement=certificate_statement(referral),
                )
        except IntegrityError as exc:
            raise ValidationError(
                "The register certificate for this version of the referral is already signed."
            ) from exc
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=certificate,
            school=referral.case.school,
            changes={
                "referral": referral.pk,
                "signer_name": certificate.signer_name,
                "capacity": capacity,
                "job_title": certificate.job_title,
                "signed_on": certificate.signed_on.isoformat(),
            },
        )
        # The bundle as now printed, with the certificate, stored beside the unsigned one.
        enqueue_on_commit(store_bundle_file, referral.pk)
    return certificate
