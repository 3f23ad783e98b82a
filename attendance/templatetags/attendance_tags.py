"""Template filters for the attendance pages.

Rates are stored and compared unrounded and shown to one decimal place (rule
A2); this filter is the one place that rounds them for display, so that a rate
reads the same on every page.
"""

from __future__ import annotations

from django import template

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
