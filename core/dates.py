"""Time, as a school sees it: "today" is the date in England, not the server's."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def now() -> dt.datetime:
    return timezone.now()


def last_full_day() -> dt.date:
    """Yesterday in England: the latest day whose registers are complete. The
    dashboards' figures are as at this day, so today's open registers do not
    show as missing marks."""
    return today() - dt.timedelta(days=1)


def long_date(day: dt.date) -> str:
    """ "4 March 2026": how a date is written in pages, messages and letters."""
    return f"{day.day} {day:%B %Y}"
