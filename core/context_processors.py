from typing import Any

import rules
from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, Any]:
    return {"service_name": settings.SERVICE_NAME}


# Which service-navigation item a page sits under, by the start of its path.
_SECTIONS = (
    ("/notices/inbox/", "referrals"),
    ("/notices/figures/", "figures"),
    ("/cases/threshold/", "threshold"),
    ("/notices/referrals/", "referrals"),
    ("/notices/penalty-notices/", "penalties"),
    ("/notices/", "cases"),
    ("/pupils/", "pupils"),
    ("/cases/", "cases"),
    ("/first-day/", "cases"),
    ("/timetables/", "cases"),
    ("/attendance/", "attendance"),
    ("/records/retention/", "retention"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    section = next((name for prefix, name in _SECTIONS if path.startswith(prefix)), "")
    if path == "/":
        section = "home"
    return {
        "nav_section": section,
        # Asked of the rules alone: `perms` would fall through to Django's
        # ModelBackend for everyone else and cost two queries on every page.
        "nav_la_figures": rules.has_perm("notices.view_la_figures", getattr(request, "user", None)),
        "nav_retention": rules.has_perm("records.review_retention", getattr(request, "user", None)),
    }
