"""The head teacher's certificate (Education Act 1996 s566) on a referral.

s566(1) lets a court take, without further proof, an extract from a school's
attendance register certified as a true extract by the person who keeps the
register, and a certificate of attendance signed by the head teacher. The
referral bundle carries a session-by-session extract of the register for the
offence period, frozen at submission; this record is the signature on that
extract, made in the product by the head teacher or a member of staff the head
teacher authorises (docs/rules.md#register-certificate). It is made once per
referral version and never changed: a returned and resubmitted referral has a
new extract and needs a new signature.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet

from .referrals import LegalReferral

# The words the signer certifies, fixed: the signer cannot edit them, and the
# stored copy is what the bundle prints.
STATEMENT = (
    "I certify that the register extract in section {section} of this bundle, "
    "for {pupil} at {school} from {first} to {last}, is a true extract of the "
    "attendance register kept at the school under the School Attendance "
    "(Pupil Registration) (England) Regulations 2024, and that the attendance "
    "figures given with it are taken from that register. Education Act 1996 s566."
)


class RegisterCertificate(models.Model):
    class Capacity(models.TextChoices):
        HEAD_TEACHER = "head_teacher", "Head teacher"
        AUTHORISED = "authorised", "Authorised by the head teacher to certify the register"

    referral = models.OneToOneField(
        LegalReferral, on_delete=models.PROTECT, related_name="certificate"
    )
    signer_name = models.CharField("full name", max_length=200)
    capacity = models.CharField(max_length=16, choices=Capacity.choices)
    job_title = models.CharField(max_length=200)
    signed_on = models.DateField()
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The period of the extract certified, copied from the frozen bundle.
    period_first = models.DateField()
    period_last = models.DateField()
    statement = models.TextField()

    scope_lookup = "referral__case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["RegisterCertificate"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"

    def __str__(self) -> str:
        return f"Register certificate for {self.referral}, signed by {self.signer_name}"
