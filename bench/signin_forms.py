"""Reading the sign-in pages as a browser would, for bench/locustfile.py: the
forms, their hidden fields, and whether a page asks for a one-time code. Kept
apart from the locustfile so it can be tested without starting Locust (which
patches the standard library for gevent when imported)."""

from __future__ import annotations

import html
import re

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
_ACTION = re.compile(r'action="([^"]*)"')
_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_NAME = re.compile(r'name="([^"]+)"')
_VALUE = re.compile(r'value="([^"]*)"')
# The field a two-factor step asks for, whatever the form calls it.
CODE_FIELDS = ("otp_token", "token", "code", "otp", "otp_code", "verification_code")


def forms(text: str) -> list[tuple[str, list[str], dict[str, str]]]:
    """Each form's action, the names of its visible inputs and its hidden fields."""
    found = []
    for form in _FORM.findall(text):
        action = _ACTION.search(form.split(">", 1)[0])
        fields, hidden = [], {}
        for tag in _INPUT.findall(form):
            name = _NAME.search(tag)
            if name is None:
                continue
            if 'type="hidden"' in tag:
                value = _VALUE.search(tag)
                hidden[name.group(1)] = html.unescape(value.group(1)) if value else ""
            else:
                fields.append(name.group(1))
        found.append((html.unescape(action.group(1)) if action else "", fields, hidden))
    return found


def form_with(text: str, ending: str) -> tuple[str, list[str], dict[str, str]] | None:
    """The first form with a visible field whose name ends with `ending`."""
    return next((f for f in forms(text) if any(n.endswith(ending) for n in f[1])), None)


def code_form(text: str) -> tuple[str, str, dict[str, str]] | None:
    """(action, the code field's name, the hidden fields) of a form asking for a
    one-time code and no password, or None: detected, not assumed, so the file
    works with or without two-factor sign-in. A multi-step form may prefix the
    field with its step ("token-otp_token")."""
    for action, fields, hidden in forms(text):
        if any(n.endswith("password") for n in fields):
            continue
        field = next((n for n in fields if n.split("-")[-1] in CODE_FIELDS), None)
        if field is not None:
            return action, field, hidden
    return None
