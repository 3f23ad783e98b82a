"""Unique Pupil Numbers, checked the way the DfE's UPN guidance defines them.

A UPN is 13 characters: a check letter, the issuing LA's three-digit number,
the school's four-digit establishment number, two digits for the year of issue
and a three-digit serial. A temporary UPN ends in a letter instead of the last
serial digit. Any three-digit LA number is accepted: LAs are created and
renumbered (838 Dorset, 940-943 since 2019), and a list would refuse their
pupils. See docs/rules.md#upn.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError

# The 23 letters the DfE uses for check letters and temporary UPNs: I, O and S
# are left out because they read as 1, 0 and 5.
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 characters after it: each character's value
    (a digit's own value, a letter's position in CHECK_LETTERS) weighted 2 to
    13 from left to right, the sum taken modulo 23."""
    total = sum(weight * _value(char) for weight, char in enumerate(body, start=2))
    return CHECK_LETTERS[total % 23]


# An import checks each pupil's UPN on every one of their marks; a file names a
# few thousand pupils.
@lru_cache(maxsize=65536)
def upn_problem(value: str) -> str | None:
    """What is wrong with `value` as a UPN, in words for the person who typed or
    exported it; None when it is a valid UPN (permanent or temporary)."""
    if len(value) != 13:
        return f"a UPN has 13 characters; this has {len(value)}"
    first, middle, last = value[0], value[1:12], value[12]
    if first not in CHECK_LETTERS:
        return (
            f"a UPN starts with its check letter (A to Z, but not I, O or S); this starts "
            f"with {first!r}"
        )
    for position, char in enumerate(middle, start=2):
        if not char.isascii() or not char.isdigit():
            return (
                "characters 2 to 12 of a UPN are digits (the LA number, the school's "
                f"number, the year and the serial number); character {position} is {char!r}"
            )
    if not (last.isascii() and last.isdigit()) and last not in CHECK_LETTERS:
        return (
            "the last character of a UPN is a digit, or in a temporary UPN a letter "
            f"(not I, O or S); this ends with {last!r}"
        )
    expected = upn_check_letter(value[1:])
    if first != expected:
        return (
            f"the check letter {first} does not match the other 12 characters, which give "
            f"{expected}: a character was probably mistyped"
        )
    return None


def validate_upn(value: str) -> None:
    """The `Pupil.upn` field's validator: a form or `full_clean` refuses an invalid UPN."""
    problem = upn_problem(value)
    if problem is not None:
        raise ValidationError(
            f"Enter a valid UPN: {problem}. For example D926215520105.", code="invalid_upn"
        )


def _value(char: str) -> int:
    return int(char) if char.isdigit() else CHECK_LETTERS.index(char)
