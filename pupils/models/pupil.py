"""A pupil, known across schools by their UPN, and their enrolments at schools."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat, Upper

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet

from ..upn import validate_upn

# The tables keep the names they had when these models were part of `cases`
# (Meta.db_table): moving the models to this app changed no table, so a database
# upgrades in place and main's code still reads it (pupils/migrations/0001).


class Pupil(models.Model):
    """A child, known across schools by their Unique Pupil Number."""

    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        UNKNOWN = "U", "Not known"

    upn = models.CharField("UPN", max_length=13, unique=True, validators=[validate_upn])
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    year_group = models.CharField(
        "national curriculum year", max_length=3, blank=True, help_text="R, 1 to 14"
    )

    class SenStatus(models.TextChoices):
        NONE = "", "None recorded"
        SEN_SUPPORT = "K", "SEN support"
        EHCP = "E", "Education, health and care plan"

    class SocialCare(models.TextChoices):
        NONE = "", "None recorded"
        CHILD_IN_NEED = "cin", "Child in need"
        CHILD_PROTECTION = "cp", "Child protection plan"

    # Special category data (UK GDPR art. 9 and safeguarding): shown to staff who
    # may see the pupil, to plan support, and never exported beyond the LA.
    sen_status = models.CharField(
        "special educational needs", max_length=1, choices=SenStatus.choices, blank=True
    )
    free_school_meals = models.BooleanField("eligible for free school meals", default=False)
    looked_after = models.BooleanField("looked-after child", default=False)
    social_care = models.CharField(
        "children's social care", max_length=3, choices=SocialCare.choices, blank=True
    )
    SPECIAL_CATEGORY_FIELDS = ("sen_status", "free_school_meals", "looked_after", "social_care")

    # Search by any part of a name reads this one column (pupils.selectors): on
    # PostgreSQL one trigram index can serve it, where a LIKE on each of four
    # columns made the planner scan every pupil (docs/benchmarks.md). The
    # database keeps it, so bulk creates, COPY and updates never leave it stale.
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "legal_forename",
                Value(" "),
                "legal_surname",
                Value(" "),
                "preferred_forename",
                Value(" "),
                "preferred_surname",
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Pupil"]()

    class Meta:
        db_table = "cases_pupil"
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["legal_surname", "legal_forename"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        # A pupil belongs to every school they have been enrolled at. EXISTS
        # rather than a join, so a pupil who moved school is listed once.
        return Q(Exists(Enrolment.unscoped.filter(pupil=OuterRef("pk"), school__in=schools)))


class Enrolment(models.Model):
    """A pupil on a school's admission register from `start` to `end` (open while on roll)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    scope_lookup = "school"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Enrolment"]()

    class Meta:
        db_table = "cases_enrolment"
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                name="enrolment_ends_after_it_starts",
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
            ),
            models.UniqueConstraint(
                fields=["pupil", "school"],
                condition=Q(end__isnull=True),
                name="one_open_enrolment_per_pupil_per_school",
            ),
        ]
        indexes = [models.Index(fields=["school", "end"])]

    def __str__(self) -> str:
        return f"{self.pupil} at {self.school} from {self.start:%d %b %Y}"
