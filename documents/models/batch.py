"""A batch of letters for a whole school (the half-term letter, issue 12), made
in the background with its progress shown, and the text messages made with it.

The pupils are chosen when the batch is asked for (`pupil_ids`), so the count
the lead confirmed is the count made. Each letter is an ordinary `Document`
(`Document.batch` points here); a text message has no file, so it is a row of
its own (`TextMessage`). Neither is made twice for the same pupil, parent and
half term: a later batch lists it as made already.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import School
from attendance.models import SchoolTerm
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil, PupilCarer


def _upload_to(batch: DocumentBatch, filename: str) -> str:
    return f"documents/school-{batch.school_id}/batch-{batch.pk}/{filename}"


class DocumentBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Making the letters"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped with an error"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    # A kind's code (documents/kinds/): "half_term".
    kind = models.CharField(max_length=40)
    # The half term, as it was when the batch was asked for: a calendar can be
    # edited or rebuilt later, and the letters keep the dates they were made for.
    term = models.ForeignKey(SchoolTerm, null=True, blank=True, on_delete=models.SET_NULL)
    term_name = models.CharField(max_length=100)
    first_day = models.DateField()
    last_day = models.DateField()
    # The figures count sessions up to here: the half term's last day, or the
    # last full day before the batch for a half term still running.
    as_at = models.DateField()
    # Pupils whose attendance in the half term is below this percentage; null
    # for every pupil on roll.
    threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    pupil_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("pupils", default=0)
    done = models.PositiveIntegerField("pupils done", default=0)
    failed = models.PositiveIntegerField("pupils with a letter not made", default=0)
    letters = models.PositiveIntegerField("letters made", default=0)
    texts = models.PositiveIntegerField("text messages made", default=0)
    already_made = models.PositiveIntegerField("letters and texts made before", default=0)
    # What could not be made, and why, for the lead to put right: a list of
    # {"pupil": name, "recipient": name, "reason": text}.
    problems = models.JSONField(default=list)
    # Letters made to parents who may need them translated or explained (their
    # language, an interpreter, reading support), for the lead to follow up:
    # {"pupil", "recipient", "needs"}.
    to_explain = models.JSONField(default=list)
    error = models.TextField(blank=True)
    # Every letter in one PDF, in the order they are to be printed.
    combined_file = models.FileField(upload_to=_upload_to, blank=True)
    combined_checksum = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["DocumentBatch"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="batch_done_within_total", condition=models.Q(done__lte=models.F("total"))
            )
        ]

    def __str__(self) -> str:
        return f"Half-term letters, {self.term_name} ({self.first_day:%d %b %Y})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 100


class TextMessage(models.Model):
    """A text message to one parent, for the school's SMS provider to send."""

    batch = models.ForeignKey(DocumentBatch, on_delete=models.PROTECT, related_name="messages")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(PupilCarer, on_delete=models.PROTECT, related_name="+")
    # Kind, half term, pupil and parent: one text per parent per half term.
    subject_key = models.CharField(max_length=120, unique=True)
    phone = models.CharField(max_length=30)
    message = models.TextField()
    parts = models.PositiveSmallIntegerField("SMS parts")
    data = models.JSONField("the data it was made from")
    made_at = models.DateTimeField()

    scope_lookup = "batch__school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["TextMessage"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"Text message {self.subject_key}"
