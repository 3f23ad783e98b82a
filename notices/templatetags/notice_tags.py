"""The Notice to Improve and referral sections and the readiness panel of the case page,
kept here so the cases app does not depend on the pathway engine or the
notices app."""

from __future__ import annotations

from typing import Any

from django import template

from cases.models import AttendanceCase
from core.dates import today

from ..models import LADecision, NoticeToImprove
from ..selectors import case_next_step, case_notices, case_referral
from ..selectors_penalties import LimitState, limit_state
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


@register.inclusion_tag("pathway/readiness.html", takes_context=True)
def readiness_panel(context: template.Context, case: AttendanceCase) -> dict[str, Any]:
    """The next step's checks for a case the page has already found in the
    user's scope (`notices.selectors.case_next_step`): before any notice, the
    Notice to Improve's; once one is issued, the referral's; once a referral is
    with the LA, its status.

    Read-only: nothing is stored until the lead acts. The case page's selector
    has prefetched the case's records, so this adds only the notice, referral,
    settings and figures queries."""
    user = context["request"].user
    if not user.has_perm("cases.view_case"):
        return {"next": None}
    # Reuse what the case page's selector has already read (cases.selectors_cases.
    # CaseFile), so the panel adds no second read of the meetings or the plan.
    file = context.get("file")
    if file is not None and getattr(file, "case", None) is not None and file.case.pk == case.pk:
        found = case_next_step(case=case, day=today(), meetings=file.meetings, plan=file.plan)
    else:
        found = case_next_step(case=case, day=today())
    return {
        "next": found,
        "case_id": case.pk,
        # The referral page explains what is missing and takes an early-referral
        # reason, so it is offered as soon as a notice has been issued.
        "offer_referral": found.step == "referral"
        and case.is_open
        and user.has_perm("cases.change_case"),
    }


@register.inclusion_tag("notices/case_referral.html", takes_context=True)
def case_referral_section(context: template.Context, case: AttendanceCase) -> dict[str, Any]:
    """The case's referral as the school sees it: its status, every version
    with the LA's reasons when returned, the acceptance, the decision and its
    reasons, the penalty notices with today's flags and any prosecution. A
    fixed three queries for a case the page has already found in the user's scope."""
    user = context["request"].user
    return {
        "case": case,
        "found": case_referral(user=user, case=case, day=today()),
        "can_act": case.is_open and user.has_perm("cases.change_case"),
    }


@register.simple_tag
def decision_limit(decision: LADecision) -> LimitState | None:
    """The six-month limit of a referral decision to prosecute, as at today
    (None for other decisions, and prosecutions decided before the offence
    period was asked)."""
    if decision.kind not in LADecision.PROSECUTIONS:
        return None
    return limit_state(decision.offence_last_day, decision.information_laid_on, today())
