from django.db import models

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil


class PupilFigures(models.Model):
    """A pupil's figures at one school as at a date: what dashboards and the LA
    overview list, refreshed nightly and after every import.

    Counts cover this school's enrolment only (rule A2: a school's figures count
    its own enrolments); the national-threshold count covers every enrolment
    (rule A3). A pupil's own page computes live from the registers instead.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="figures")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pupil_figures")
    as_at = models.DateField()
    on_roll = models.BooleanField(help_text="On roll at this school on the as-at date")
    possible_sessions = models.PositiveIntegerField()
    attended_sessions = models.PositiveIntegerField()
    authorised_absence_sessions = models.PositiveIntegerField()
    unauthorised_absence_sessions = models.PositiveIntegerField()
    missing_marks = models.PositiveIntegerField()
    unauthorised_last_10_school_weeks = models.PositiveIntegerField()
    national_threshold_met = models.BooleanField()
    persistent_absence = models.BooleanField()
    severe_absence = models.BooleanField()
    refreshed_at = models.DateTimeField()

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PupilFigures"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school"], name="one_figures_row_per_pupil_school"
            )
        ]
        indexes = [models.Index(fields=["school", "as_at"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.school_id} as at {self.as_at}"

    @property
    def absence_sessions(self) -> int:
        return self.authorised_absence_sessions + self.unauthorised_absence_sessions

    @property
    def attendance_rate(self) -> float | None:
        if not self.possible_sessions:
            return None
        return self.attended_sessions / self.possible_sessions * 100

    @property
    def absence_rate(self) -> float | None:
        if not self.possible_sessions:
            return None
        return self.absence_sessions / self.possible_sessions * 100


class SchoolWeekFigures(models.Model):
    """A school's whole-school attendance in one week, as at the refresh that
    stored it: the dashboard's weekly trend, read in one query however large
    the school (refreshed with PupilFigures, nightly and after every import)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="week_figures")
    week_start = models.DateField(help_text="The Monday of the week")
    as_at = models.DateField()
    possible_sessions = models.PositiveIntegerField()
    attended_sessions = models.PositiveIntegerField()

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SchoolWeekFigures"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "week_start"], name="one_week_figures_row_per_school_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} week of {self.week_start} as at {self.as_at}"


class SchoolFigures(models.Model):
    """A school's summary as at the refresh that stored it: the totals of its
    `PupilFigures` (pupils on roll, sessions, pupils in persistent and severe
    absence, at the national threshold, missing marks), so the LA overview reads
    one row a school instead of adding up every pupil in the LA on each visit.
    Written with PupilFigures, nightly and after every import."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="figures")
    as_at = models.DateField()
    pupils = models.PositiveIntegerField(help_text="On roll on the as-at date")
    possible_sessions = models.PositiveIntegerField()
    attended_sessions = models.PositiveIntegerField()
    persistent_absence = models.PositiveIntegerField()
    severe_absence = models.PositiveIntegerField()
    national_threshold_met = models.PositiveIntegerField()
    missing_marks = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SchoolFigures"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        verbose_name_plural = "school figures"

    def __str__(self) -> str:
        return f"{self.school_id} as at {self.as_at}"
