"""A signed-in session that owes its second factor reaches nothing but the
code page, the set-up pages and sign-out.

django-otp's OTPMiddleware (before this) says whether the session's code has
been checked (`request.user.is_verified()`). After the password:
- someone with an authenticator app is asked for a code;
- someone whose role needs one and who has none is taken to set it up;
- anyone else carries on.
Every other page, the admin and the API's session sign-in included, redirects
to the right one of those, coming back to the page asked for afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .services.two_factor import has_second_factor, second_factor_required

# Whether the person has an app, noted in the session at sign-in (and by set-up
# and removal) for people whose role needs no code, so their pages pay no query
# to find out.
HAS_SECOND_FACTOR = "has_second_factor"

V = TypeVar("V", bound=Callable[..., Any])


def second_factor_not_required(view: V) -> V:
    """Marks a view an unverified session may open (the code and set-up pages,
    sign-out, and the pages open to anyone)."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


def second_factor_step(request: HttpRequest) -> str | None:
    """ "verify", "set_up" or None: what this signed-in session still owes."""
    user: Any = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if second_factor_required(user):
        return "verify" if has_second_factor(user) else "set_up"
    has = request.session.get(HAS_SECOND_FACTOR)
    if has is None:
        has = has_second_factor(user)
        request.session[HAS_SECOND_FACTOR] = has
    return "verify" if has else None


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if getattr(view_func, "second_factor_exempt", False):
            return None
        step = second_factor_step(request)
        if step is None:
            return None
        target = "two_factor_verify" if step == "verify" else "two_factor_set_up"
        return redirect_to_login(request.get_full_path(), reverse(target))


@receiver(user_logged_in)
def _note_whether_a_code_is_due(
    sender: Any, request: HttpRequest | None, user: Any, **_: Any
) -> None:
    # Answered once at sign-in, when the session is being written anyway, so
    # no later page pays a query or a session write to find out.
    if request is not None and hasattr(request, "session"):
        request.session[HAS_SECOND_FACTOR] = has_second_factor(user)
