"""Register marks: one compact row per pupil, school and academic year.

See docs/adr/0002-marks-as-a-string-per-pupil-year.md: a whole LA's year is
about 130,000 rows instead of 50 million, loads with one COPY, and every figure
is a count of characters in a slice of a string.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil

from ..years import year_label


class RegisterYear(models.Model):
    """A pupil's register marks at one school for one academic year.

    `marks` holds two characters per calendar date from 1 September (AM, PM):
    the one-character form of each code (attendance.codes), "-" for no mark and
    "#" for no session. `originals` keeps the legacy code a mark was mapped
    from, by position, e.g. {"14": "H"}.
    """

    class Origin(models.TextChoices):
        SCHOOL = "school", "The school's own register"
        TRANSFER = "transfer", "History from another school's file"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="registers")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="registers")
    academic_year = models.PositiveSmallIntegerField()
    marks = models.TextField()
    originals = models.JSONField(default=dict, blank=True)
    # A school's own marks are evidence that can lead to a fine; history that
    # another school's file carried is kept only until the school's own register
    # arrives, and never replaces it (docs/rules.md#imports).
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SCHOOL)
    supplied_by = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For history: the school whose file carried these marks.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["RegisterYear"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school", "academic_year"], name="one_register_per_pupil_year"
            )
        ]
        indexes = [models.Index(fields=["school", "academic_year"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.school_id}, {year_label(self.academic_year)}"

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        # The figures for a pupil count every enrolment (rule A2), so a school
        # that may see a pupil may also see the marks from their earlier schools.
        return Q(pupil__in=Pupil.unscoped.filter(Pupil.scope_filter(schools)))


class ImportBatch(models.Model):
    """One import of a CTF or a marks CSV: the file, who sent it, and its report."""

    class Kind(models.TextChoices):
        CTF = "ctf", "Common Transfer File (XML)"
        MARKS_CSV = "marks_csv", "Register marks (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Not imported: the file has errors"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Whose records the import may change: one school, or (an LA officer's
    # import) every school of one LA. See attendance.services.imports.ImportScope.
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    local_authority = models.ForeignKey(
        "accounts.LocalAuthority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ImportBatch"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name} ({self.get_status_display()})"


class MarkChange(models.Model):
    """A mark replaced by a later import: the register's history (who, when, what)."""

    register = models.ForeignKey(RegisterYear, on_delete=models.CASCADE, related_name="changes")
    position = models.PositiveSmallIntegerField()
    date = models.DateField()
    session = models.CharField(max_length=2)
    old_code = models.CharField(max_length=3)
    new_code = models.CharField(max_length=3)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["MarkChange"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-changed_at", "date", "session"]
        indexes = [models.Index(fields=["register", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.session}: {self.old_code} → {self.new_code}"

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        return Q(register__in=RegisterYear.unscoped.filter(RegisterYear.scope_filter(schools)))
