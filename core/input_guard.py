"""Control characters in a request are refused with a 400, never a 500.

A NUL byte in a search box (`/pupils/?q=%00`) reaches PostgreSQL, which cannot
store or compare it and raises; other control characters have no place in any
form field either. Tab, line feed and carriage return are ordinary text.
Uploaded files are not looked at here: the importers read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string

from .http import is_api_request

REASON = (
    "What you sent contains a character that cannot be typed "
    "(a control character, such as a null byte). Remove it and try again."
)
# C0 controls and DEL, less tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(values: Iterable[str]) -> bool:
    return any(_CONTROL.search(value) for value in values)


def _texts(query: QueryDict) -> Iterable[str]:
    for key, values in query.lists():
        yield key
        yield from values


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        suspect = has_control_characters(_texts(request.GET)) or has_control_characters(
            [request.path]
        )
        if (
            not suspect
            and request.method == "POST"
            and request.content_type
            in {
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            }
        ):
            suspect = has_control_characters(_texts(request.POST))
        if suspect:
            if is_api_request(request):
                return JsonResponse({"detail": REASON}, status=400)
            return HttpResponse(
                render_to_string(
                    "errors/400.html",
                    {"reason": REASON},
                    request=request,
                ),
                status=400,
            )
        return self.get_response(request)
