"""Time, as a school sees it: "today" is the date in England, not the server's."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def now() -> dt.datetime:
    return timezone.now()
