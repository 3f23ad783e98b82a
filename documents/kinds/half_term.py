"""The half-term attendance letter and text message (Norfolk's Support First
approach, "Communication": an example text message and letter to send at the
end of half term; DfE, "Working together to improve school attendance" (2024):
keep parents informed of their child's attendance, and communicate in a
supportive, solution-focused way).

Made for a whole school at once (documents/services/batch.py), for pupils who
need not have a case: one letter to each parent or carer who receives the
school's correspondence, and a text message to each of them who has a mobile
number and is reached by phone. Each shows the pupil's own figures for the
half term at the school: sessions possible, attended, missed (authorised and
unauthorised), the attendance rate and the days missed.

The letter stays on one A4 page with a small table of six figures: a whole
school's letters are made in one go (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from accounts.models import School, User
from attendance.figures import PERSISTENT_ABSENCE_RATE
from attendance.half_terms import HalfTermCounts
from pupils.models import Pupil, PupilCarer

from .base import (
    _VARIABLE,
    COMMON_VARIABLES,
    Kind,
    Paragraph,
    long_date,
    organisation_data,
    recipient_data,
    short_date,
)

# The variables a half-term paragraph may use, besides the common ones.
HALF_TERM_VARIABLES = (
    *COMMON_VARIABLES,
    "pupil_forename",
    "days_missed",
    "half_term",
    "attendance_rate",
)

# Two SMS parts of a message in the GSM 7-bit alphabet (153 characters each once
# a message is split); a message with any other character takes 67 a part.
MAX_SMS_PARTS = 2

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def sms_parts(text: str) -> int:
    """How many SMS messages a text is sent as."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


def fill_text(text: str, values: dict[str, str]) -> str:
    """A paragraph as plain text (a text message): each `{{ name }}` replaced
    by its value, nothing escaped, nothing else read."""
    parts = _VARIABLE.split(text)
    return "".join(values.get(part, "") if i % 2 else part for i, part in enumerate(parts))


def days(value: float) -> str:
    """Days missed as a parent reads them: "3", "3.5"."""
    return f"{value:g}"


@dataclass(frozen=True)
class HalfTerm:
    """The half term a batch writes about."""

    name: str
    first: dt.date
    last: dt.date
    # The figures count sessions up to this day (the last, once it has ended).
    as_at: dt.date

    @property
    def key(self) -> str:
        return f"{self.first:%Y%m%d}"


@dataclass(frozen=True)
class HalfTermSubject:
    """One half-term letter or text: a pupil, one parent, the pupil's figures."""

    kind: Kind
    school: School
    half_term: HalfTerm
    pupil: Pupil
    recipient: PupilCarer
    figures: HalfTermCounts

    @property
    def key(self) -> str:
        return (
            f"{self.kind.code}:school{self.school.pk}:{self.half_term.key}"
            f":pupil{self.pupil.pk}:to{self.recipient.pk}"
        )

    def reference(self, version: int) -> str:
        return (
            f"{self.kind.prefix}/{self.school.pk}/{self.half_term.key}"
            f"/{self.pupil.pk}-{self.recipient.pk}/v{version}"
        )


def half_term_data(subject: HalfTermSubject, *, dated: dt.date, signed_by: User) -> dict[str, Any]:
    """The snapshot a letter or text is made from (strings and numbers only).
    No staff note, safeguarding or special-category field of the pupil goes in."""
    school = subject.school
    term = subject.half_term
    counts = subject.figures.counts
    rate = subject.figures.rate
    missed = subject.figures.missed
    return {
        "kind": subject.kind.code,
        "title": subject.kind.title,
        "date": short_date(dated),
        "issuer": organisation_data(school),
        "issuer_is_la": False,
        "school": organisation_data(school),
        "la": organisation_data(school.local_authority),
        "pupil": {
            "name": subject.pupil.display_name,
            "forename": subject.pupil.forename,
        },
        "recipient": recipient_data(subject.recipient),
        "half_term": {
            "name": term.name,
            "first": long_date(term.first),
            "last": long_date(term.last),
            "as_at": long_date(term.as_at),
            "finished": term.as_at >= term.last,
        },
        "figures": {
            "possible": counts.possible,
            "attended": counts.attended,
            "authorised": counts.authorised,
            "unauthorised": counts.unauthorised,
            "missed": missed,
            "days_missed": days(subject.figures.days_missed),
            "rate": "" if rate is None else f"{rate:.1f}%",
            # Persistent absence (DfE): missing 10% or more of possible sessions.
            "persistent": rate is not None and 100 - rate >= PERSISTENT_ABSENCE_RATE,
        },
        "signed_by": signed_by.full_name,
        "signed_role": signed_by.job_title,
    }


def half_term_variables(data: dict[str, Any]) -> dict[str, str]:
    return {
        "pupil_name": data["pupil"]["name"],
        "pupil_forename": data["pupil"]["forename"],
        "parent_name": data["recipient"]["name"] if data.get("recipient") else "",
        "school_name": data["school"]["name"],
        "la_name": data["la"]["name"],
        "date": data["date"],
        "days_missed": data["figures"]["days_missed"],
        "half_term": data["half_term"]["name"],
        "attendance_rate": data["figures"]["rate"],
    }


class HalfTermLetter(Kind):
    """Made by a batch for the whole school, never from a case's page."""

    code = "half_term"
    title = "Attendance this half term"
    prefix = "HT"
    template = "documents/half_term.html"
    paragraphs = (
        Paragraph(
            "concern",
            "For a pupil missing 10% or more",
            "Our records show that {{ pupil_name }} is missing more school than their classmates.",
            HALF_TERM_VARIABLES,
        ),
        Paragraph(
            "why",
            "Why attendance matters",
            "When pupils miss school they fall behind and it can be hard to catch up. You can "
            "have a big impact helping {{ pupil_forename }} to attend this year, giving them "
            "the best possible chance of making good progress.",
            HALF_TERM_VARIABLES,
        ),
        Paragraph(
            "fresh_start",
            "A fresh start",
            "The next half term is a fresh start and we would appreciate your help in "
            "improving {{ pupil_forename }}'s attendance.",
            HALF_TERM_VARIABLES,
        ),
        Paragraph(
            "thanks",
            "For a pupil who missed no school",
            "Thank you for helping {{ pupil_forename }} to attend every day this half term.",
            HALF_TERM_VARIABLES,
        ),
        Paragraph(
            "closing",
            "Closing",
            "If something is making it hard for {{ pupil_forename }} to come to school, please "
            "talk to us: we would like to help. Please contact us if you would like this letter "
            "in another language or format.",
            HALF_TERM_VARIABLES,
        ),
    )

    def subjects(self, case: Any) -> list[Any]:
        return []

    def variables(self, data: Any) -> dict[str, str]:
        return half_term_variables(data)


class HalfTermText(Kind):
    """The text message sent with the letter: plain text, no file."""

    code = "half_term_text"
    title = "Attendance this half term (text message)"
    prefix = "HTT"
    template = ""
    paragraphs = (
        Paragraph(
            "message",
            "Text message",
            "{{ school_name }}: {{ pupil_forename }} has missed {{ days_missed }} days of "
            "school this half term. Please help {{ pupil_forename }} attend school regularly "
            "to give them the best possible chance of making progress. The next half term is "
            "a fresh start and we would appreciate your help in improving "
            "{{ pupil_forename }}'s attendance.",
            HALF_TERM_VARIABLES,
        ),
        Paragraph(
            "short_message",
            "Text message, when the first is too long for two texts",
            "{{ school_name }}: {{ pupil_forename }} has missed {{ days_missed }} days of "
            "school this half term. The next half term is a fresh start: please help "
            "{{ pupil_forename }} attend every day.",
            HALF_TERM_VARIABLES,
        ),
    )

    def subjects(self, case: Any) -> list[Any]:
        return []

    def variables(self, data: Any) -> dict[str, str]:
        return half_term_variables(data)
