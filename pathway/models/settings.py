from django.core.validators import MinValueValidator
from django.db import models

from accounts.models import LocalAuthority


class PathwaySettings(models.Model):
    """The numbers of the Support First pathway (rule A4), per LA. An LA with no
    row uses the defaults, which are the product's rules."""

    local_authority = models.OneToOneField(
        LocalAuthority, on_delete=models.CASCADE, related_name="pathway_settings"
    )
    minimum_meetings = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)]
    )
    contact_interval_days = models.PositiveSmallIntegerField(
        "days between contacts while a case is open", default=14, validators=[MinValueValidator(1)]
    )
    notice_period_school_days = models.PositiveSmallIntegerField(
        "Notice to Improve period (school days)", default=30
    )
    referral_within_school_days = models.PositiveSmallIntegerField(
        "referral due within (school days of telling the parents a referral will be made)",
        default=15,
    )
    notice_backdate_school_days = models.PositiveSmallIntegerField(
        "a Notice to Improve may be dated up to this many school days back", default=5
    )
    no_response_wait_school_days = models.PositiveSmallIntegerField(
        "school days after a follow-up before 'no response' counts as not engaged",
        default=10,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = "pathway settings"
        verbose_name_plural = "pathway settings"

    def __str__(self) -> str:
        return f"Pathway settings for {self.local_authority}"


DEFAULTS = PathwaySettings(
    minimum_meetings=3,
    contact_interval_days=14,
    notice_period_school_days=30,
    referral_within_school_days=15,
    notice_backdate_school_days=5,
    no_response_wait_school_days=10,
)


def settings_for(local_authority_id: int | None) -> PathwaySettings:
    found = (
        PathwaySettings.objects.filter(local_authority_id=local_authority_id).first()
        if local_authority_id
        else None
    )
    return found or DEFAULTS
