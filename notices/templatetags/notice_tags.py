"""The Notice to Improve section of the case page, kept here so the cases app
does not depend on the notices app."""

from __future__ import annotations

from typing import Any

from django import template

from cases.models import AttendanceCase
from core.dates import today

from ..models import NoticeToImprove
from ..selectors import case_notices
from ..services.notices import may_issue

register = template.Library()


@register.inclusion_tag("notices/case_notices.html", takes_context=True)
def case_notices_section(context: template.Context, case: AttendanceCase) -> dict[str, Any]:
    """The case's notices, for a case the page has already found in the user's
    scope: one query for the notices and their recipients (plus the calendar
    while one is running)."""
    user = context["request"].user
    return {
        "case": case,
        "found": case_notices(case=case, day=today()),
        "can_act": may_issue(user) and user.has_perm("cases.change_case"),
    }


@register.simple_tag(takes_context=True)
def may_issue_notice(context: template.Context, case_id: int, allowed: bool) -> bool:
    """Whether the readiness panel offers "Issue a Notice to Improve": the rule
    set allows it, the user is the school's lead or DSL, and the case is open
    with no notice running. One query, and only when the rule set allows it.

    The panel's own context is the inclusion tag's, without the page's: the
    request is still on it (a copied RequestContext keeps it)."""
    request = getattr(context, "request", None)
    user = getattr(request, "user", None)
    if not allowed or user is None or not may_issue(user):
        return False
    if not user.has_perm("cases.change_case"):
        return False
    return (
        AttendanceCase.objects.for_user(user)
        .filter(pk=case_id, status=AttendanceCase.Status.OPEN)
        .exclude(notices__outcome=NoticeToImprove.Outcome.PENDING)
        .exists()
    )
