"""Parents and carers, and how each stands to a pupil (relationship, household,
the DSL's decision on correspondence)."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet

from .pupil import Pupil

# Tables named as when these models were part of `cases` (see pupil.py).


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
        db_table = "cases_carer"
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
        db_table = "cases_pupilcarer"
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["contact_priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "carer"], name="carer_linked_once_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.carer} ({self.get_relationship_display()} of {self.pupil})"

    @property
    def is_carer(self) -> bool:
        """A parent or someone who cares for the child, rather than a professional
        or other contact (a childminder, a doctor, a social worker…)."""
        return self.relationship in CARING_RELATIONSHIPS

    @property
    def receives_correspondence(self) -> bool:
        """Who gets the school's letters about attendance (docs/rules.md,
        "Documents sent to parents"): every parent or carer who lives with the
        child, with or without parental responsibility, since "parent" in the
        Education Act 1996 (s576) includes anyone who has care of the child;
        a parent who lives elsewhere only once the DSL has decided to include
        them. A professional or other contact is written to only when recorded
        as living with the child with parental responsibility."""
        if not self.lives_with_pupil:
            return bool(self.included_in_correspondence)
        if self.included_in_correspondence is not None:
            return self.included_in_correspondence
        return self.parental_responsibility or self.is_carer

    @classmethod
    def scope_filter(cls, schools: models.QuerySet[School]) -> Q:
        return Q(pupil__in=Pupil.unscoped.filter(Pupil.scope_filter(schools)))


# A parent, or an adult who lives with and cares for the child: written to
# without a decision when they live with the pupil. The rest are contacts.
CARING_RELATIONSHIPS = frozenset(
    {
        PupilCarer.Relationship.MOTHER,
        PupilCarer.Relationship.FATHER,
        PupilCarer.Relationship.PARENT,
        PupilCarer.Relationship.STEP_MOTHER,
        PupilCarer.Relationship.STEP_FATHER,
        PupilCarer.Relationship.STEP_PARENT,
        PupilCarer.Relationship.FOSTER_CARER,
        PupilCarer.Relationship.CARER,
        PupilCarer.Relationship.GRANDPARENT,
        PupilCarer.Relationship.OTHER_RELATIVE,
    }
)
