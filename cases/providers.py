"""What cases provides to the apps below it, through their hooks (core/hooks.py).
`CasesConfig.ready()` plugs each one in."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from pupils.models import Pupil

from .selectors_cases import open_case_for


def open_case_panel(request: HttpRequest, pupil: Pupil) -> SafeString:
    """On the pupil's attendance page: their open case that the user can see,
    or the button to open one."""
    open_case = open_case_for(user=request.user, pupil_id=pupil.pk)
    return render_to_string(
        "cases/includes/case_action.html",
        {"pupil": pupil, "open_case": open_case},
        request=request,
    )
