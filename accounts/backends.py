"""Sign-in lockout (django-axes) for the web sign-in."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for sign-ins that come from a request.

    Every sign-in over the web comes with its request (Django's LoginView and
    the admin's pass it), so every remote attempt is counted and locked out.
    A call with no request is code on the server itself (the test client, a
    shell), which no outside attacker can reach; axes would refuse it outright,
    so it is let through to the password check instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
