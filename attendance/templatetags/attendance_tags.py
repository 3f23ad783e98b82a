"""Template filters for the attendance pages.

Rates are stored and compared unrounded and shown to one decimal place (rule
A2); this filter is the one place that rounds them for display, so that a rate
reads the same on every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.urls import reverse

from core.dates import today

from ..services.calendars import school_days_estimated

register = template.Library()

NO_FIGURE = "\u2013"  # an en dash, as GOV.UK tables show "no figure"


@register.filter
def percent(value: float | None, empty: str = NO_FIGURE) -> str:
    """12.345 → "12.3%". No figure (no possible sessions) → `empty`:
    `{{ rate|percent }}` gives an en dash, `{{ rate|percent:"No sessions yet" }}` says so."""
    if value is None or value == "":
        return empty
    return f"{float(value):.1f}%"


@register.filter
def year_group(value: str) -> str:
    """A national curriculum year as people say it: "R" → "Reception", "5" → "Year 5"."""
    if not value:
        return "Not known"
    if value.upper() == "R":
        return "Reception"
    if value.upper().startswith("N"):
        return f"Nursery {value[1:]}".strip()
    return f"Year {value}"


@dataclass(frozen=True)
class SchoolDaysEstimate:
    estimated: bool
    # Where the user can add the school's term dates; None when they cannot.
    calendar_url: str | None


@register.simple_tag(takes_context=True)
def school_days_estimate(
    context: template.Context,
    school_id: int,
    after: dt.date | None = None,
    until: dt.date | None = None,
    count: int | None = None,
    known: bool | None = None,
) -> SchoolDaysEstimate:
    """Whether dates counted in school days after `after` (today when not given)
    up to `until`, or to the `count`th school day, rest on the working-day
    estimate (rule A3: no calendar, beyond the latest mark), for the pages that
    show such a date to say so and ask for the school's term dates. A page that
    has already worked it out passes it as `known`."""
    if isinstance(known, bool):
        estimated = known
    else:
        estimated = school_days_estimated(
            school_id=school_id, day=after or today(), until=until or None, count=count or None
        )
    request = getattr(context, "request", None) or context.get("request")
    user = getattr(request, "user", None)
    url = None
    if estimated and getattr(user, "is_staff", False):
        url = f"{reverse('admin:attendance_schoolterm_changelist')}?school__id__exact={school_id}"
    return SchoolDaysEstimate(estimated, url)
