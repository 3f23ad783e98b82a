"""Stored pathway evaluations: what the school saw when it acted.

"Every evaluation that gates an action is stored (rule, result, evidence, when,
by whom) so the LA can see what the school saw." The checks are kept as the
JSON the API returns, not re-derived later: the records they point at may have
changed since, and the LA reviews the decision as it was made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models import AttendanceCase
from core.scoping import ScopedManager, ScopedQuerySet


class PathwayEvaluation(models.Model):
    class RuleSet(models.TextChoices):
        NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to Improve"
        REFERRAL = "referral", "Legal-intervention referral"

    case = models.ForeignKey(
        AttendanceCase, on_delete=models.PROTECT, related_name="pathway_evaluations"
    )
    rule_set = models.CharField(max_length=24, choices=RuleSet.choices)
    # The date the rules were evaluated as at (figures, "held", deadlines).
    day = models.DateField()
    allowed = models.BooleanField()
    # [{"key", "title", "met", "blocking", "evidence": [{"label", "url"}], "missing"}]
    checks = models.JSONField(default=list)
    override_reason = models.TextField(
        "why the notice goes ahead although the parents are engaging", blank=True
    )
    early_referral_reason = models.TextField(
        "why the referral is made before the improvement period ends", blank=True
    )
    evaluated_at = models.DateTimeField()
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    scope_lookup = "case__school"
    # Its evidence quotes the case file (core/scoping.py, need to know).
    case_file_lookup = "case"
    unscoped = ScopedQuerySet.as_manager()
    objects = ScopedManager["PathwayEvaluation"]()

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["-evaluated_at", "-pk"]
        indexes = [models.Index(fields=["case", "rule_set", "-evaluated_at"])]

    def __str__(self) -> str:
        result = "allowed" if self.allowed else "not allowed"
        return f"{self.get_rule_set_display()} {result} on {self.day:%d %b %Y}"
