"""A document made from the record: a letter to one parent, a penalty notice.

Stored as made, never regenerated silently: a new version is a new record, and
the one it replaces is marked superseded (who, when, why), so what was sent can
always be shown as it was. The data it was made from is stored with it (a
JSON snapshot of what the template was given) and its file's sha256.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet
from notices.models import NoticeToImprove, PenaltyNotice
from pupils.models import Pupil, PupilCarer


def _upload_to(document: Document, filename: str) -> str:
    # Grouped by case (or, for a letter to every family, by school); the name
    # carries the kind and version, never a name.
    if document.case_id is None:
        return f"documents/school-{document.school_id}/{filename}"
    return f"documents/case-{document.case_id}/{filename}"


class Document(models.Model):
    # Null for a letter made for a pupil who need not have a case (the
    # half-term letter): `pupil` and `school` say whom it is about and who sent it.
    case = models.ForeignKey(
        AttendanceCase, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The batch that made it (documents/models/batch.py), if any.
    batch = models.ForeignKey(
        "documents.DocumentBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # A kind's code (documents/kinds/): "notice_to_improve", "penalty_notice"…
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    # What the document is about, where it is about one record.
    notice = models.ForeignKey(
        NoticeToImprove, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    penalty_notice = models.ForeignKey(
        PenaltyNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    # The parent or carer a letter is addressed to (null for a document to no one).
    recipient = models.ForeignKey(
        PupilCarer, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    # Kind, record and recipient in one string: versions of the same document
    # share it, and only one of them is current (the constraint below).
    subject_key = models.CharField(max_length=120)
    version = models.PositiveSmallIntegerField(default=1)
    reference = models.CharField(max_length=60)
    file = models.FileField(upload_to=_upload_to)
    checksum = models.CharField("SHA-256 of the file", max_length=64)
    data = models.JSONField("the data it was made from")
    # How the sender will make sure the recipient can read it (their language,
    # literacy), recorded before it was made; and a translation, if uploaded.
    translation_note = models.TextField(blank=True)
    translated_file = models.FileField(upload_to=_upload_to, blank=True)
    translated_checksum = models.CharField(max_length=64, blank=True)
    translated_language = models.CharField(max_length=50, blank=True)
    translated_at = models.DateTimeField(null=True, blank=True)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField()
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_reason = models.TextField(blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Document"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["kind", "subject_key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=Q(superseded_at__isnull=True),
                name="document_one_current_version",
            ),
            models.UniqueConstraint(
                fields=["subject_key", "version"], name="document_version_once"
            ),
            models.CheckConstraint(
                name="document_superseded_has_when_and_why",
                # superseded_by is set just after: the new version can only be
                # saved once this one has stopped being current.
                condition=Q(superseded_at__isnull=True) | ~Q(superseded_reason=""),
            ),
            models.CheckConstraint(
                name="document_about_a_case_or_a_pupil_at_a_school",
                condition=Q(case__isnull=False) | Q(pupil__isnull=False, school__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        # A case's documents belong to the case's school; a document with no
        # case, to the school that made it.
        return Q(case__school__in=schools) | Q(case__isnull=True, school__in=schools)

    @property
    def issuing_school(self) -> School:
        school = self.case.school if self.case is not None else self.school
        assert school is not None  # a document without a case has a school (the constraint)
        return school

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def filename(self) -> str:
        marked = "" if self.is_current else "-superseded"
        return f"{self.reference.lower().replace('/', '-')}{marked}.pdf"
