"""The Notice to Improve letter (rule A4; Norfolk's notice lists the prior
attempts and support, with staff contacts): one per recipient, as a PDF.

Plain and printable on purpose, with no GOV.UK branding: it goes out on the
school's own letterhead, from the school, not from this service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string

from attendance import codes
from attendance import figures as fig
from attendance.loading import pupil_data
from attendance.years import academic_year_of, year_start
from cases.models import SupportMeeting, SupportOffer
from pupils.models import PupilCarer

from .models import NoticeToImprove


@dataclass(frozen=True)
class Offence:
    """An unauthorised session: what the letter calls the offence, with the
    register's own date and code."""

    day: dt.date
    session: str
    code: str
    meaning: str


def unauthorised_sessions(
    registers: list[fig.Register], *, year: int, up_to: dt.date
) -> list[Offence]:
    """Every unauthorised session of the academic year up to `up_to`, in order."""
    start = year_start(year)
    found = []
    for register in registers:
        if register.academic_year != year:
            continue
        last = 2 * ((up_to - start).days + 1)
        for index, char in enumerate(register.marks[:last]):
            if char in codes.UNAUTHORISED_CHARS:
                code = codes.BY_CHAR[char]
                found.append(
                    Offence(
                        start + dt.timedelta(days=index // 2),
                        "morning" if index % 2 == 0 else "afternoon",
                        code.code,
                        code.meaning,
                    )
                )
    return sorted(found, key=lambda o: (o.day, o.session != "morning"))


@dataclass(frozen=True)
class OfferInLetter:
    """A support offer as the letter lists it: as it stood when the notice was issued."""

    what: str
    provider: str
    offered_on: dt.date
    outcome: str
    outcome_label: str
    outcome_on: dt.date | None


def offers_relied_on(notice: NoticeToImprove) -> list[OfferInLetter]:
    """The support offers the notice's check relied on, stored with it at issue,
    so the letter lists the same support as the check. A notice issued before
    that was stored lists the offers dated on or before its issue date."""
    if notice.support_relied_on is not None:
        return [
            OfferInLetter(
                what=o["what"],
                provider=o["provider"],
                offered_on=dt.date.fromisoformat(o["offered_on"]),
                outcome=o["outcome"],
                outcome_label=o["outcome_label"],
                outcome_on=dt.date.fromisoformat(o["outcome_on"]) if o["outcome_on"] else None,
            )
            for o in notice.support_relied_on
        ]
    return [
        OfferInLetter(
            what=o.what,
            provider=o.get_provider_display(),
            offered_on=o.offered_on,
            outcome=o.outcome,
            outcome_label=o.get_outcome_display(),
            outcome_on=o.outcome_on if o.outcome_on and o.outcome_on <= notice.issued_on else None,
        )
        for o in SupportOffer.unscoped.filter(
            case_id=notice.case_id, offered_on__lte=notice.issued_on
        ).order_by("offered_on", "pk")
    ]


def letter_context(notice: NoticeToImprove, recipient: PupilCarer) -> dict[str, Any]:
    """Everything the letter shows, as at the day the notice was issued."""
    case = notice.case
    as_at = notice.issued_on
    year = academic_year_of(as_at)
    data = pupil_data(case.pupil_id, as_at)
    here = [r for r in data.registers if r.school_id == case.school_id]
    counts = fig.year_to_date(here, as_at)
    meetings = [
        m
        for m in SupportMeeting.unscoped.filter(case=case, cancelled=False, held_on__lte=as_at)
        .annotate(invited_count=Count("invited"))
        .exclude(outcome="")
        .order_by("held_on", "sequence")
        if m.invited_count
    ]
    offers = offers_relied_on(notice)
    return {
        "notice": notice,
        "case": case,
        "pupil": case.pupil,
        "school": case.school,
        "recipient": recipient,
        "counts": counts,
        "attendance_rate": fig.rate(counts.attended, counts.possible),
        "offences": unauthorised_sessions(here, year=year, up_to=as_at),
        "meetings": meetings,
        "offers": offers,
        "still_offered": [o for o in offers if o.outcome == SupportOffer.Outcome.AWAITING],
        # A superseded or withdrawn version's letter says so, prominently.
        "not_live": "" if notice.is_live else notice.get_status_display().split(" by")[0],
    }


def letter_html(notice: NoticeToImprove, recipient: PupilCarer) -> str:
    return render_to_string("notices/letter.html", letter_context(notice, recipient))


def letter_pdf(notice: NoticeToImprove, recipient: PupilCarer, *, base_url: str) -> bytes:
    import weasyprint  # heavy (a second at start-up): loaded only when a letter is made

    pdf = weasyprint.HTML(string=letter_html(notice, recipient), base_url=base_url).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf
