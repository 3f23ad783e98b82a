"""The referral bundle as printed, stored (issue 12).

The bundle is frozen at submission, so its PDF is too: it is rendered once, by
the worker, when the referral is submitted, stored with its SHA-256, and served
from the store on every download instead of being laid out again (about a
second and a half of WeasyPrint each time, which under load held a web worker
for tens of seconds). The one part printed from outside the frozen bundle is
the s566 register certificate, signed after submission; so there is one stored
PDF per referral without the certificate and one with it, each made once and
never replaced.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.scoping import ScopedManager, ScopedQuerySet

from .certificate import RegisterCertificate
from .referrals import LegalReferral


def _upload_to(stored: BundleFile, filename: str) -> str:
    # Grouped by case as the documents are; the name carries the reference, never a name.
    return f"bundles/case-{stored.referral.case_id}/{filename}"


class BundleFile(models.Model):
    referral = models.ForeignKey(
        LegalReferral, on_delete=models.PROTECT, related_name="bundle_files"
    )
    # The certificate printed in it; None: printed as not signed.
    certificate = models.OneToOneField(
        RegisterCertificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=_upload_to)
    checksum = models.CharField("SHA-256 of the file", max_length=64)
    rendered_at = models.DateTimeField()

    scope_lookup = "referral__case__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["BundleFile"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(certificate__isnull=True),
                name="one_unsigned_bundle_file_per_referral",
            ),
        ]

    def __str__(self) -> str:
        signed = "with the signed certificate" if self.certificate_id else "unsigned"
        return f"Bundle PDF of {self.referral}, {signed}"
