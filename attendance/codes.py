"""The 2024 register code set (School Attendance (Pupil Registration) (England)
Regulations 2024), as data: each code's category, whether it is a possible
session, and the one character that stands for it in a mark string.

Mark strings (CTF `AttendanceMarks`, and our own storage) hold two characters per
calendar date, AM then PM. Two-character codes have one-character forms (rule A1);
`-` is "no mark" and `#` is "no session".

See docs/rules.md#a1-codes-and-categories.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Category(enum.StrEnum):
    PRESENT = "present"
    APPROVED_EDUCATIONAL_ACTIVITY = "aea"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_COUNTED = "not_counted"
    ADMINISTRATIVE = "administrative"

    @property
    def is_possible(self) -> bool:
        """Counts as a possible session (the denominator of every rate)."""
        return self in POSSIBLE_CATEGORIES

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


POSSIBLE_CATEGORIES = frozenset(
    {
        Category.PRESENT,
        Category.APPROVED_EDUCATIONAL_ACTIVITY,
        Category.AUTHORISED,
        Category.UNAUTHORISED,
    }
)
CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.APPROVED_EDUCATIONAL_ACTIVITY: "Approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_COUNTED: "Not counted",
    Category.ADMINISTRATIVE: "Administrative",
}


@dataclass(frozen=True)
class Code:
    code: str
    char: str
    category: Category
    meaning: str


NO_MARK = "-"
NO_SESSION = "#"

_P, _A = Category.PRESENT, Category.APPROVED_EDUCATIONAL_ACTIVITY
_AU, _UN = Category.AUTHORISED, Category.UNAUTHORISED
_NC, _AD = Category.NOT_COUNTED, Category.ADMINISTRATIVE

CODES: tuple[Code, ...] = (
    Code("/", "/", _P, "Present (AM)"),
    Code("\\", "\\", _P, "Present (PM)"),
    Code("L", "L", _P, "Late, arrived before the register closed"),
    Code("K", "K", _A, "Education provision arranged by the local authority"),
    Code("V", "V", _A, "Educational visit or trip"),
    Code("P", "P", _A, "Approved sporting activity"),
    Code("W", "W", _A, "Work experience"),
    Code("B", "B", _A, "Other approved educational activity"),
    Code("C1", "<", _AU, "Leave: regulated performance or employment abroad"),
    Code("M", "M", _AU, "Leave: medical or dental appointment"),
    Code("J1", "?", _AU, "Leave: interview"),
    Code("S", "S", _AU, "Leave: study leave"),
    Code("C2", ">", _AU, "Leave: part-time timetable"),
    Code("C", "C", _AU, "Leave: exceptional circumstances"),
    Code("T", "T", _AU, "Parent travelling for occupational purposes"),
    Code("R", "R", _AU, "Religious observance"),
    Code("I", "I", _AU, "Illness"),
    Code("E", "E", _AU, "Suspended or excluded, no alternative provision"),
    Code("G", "G", _UN, "Holiday not granted by the school"),
    Code("N", "N", _UN, "Reason not yet established"),
    Code("O", "O", _UN, "Absent in other or unknown circumstances"),
    Code("U", "U", _UN, "Arrived after the register closed"),
    Code("X", "X", _NC, "Not required to attend (non-compulsory school age)"),
    Code("Q", "Q", _NC, "Unable to attend: lack of access arrangements"),
    Code("Y1", "$", _NC, "Unable to attend: transport not available"),
    # Y2 has no published one-character form; '^' is ours, used only in storage.
    Code("Y2", "^", _NC, "Unable to attend: widespread travel disruption"),
    Code("Y3", "%", _NC, "Unable to attend: part of the premises closed"),
    Code("Y4", "`", _NC, "Unable to attend: whole school closed"),
    Code("Y5", ":", _NC, "Unable to attend: in criminal justice detention"),
    Code("Y6", "|", _NC, "Unable to attend: public health guidance or law"),
    Code("Y7", "_", _NC, "Unable to attend: any other unavoidable cause"),
    Code("D", "D", _NC, "Dual registered: at the other school"),
    Code("Z", "Z", _AD, "Prospective pupil, not yet on roll"),
    Code("#", "#", _AD, "Planned whole-school closure"),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}
BY_CHAR: dict[str, Code] = {c.char: c for c in CODES}

# Pre-2024 codes, mapped on import; the original is kept beside the mapped mark.
LEGACY_CODES: dict[str, str] = {
    "H": "C",
    "F": "C",
    "J": "J1",
    "Y": "Y7",
    **{f"X0{n}": "X" for n in range(1, 8)},
    "I01": "I",
    "I02": "I",
}
# Legacy codes that can stand as one character inside a CTF mark string.
LEGACY_CHARS: dict[str, str] = {k: v for k, v in LEGACY_CODES.items() if len(k) == 1}

# Characters a CTF mark string may hold: the one-character forms of rule A1,
# "no mark", and the one-character legacy codes. Our private '^' (Y2) is not one.
CTF_MARK_CHARS = frozenset(set(BY_CHAR) - {"^"} | {NO_MARK} | set(LEGACY_CHARS))
STORAGE_CHARS = frozenset(set(BY_CHAR) | {NO_MARK})

PRESENT_CHARS = "".join(c.char for c in CODES if c.category is _P)
AEA_CHARS = "".join(c.char for c in CODES if c.category is _A)
AUTHORISED_CHARS = "".join(c.char for c in CODES if c.category is _AU)
UNAUTHORISED_CHARS = "".join(c.char for c in CODES if c.category is _UN)
ATTENDED_CHARS = PRESENT_CHARS + AEA_CHARS
ABSENCE_CHARS = AUTHORISED_CHARS + UNAUTHORISED_CHARS
POSSIBLE_CHARS = ATTENDED_CHARS + ABSENCE_CHARS


_CTF_BYTES = "".join(sorted(CTF_MARK_CHARS | {NO_SESSION})).encode("ascii")
_STORAGE_BYTES = "".join(sorted(STORAGE_CHARS | {NO_SESSION})).encode("ascii")


def unknown_mark_chars(marks: str, *, stored: bool = False) -> str:
    """The characters of a mark string that are not marks ("" when all are).

    One pass in C (bytes.translate deletes the known ones), because a whole LA's
    year is 50 million characters to check.
    """
    try:
        data = marks.encode("ascii")
    except UnicodeEncodeError:
        return "".join(sorted({c for c in marks if not c.isascii()}))
    rest = data.translate(None, _STORAGE_BYTES if stored else _CTF_BYTES)
    return "".join(sorted(set(rest.decode("ascii"))))


class UnknownCode(ValueError):
    pass


@dataclass(frozen=True)
class Mapped:
    """A code as it will be stored, and the original when it was a legacy code."""

    code: Code
    original: str | None


def resolve_code(raw: str) -> Mapped:
    """A register code as written in a CSV (e.g. "C1", "/", legacy "H")."""
    value = raw.strip()
    value = value if value in BY_CODE else value.upper()
    if value in BY_CODE:
        return Mapped(BY_CODE[value], None)
    if value in LEGACY_CODES:
        return Mapped(BY_CODE[LEGACY_CODES[value]], value)
    raise UnknownCode(f"unknown register code {raw!r}")


def resolve_char(char: str) -> Mapped:
    """One character of a CTF mark string (not "-", which is no mark)."""
    if char in LEGACY_CHARS:
        return Mapped(BY_CODE[LEGACY_CHARS[char]], char)
    if char in BY_CHAR and char != "^":
        return Mapped(BY_CHAR[char], None)
    raise UnknownCode(f"unknown mark character {char!r}")


def category_of_char(char: str) -> Category | None:
    code = BY_CHAR.get(char)
    return code.category if code else None
