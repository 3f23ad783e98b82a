from __future__ import annotations

from django.conf import settings
from django.db import models


class SecondFactorThrottle(models.Model):
    """Wrong security codes in a row for one person, and the pause they led to.

    A stolen password alone must not let someone guess six digits: after
    SECOND_FACTOR_FAILURE_LIMIT wrong codes no code is accepted until
    `locked_until`. A right code clears the count.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor_throttle"
    )
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.failures} wrong codes"
