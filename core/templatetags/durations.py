import datetime as dt

from django import template

register = template.Library()


@register.filter
def in_minutes(duration: dt.timedelta | None) -> str:
    """A pause as people say it: "15 minutes", "1 minute"."""
    if not duration:
        return ""
    minutes = max(1, round(duration.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
