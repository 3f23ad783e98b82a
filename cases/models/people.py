from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.upn import validate_upn


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

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Pupil"]()

    class Meta:
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


class Carer(models.Model):
    """A parent or carer, who may be linked to several pupils (siblings share carers)."""

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        APP = "app", "School app message"
        IN_PERSON = "in_person", "In person"

    title = models.CharField(max_length=20, blank=True)
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=50, default="English")
    interpreter_needed = models.BooleanField(default=False)
    literacy_support_needed = models.BooleanField(default=False)
    preferred_contact_method = models.CharField(
        max_length=16, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Carer"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["surname", "forename"]

    def __str__(self) -> str:
        return " ".join(part for part in (self.title, self.forename, self.surname) if part)

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        # A carer is visible where one of their children is.
        return Q(
            Exists(
                PupilCarer.unscoped.filter(PupilCarer.scope_filter(schools), carer=OuterRef("pk"))
            )
        )


class PupilCarer(models.Model):
    """How one carer stands to one pupil: relationship, responsibility, household."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        PARENT = "parent", "Parent"
        STEP_MOTHER = "step_mother", "Step-mother"
        STEP_FATHER = "step_father", "Step-father"
        STEP_PARENT = "step_parent", "Step-parent"
        FOSTER_CARER = "foster_carer", "Foster carer"
        CARER = "carer", "Carer"
        GRANDPARENT = "grandparent", "Grandparent"
        OTHER_RELATIVE = "other_relative", "Other relative or family member"
        CHILDMINDER = "childminder", "Childminder"
        SOCIAL_WORKER = "social_worker", "Social worker"
        DOCTOR = "doctor", "Doctor"
        TEACHER = "teacher", "Teacher"
        HEAD_TEACHER = "head_teacher", "Head teacher"
        RELIGIOUS_CONTACT = "religious_contact", "Religious contact"
        OTHER = "other", "Other contact"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="carer_links")
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="pupil_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=True)
    lives_with_pupil = models.BooleanField(default=True)
    contact_priority = models.PositiveSmallIntegerField(default=1)

    # A parent who does not live with the child is written to only once the DSL
    # has decided it is safe and appropriate (recorded: who, when, why).
    included_in_correspondence = models.BooleanField(null=True, blank=True)
    correspondence_decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correspondence_decided_at = models.DateTimeField(null=True, blank=True)
    correspondence_decision_reason = models.TextField(blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PupilCarer"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["contact_priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "carer"], name="carer_linked_once_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.carer} ({self.get_relationship_display()} of {self.pupil})"

    @property
    def receives_correspondence(self) -> bool:
        """Resident carers with parental responsibility by default; a non-resident
        parent only after a DSL decision to include them."""
        if not self.lives_with_pupil:
            return bool(self.included_in_correspondence)
        if self.included_in_correspondence is not None:
            return self.included_in_correspondence
        return self.parental_responsibility

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        return Q(pupil__in=Pupil.unscoped.filter(Pupil.scope_filter(schools)))
