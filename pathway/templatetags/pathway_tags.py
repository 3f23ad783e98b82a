"""The readiness panel on the case page, kept here so the cases app does not
depend on the pathway engine."""

from __future__ import annotations

from typing import Any

from django import template

from cases.models import AttendanceCase
from core.dates import today

from ..rules import readiness

register = template.Library()


@register.inclusion_tag("pathway/readiness.html", takes_context=True)
def pathway_readiness(context: template.Context, case: AttendanceCase) -> dict[str, Any]:
    """Both rule sets for a case the page has already found in the user's scope.

    Read-only: nothing is stored until the lead acts. The case page's selector
    has prefetched the case's records, so this adds only the notice, settings
    and figures queries."""
    user = context["request"].user
    if not user.has_perm("cases.view_case"):
        return {"readiness": None}
    # Reuse what the case page's selector has already read (cases.selectors_cases.
    # CaseFile), so the panel adds no second read of the meetings or the plan.
    file = context.get("file")
    if file is not None and getattr(file, "case", None) is not None and file.case.pk == case.pk:
        found = readiness(case, day=today(), meetings=file.meetings, plan=file.plan)
    else:
        found = readiness(case, day=today())
    return {
        "readiness": found,
        "sets": [
            {
                "id": "nti",
                "heading": "Notice to Improve",
                "question": "Ready to issue a Notice to Improve",
                "evaluation": found.notice_to_improve,
            },
            {
                "id": "referral",
                "heading": "Referral for legal intervention",
                "question": "Ready to submit a referral",
                "evaluation": found.referral,
            },
        ],
        # The referral page explains what is missing and takes an early-referral
        # reason, so it is offered as soon as a notice has been issued.
        "offer_referral": case.is_open
        and user.has_perm("cases.change_case")
        and any(c.key == "notice_issued" and c.met for c in found.referral.checks),
    }
