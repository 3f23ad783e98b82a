"""What every kind of document shares: what it is about, who issues it, the
recipient's details, and the LA's editable paragraphs.

A kind builds `data`, a JSON-ready snapshot of everything its template shows
(strings and numbers only, dates already written out), so that the stored
document's data is exactly what it was made from and can be rendered again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.html import escape

from accounts.models import LocalAuthority, School
from cases.models import AttendanceCase, SupportMeeting
from notices.models import NoticeToImprove, PenaltyNotice
from pupils.models import PupilCarer
from pupils.selectors import correspondence_recipients


def long_date(day: dt.date | None) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""


def short_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    return f"£{pence // 100}" if pence % 100 == 0 else f"£{pence / 100:.2f}"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph an LA may word its own way. `default` is the product's
    wording; `{{ name }}` stands for one of `variables`, nothing else."""

    key: str
    label: str
    default: str
    variables: tuple[str, ...]


@dataclass(frozen=True)
class Subject:
    """One document that applies to a case: a kind, the record it is about
    and, for a letter, the parent or carer it is addressed to."""

    kind: Kind
    case: AttendanceCase
    notice: NoticeToImprove | None = None
    penalty_notice: PenaltyNotice | None = None
    recipient: PupilCarer | None = None
    meeting: SupportMeeting | None = None

    @property
    def key(self) -> str:
        parts = [self.kind.code, f"case{self.case.pk}"]
        if self.notice is not None:
            parts.append(f"notice{self.notice.pk}")
        if self.penalty_notice is not None:
            parts.append(f"penalty{self.penalty_notice.pk}")
        if self.meeting is not None:
            parts.append(f"meeting{self.meeting.pk}")
        if self.recipient is not None:
            parts.append(f"to{self.recipient.pk}")
        return ":".join(parts)

    @property
    def issuer(self) -> School | LocalAuthority:
        return self.case.school.local_authority if self.kind.issued_by_la else self.case.school

    def reference(self, version: int) -> str:
        record = self.penalty_notice or self.notice or self.meeting or self.case
        number = record.pk
        to = f"-{self.recipient.pk}" if self.recipient else ""
        return f"{self.kind.prefix}/{self.case.pk}/{number}{to}/v{version}"


class Kind:
    """A kind of document. Subclasses say which documents of the kind apply to
    a case (`subjects`) and what each shows (`data`)."""

    code: ClassVar[str]
    title: ClassVar[str]
    prefix: ClassVar[str]  # the reference's first part: "NTI", "PN"…
    template: ClassVar[str]
    issued_by_la: ClassVar[bool] = False
    paragraphs: ClassVar[Sequence[Paragraph]] = ()

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        raise NotImplementedError

    def data(self, subject: Subject) -> dict[str, Any]:
        raise NotImplementedError

    def variables(self, data: Mapping[str, Any]) -> dict[str, str]:
        """What the LA's paragraphs may use, from the data."""
        return {
            "pupil_name": data["pupil"]["name"],
            "parent_name": data["recipient"]["name"] if data.get("recipient") else "",
            "school_name": data["school"]["name"],
            "la_name": data["la"]["name"],
            "date": data["date"],
        }


COMMON_VARIABLES = ("pupil_name", "parent_name", "school_name", "la_name", "date")

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def unknown_variables(text: str, allowed: Sequence[str]) -> list[str]:
    return sorted({name for name in _VARIABLE.findall(text) if name not in allowed})


def fill(text: str, values: Mapping[str, str]) -> str:
    """The paragraph as HTML: the text escaped, each `{{ name }}` replaced by
    its value (escaped too), blank lines between paragraphs. No template tags:
    an LA's wording can use the variables and nothing else."""
    parts = _VARIABLE.split(escape(text))
    out = []
    for index, part in enumerate(parts):
        out.append(escape(values.get(part, "")) if index % 2 else part)
    html = "".join(out).strip()
    return "".join(
        f"<p>{p.strip()}</p>".replace("\n", "<br>") for p in html.split("\n\n") if p.strip()
    )


def recipients_of(case: AttendanceCase) -> list[PupilCarer]:
    """Who a letter about the case goes to, one letter each: the pupil's
    parents and carers who receive correspondence (the one rule, in
    `PupilCarer.receives_correspondence`; docs/rules.md)."""
    return correspondence_recipients(case.pupil_id)


def organisation_data(organisation: School | LocalAuthority) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "address_lines": [
            line.strip() for line in organisation.address.splitlines() if line.strip()
        ],
        "postcode": organisation.postcode,
        "phone": organisation.phone,
        "email": organisation.email,
    }


def recipient_data(link: PupilCarer) -> dict[str, Any]:
    carer = link.carer
    return {
        "id": link.pk,
        "name": str(carer),
        "salutation": " ".join(p for p in (carer.title, carer.surname) if p)
        if carer.title
        else str(carer),
        "relationship": link.get_relationship_display(),
        "address_lines": [line.strip() for line in carer.address.splitlines() if line.strip()],
        "postcode": carer.postcode,
        "language": carer.preferred_language,
        "interpreter_needed": carer.interpreter_needed,
        "literacy_support_needed": carer.literacy_support_needed,
    }


def pupil_data(case: AttendanceCase) -> dict[str, Any]:
    pupil = case.pupil
    return {
        "name": pupil.display_name,
        "date_of_birth": short_date(pupil.date_of_birth),
    }


def common_data(subject: Subject, *, dated: dt.date) -> dict[str, Any]:
    school = subject.case.school
    return {
        "kind": subject.kind.code,
        "title": subject.kind.title,
        "date": short_date(dated),
        "issuer": organisation_data(subject.issuer),
        "issuer_is_la": subject.kind.issued_by_la,
        "school": organisation_data(school),
        "la": organisation_data(school.local_authority),
        "pupil": pupil_data(subject.case),
        "recipient": recipient_data(subject.recipient) if subject.recipient else None,
    }
