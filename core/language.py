"""Rule A6: broad terms that attribute cause ("school refusal") are discouraged.
Free text is still saved; the writer is shown a gentle suggestion.

See docs/rules.md#a6-language."""

from __future__ import annotations

import re
from collections.abc import Iterable

DISCOURAGED_TERMS = (
    "school refusal",
    "school refuser",
    "school phobia",
    "school avoidance",
    "refuses to attend",
)
_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in DISCOURAGED_TERMS) + r")",
    re.IGNORECASE,
)


def discouraged_terms(*texts: str | None) -> list[str]:
    """The discouraged terms found in these texts, each once, in the order met."""
    found: list[str] = []
    for text in texts:
        for match in _PATTERN.finditer(text or ""):
            term = " ".join(match.group(1).lower().split())
            if term not in found:
                found.append(term)
    return found


def language_advice(texts: Iterable[str | None]) -> str | None:
    """The message to show after saving, or None when the wording is fine."""
    terms = discouraged_terms(*texts)
    if not terms:
        return None
    quoted = ", ".join(f"“{term}”" for term in terms)
    return (
        f"Saved. You used {quoted}. The guidance asks us to avoid broad terms that say "
        "what causes the absence: describe the specific barrier instead, for example "
        "“worried about a falling-out with friends at lunchtime”."
    )
