"""Contacts with the family, including the first-day response and home visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import School
from core.scoping import ScopedManager, ScopedQuerySet
from pupils.models import Pupil, PupilCarer

from .case import AttendanceCase


class Contact(models.Model):
    """A contact with the family about attendance: a call, a message, a visit.

    Belongs to the pupil at a school; to a case too when one is open (a first-day
    call is often made before there is a case)."""

    class Method(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        APP = "app", "School app message"
        HOME_VISIT = "home_visit", "Home visit"
        IN_PERSON = "in_person", "In person"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="contacts")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="contacts")
    case = models.ForeignKey(
        AttendanceCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    occurred_at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=Method.choices)
    carer = models.ForeignKey(
        PupilCarer, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    other_person = models.CharField(
        "someone else (for example an emergency contact)", max_length=200, blank=True
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts_made"
    )
    reached = models.BooleanField()
    absence_date = models.DateField(
        null=True, blank=True, help_text="The day of absence this contact is about, if any"
    )
    reason_established = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    follow_up_needed = models.BooleanField(default=False)
    follow_up = models.TextField(blank=True)
    # Home visits
    dsl_consulted = models.BooleanField(null=True, blank=True)
    concern_raised = models.BooleanField(
        "concern raised with the children's advice service", null=True, blank=True
    )
    pupil_wishes_discussed = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_lookup = "school"
    # Contacts and home visits are the case file; one kept outside any case
    # (a first-day call) is the school's alone.
    case_file_lookup = "case"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Contact"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["school", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.occurred_at:%d %b %Y}"
