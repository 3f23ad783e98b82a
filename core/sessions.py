"""Sessions end after a spell without use (school computers are shared).

Each session records when it was last used; a request after more than
`SESSION_IDLE_SECONDS` signs the user out before anything else happens, and
`LoginRequiredMiddleware` then sends them to sign in. The time is written back
at most once a minute, so a page does not pay for a session write on every
request. `SESSION_COOKIE_AGE` stays the longest a session may last at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "last_seen"
# How stale the stored time may get before it is written again.
WRITE_EVERY_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif last_seen is None or now - last_seen > WRITE_EVERY_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def session_started(request: HttpRequest | None) -> None:
    """Stamp a new session at sign-in, so its first page need not write it."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = time.time()
