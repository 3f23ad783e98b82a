from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


def acting_user(request: HttpRequest) -> User:
    """The signed-in user. Every view but sign-in and /healthz requires one
    (LoginRequiredMiddleware), so here it is a User, never anonymous."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("A signed-in user is required.")
    return user


API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    """A request to the JSON API, whose callers are programs: its errors are
    JSON too, never the HTML pages people see."""
    return request.path.startswith(API_PREFIX)
