from django.db import models
from django.db.models import F, Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet


class SchoolTerm(models.Model):
    """A term (or half term) in which the school is due to hold sessions on weekdays."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=100, help_text="For example, Autumn 1")
    start = models.DateField()
    end = models.DateField()

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SchoolTerm"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["school", "start"]
        constraints = [
            models.CheckConstraint(
                name="term_ends_after_it_starts", condition=Q(end__gte=F("start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%d %b %Y} to {self.end:%d %b %Y})"


class SchoolClosure(models.Model):
    """A weekday inside a term on which the school holds no sessions for pupils."""

    class Kind(models.TextChoices):
        INSET = "inset", "INSET (training) day"
        BANK_HOLIDAY = "bank_holiday", "Bank holiday"
        CLOSURE = "closure", "Planned closure"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SchoolClosure"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["school", "date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="one_closure_per_school_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%d %b %Y}"


class SchoolYearDays(models.Model):
    """Which dates of an academic year are school days for a school (rule A3).

    Derived, never edited: from the calendar when the school has one for that
    year, otherwise from its registers. One character per calendar date from
    1 September, "1" for a school day. Rebuilt by
    `attendance.services.calendars.school_days_refresh` after a calendar change
    or an import.
    """

    class Source(models.TextChoices):
        CALENDAR = "calendar", "School calendar"
        REGISTERS = "registers", "Derived from the registers"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_days")
    academic_year = models.PositiveSmallIntegerField()
    days = models.TextField()
    source = models.CharField(max_length=16, choices=Source.choices)
    refreshed_at = models.DateTimeField(auto_now=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SchoolYearDays"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year"], name="one_day_map_per_school_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.academic_year}: {self.days.count('1')} school days"
