"""Barriers, reasonable adjustments, support offered, and parental engagement."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.scoping import ScopedManager, ScopedQuerySet

from .case import AttendanceCase, CaseRecord


class Barrier(CaseRecord):
    """A barrier to attendance identified with the family."""

    class Kind(models.TextChoices):
        UNIFORM = "uniform", "Uniform"
        PEER_CONFLICT = "peer_conflict", "Peer conflict"
        LEARNING_NEEDS = "learning_needs", "Learning needs or SEND"
        ANXIETY = "anxiety", "Anxiety or emotional wellbeing"
        BULLYING = "bullying", "Bullying"
        TRANSPORT = "transport", "Transport"
        PARENTAL_ILLNESS = "parental_illness", "Parental illness"
        YOUNG_CARER = "young_carer", "Young carer"
        FINANCIAL_HARDSHIP = "financial_hardship", "Financial hardship"
        ROUTINES = "routines", "Routines"
        HOUSING = "housing", "Housing"
        OTHER = "other", "Other"

    class Factor(models.TextChoices):
        PUSH = "push", "Push (away from school)"
        PULL = "pull", "Pull (towards home)"

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="barriers")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    factor = models.CharField("push or pull", max_length=4, choices=Factor.choices)
    description = models.TextField()
    risk_factors = models.TextField(blank=True)
    resilience_factors = models.TextField(blank=True)
    identified_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["Barrier"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["identified_on", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class ReasonableAdjustment(CaseRecord):
    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="adjustments")
    barrier = models.ForeignKey(
        Barrier, null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustments"
    )
    description = models.TextField()
    made_on = models.DateField()

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["ReasonableAdjustment"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["made_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]


class SupportOffer(CaseRecord):
    """Support offered to the pupil or family, and what came of it."""

    class Provider(models.TextChoices):
        SCHOOL = "school", "School"
        EARLY_HELP = "early_help", "Early Help"
        CAMHS = "camhs", "CAMHS"
        SCHOOL_NURSE = "school_nurse", "School nurse"
        VOLUNTARY = "voluntary", "Voluntary sector"
        SOCIAL_CARE = "social_care", "Children's social care"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        AWAITING = "awaiting", "Waiting for a response"
        ENGAGED = "engaged", "Accepted and engaged"
        NOT_ENGAGED = "not_engaged", "Accepted, not engaged"
        DECLINED = "declined", "Declined"
        NO_RESPONSE = "no_response", "No response"
        INSUFFICIENT = "insufficient", "Engaged without sufficient improvement"

    class Method(models.TextChoices):
        """How an offer, or a further attempt to get an answer, was made."""

        LETTER = "letter", "Letter"
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        IN_PERSON = "in_person", "In person"
        MEETING = "meeting", "At a Support First meeting"
        HOME_VISIT = "home_visit", "Home visit"

    # Outcomes that close an offer as "exhausted" for rule A4. "No response"
    # joins them only after a further attempt and a wait
    # (cases.services.support.offer_standings).
    EXHAUSTED = (Outcome.NOT_ENGAGED, Outcome.DECLINED, Outcome.INSUFFICIENT)

    case = models.ForeignKey(AttendanceCase, on_delete=models.CASCADE, related_name="offers")
    barrier = models.ForeignKey(
        Barrier, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    what = models.TextField("support offered")
    # What a parent reads about this offer in a letter. Staff notes (`what`,
    # the outcome note) never go into a letter; an offer with no family
    # wording is left out of letters altogether.
    for_family = models.TextField("for the family", blank=True)
    provider = models.CharField("by whom", max_length=16, choices=Provider.choices)
    provider_detail = models.CharField(max_length=200, blank=True)
    offered_on = models.DateField()
    # Blank only for offers recorded before the method was asked for.
    method = models.CharField(
        "how it was offered", max_length=16, choices=Method.choices, blank=True
    )
    # The member of staff who made the offer (null only before this was asked for).
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="offered by",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.AWAITING)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["SupportOffer"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["offered_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.what[:50]}"


class OfferFollowUp(CaseRecord):
    """A further attempt to get an answer to a support offer that has had none.

    A "no response" counts as not engaged only after a further attempt by another
    method or by another member of staff, and a wait (rule A4, docs/rules.md)."""

    case = models.ForeignKey(
        AttendanceCase, on_delete=models.CASCADE, related_name="offer_follow_ups"
    )
    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="follow_ups")
    followed_up_on = models.DateField("date of the follow-up")
    method = models.CharField(max_length=16, choices=SupportOffer.Method.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="followed up by",
    )
    note = models.TextField(blank=True)

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["OfferFollowUp"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["followed_up_on", "pk"]

    def __str__(self) -> str:
        return f"Follow-up by {self.get_method_display().lower()} on {self.followed_up_on:%d %b %Y}"


class EngagementAssessment(CaseRecord):
    """How the parents are engaging with support, as judged on a date, and why."""

    class Level(models.TextChoices):
        ENGAGING = "engaging", "Engaging"
        PARTLY = "partly", "Partly engaging"
        NOT_ENGAGING = "not_engaging", "Not engaging"

    case = models.ForeignKey(
        AttendanceCase, on_delete=models.CASCADE, related_name="engagement_assessments"
    )
    assessed_on = models.DateField()
    level = models.CharField(max_length=16, choices=Level.choices)
    reason = models.TextField()

    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["EngagementAssessment"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} on {self.assessed_on:%d %b %Y}"
