from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.services.two_factor import (
    has_second_factor,
    recovery_codes_left,
    second_factor_required,
)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """Your account: who you are signed in as, and your two-factor authentication."""
    user: Any = request.user
    has = has_second_factor(user)
    return render(
        request,
        "accounts/account.html",
        {
            "has_second_factor": has,
            "second_factor_required": second_factor_required(user),
            "recovery_codes_left": recovery_codes_left(user) if has else 0,
        },
    )
