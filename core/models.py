from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One change (or sign-in) made by one person: who, when, what.

    Rows are only ever added. `target_type`/`target_id` name the record changed
    without a foreign key, so the trail outlives the record.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_IN_LOCKED_OUT = "sign_in_locked_out", "Signing in paused after failures"
        PASSWORD_RESET = "password_reset", "Password reset"
        IMPORT = "import", "Imported"
        VIEW_SENSITIVE = "view_sensitive", "Viewed sensitive record"
        SECOND_FACTOR_SET_UP = "second_factor_set_up", "Two-factor authentication set up"
        SECOND_FACTOR_REMOVED = "second_factor_removed", "Two-factor authentication removed"
        SECOND_FACTOR_RESET = "second_factor_reset", "Two-factor authentication reset"
        SECOND_FACTOR_VERIFIED = "second_factor_verified", "Security code accepted"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Wrong security code"
        SECOND_FACTOR_LOCKED_OUT = "second_factor_locked_out", "Security codes paused"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", "New recovery codes made"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    school = models.ForeignKey(
        "accounts.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_label}"


class FormSubmission(models.Model):
    """A form post that has been acted on, by the hash of who sent what where,
    so that the same post again (a double click, a resent form, a retry after a
    slow reply) is answered with what the first made instead of a second record.
    See core/once.py."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Where the first post's answer sent the user: the record it made.
    answered_with = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:12]} by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
