"""Posting through a "Check your answers" page, as a browser without
JavaScript does: the form, then the check page's own hidden answers and
signed token with "Confirm"."""

from __future__ import annotations

import html
import re
from typing import Any

CHECK_FORM = re.compile(r"<form[^>]*data-check-answers[^>]*>(.*?)</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def check_page_answers(response: Any) -> list[tuple[str, str]]:
    """The hidden answers (with the token) of a check page; fails if it is not one."""
    body = response.content.decode()
    found = CHECK_FORM.search(body)
    assert found, f"not a check page (status {response.status_code}):\n{body[:3000]}"
    return [(html.unescape(n), html.unescape(v)) for n, v in HIDDEN.findall(found.group(1))]


def as_post(pairs: list[tuple[str, str]], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    data.update(extra)
    return data


def post_and_confirm(
    client: Any, url: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    """Post the form; if it shows the check page, confirm it. A form refused
    before the check page is returned as it is."""
    first = client.post(url, data or {})
    if first.status_code != 200 or b"data-check-answers" not in first.content:
        return first
    return client.post(url, as_post(check_page_answers(first), confirm="1"), **kwargs)
