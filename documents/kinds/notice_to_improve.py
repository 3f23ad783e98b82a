"""The Notice to Improve letter (rule A4), one per parent or carer the notice
was served on, as at the day it was issued.

What a parent reads about the support is the offer's "for the family" wording
only: staff notes about offers and meetings never go into the letter. The law
and the consequence are fixed text in the template; the LA words the opening
and the closing (`paragraphs`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.timezone import localdate

from accounts.models import School
from attendance import codes
from attendance import figures as fig
from attendance.loading import pupil_data as load_pupil
from attendance.years import SESSIONS, academic_year_of
from cases.models import AttendanceCase, SupportMeeting, SupportOffer
from notices import penalties
from notices.models import NoticeToImprove

from .base import (
    COMMON_VARIABLES,
    Kind,
    Paragraph,
    Subject,
    common_data,
    long_date,
    pounds,
    short_date,
)


def sessions_in_window(
    registers: list[fig.Register], first: dt.date, last: dt.date, school_names: dict[int, str]
) -> list[dict[str, str]]:
    """Every unauthorised session from `first` to `last`, at every school and
    across academic years, in date order, with the register's code: the
    sessions the penalty notice's rule reads (`notices.penalties`), each with
    its school."""
    found = [
        (session, register.school_id)
        for register in registers
        for session in penalties.unauthorised_sessions([register], first, last)
    ]
    found.sort(key=lambda row: (row[0].day, SESSIONS.index(row[0].session)))
    return [
        {
            "day": long_date(session.day),
            "session": "Morning" if session.session == "AM" else "Afternoon",
            "code": session.code,
            "meaning": codes.BY_CODE[session.code].meaning,
            "school": school_names.get(school_id, ""),
        }
        for session, school_id in found
    ]


def attendance_record(notice: NoticeToImprove) -> dict[str, Any]:
    """The record the letter shows: the threshold window (every school, every
    academic year it reaches into) and this school year at each school."""
    case = notice.case
    as_at = notice.threshold_as_at or notice.issued_on
    loaded = load_pupil(case.pupil_id, as_at)
    first = fig.window_start(loaded.context, loaded.spans)
    school_ids = {r.school_id for r in loaded.registers}
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    rows = []
    for register in sorted(
        loaded.registers, key=lambda r: (r.academic_year, names.get(r.school_id, ""))
    ):
        if first is None:
            break
        counts = fig.counts_between([register], first, as_at)
        if counts.possible == 0 and counts.unauthorised == 0:
            continue
        rows.append(
            {
                "school": names.get(register.school_id, ""),
                "year": f"{register.academic_year}/{str(register.academic_year + 1)[-2:]}",
                "possible": counts.possible,
                "attended": counts.attended,
                "authorised": counts.authorised,
                "unauthorised": counts.unauthorised,
            }
        )
    year = academic_year_of(as_at)
    this_year = fig.year_to_date(loaded.registers, as_at)
    return {
        "as_at": short_date(as_at),
        "window_first": short_date(first),
        "window_rows": rows,
        "window_unauthorised": sum(r["unauthorised"] for r in rows),
        "sessions": sessions_in_window(loaded.registers, first, as_at, names) if first else [],
        "year_label": f"{year}/{str(year + 1)[-2:]}",
        "year_possible": this_year.possible,
        "year_attended": this_year.attended,
        "year_unauthorised": this_year.unauthorised,
        "year_authorised": this_year.authorised,
        "year_rate": _percent(fig.rate(this_year.attended, this_year.possible)),
    }


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def support_for_family(notice: NoticeToImprove) -> dict[str, Any]:
    """The support the notice relied on, in the family's words only. An offer
    with no family wording is left out (its staff note is not for the letter)."""
    relied = notice.support_relied_on
    if relied is not None:
        ids = [o["id"] for o in relied if o.get("id")]
        offers = list(SupportOffer.unscoped.filter(pk__in=ids))
    else:
        offers = list(
            SupportOffer.unscoped.filter(case_id=notice.case_id, offered_on__lte=notice.issued_on)
        )
    offers.sort(key=lambda o: (o.offered_on, o.pk))
    given = [
        {
            "offered_on": short_date(o.offered_on),
            "what": o.for_family,
            "by": o.get_provider_display(),
            "outcome": o.get_outcome_display(),
        }
        for o in offers
        if o.for_family.strip()
    ]
    still = [
        o.for_family
        for o in offers
        if o.for_family.strip() and o.outcome == SupportOffer.Outcome.AWAITING
    ]
    meetings = [
        short_date(m.held_on)
        for m in SupportMeeting.unscoped.filter(
            case=notice.case, cancelled=False, held_on__lte=notice.issued_on
        ).order_by("held_on", "sequence")
        if m.held_on
    ]
    return {"offers": given, "still_offered": still, "meetings": meetings}


def not_to_send(notice: NoticeToImprove) -> dict[str, str] | None:
    """For a corrected or withdrawn notice, what its letter says at the top so
    that it is never mistaken for one to send; None for the live notice."""
    if notice.is_live:
        return None
    ended_on = short_date(localdate(notice.ended_at)) if notice.ended_at else ""
    if notice.status == NoticeToImprove.Status.SUPERSEDED:
        newer = NoticeToImprove.unscoped.filter(corrects=notice).values_list("version", flat=True)
        return {
            "mark": "SUPERSEDED",
            "why": f"This version of the notice was corrected on {ended_on} and replaced by "
            f"version {newer.first() or notice.version + 1}.",
            "reason": notice.ended_reason,
        }
    return {
        "mark": "WITHDRAWN",
        "why": f"This notice was withdrawn on {ended_on}.",
        "reason": notice.ended_reason,
    }


def consequence_data() -> dict[str, str]:
    """The fixed consequence: what a penalty notice costs and when, from the
    rules (notices.penalties), so the letter and the notice agree."""
    return {
        "reduced": pounds(penalties.REDUCED_AMOUNT),
        "full": pounds(penalties.FULL_AMOUNT),
        "reduced_days": str(penalties.REDUCED_PERIOD_DAYS),
        "full_days": str(penalties.PAYMENT_PERIOD_DAYS),
    }


class NoticeToImproveLetter(Kind):
    code = "notice_to_improve"
    title = "Notice to Improve"
    prefix = "NTI"
    template = "documents/notice_to_improve.html"
    paragraphs = (
        Paragraph(
            "opening",
            "Opening",
            "We are writing to you about {{ pupil_name }}'s attendance at {{ school_name }}. "
            "We have worked with you to understand and remove what is making it hard for "
            "{{ pupil_name }} to come to school, but the absences have continued. This letter "
            "is a Notice to Improve: a formal notice that {{ pupil_name }}'s attendance must "
            "improve.",
            (*COMMON_VARIABLES, "period_ends_on"),
        ),
        Paragraph(
            "closing",
            "Closing",
            "We want to help {{ pupil_name }} attend regularly. Please contact us if anything "
            "in this letter is unclear, if you would like it in another language or format, or "
            "to take up any of the support offered.",
            (*COMMON_VARIABLES, "period_ends_on"),
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        notices = NoticeToImprove.unscoped.filter(case=case).prefetch_related("recipients__carer")
        return [
            Subject(self, case, notice=notice, recipient=link)
            for notice in notices
            if notice.is_live
            for link in notice.recipients.all()
        ]

    def data(self, subject: Subject) -> dict[str, Any]:
        notice = subject.notice
        assert notice is not None
        data = common_data(subject, dated=notice.issued_on)
        issued_by = notice.issued_by
        data.update(
            notice={
                "issued_on": short_date(notice.issued_on),
                "period_ends_on": long_date(notice.period_ends_on),
                "sufficient_improvement": notice.sufficient_improvement,
                "consequence": notice.consequence,
                "staff_contact": notice.staff_contact,
                "threshold_sessions": notice.threshold_sessions,
                "threshold_weeks": notice.threshold_window_weeks,
                "threshold_as_at": short_date(notice.threshold_as_at),
                "version": notice.version,
                "issued_by": issued_by.full_name,
                "issued_by_role": issued_by.job_title,
            },
            not_to_send=not_to_send(notice),
            record=attendance_record(notice),
            support=support_for_family(notice),
            penalty=consequence_data(),
        )
        return data

    def variables(self, data: Any) -> dict[str, str]:
        return {**super().variables(data), "period_ends_on": data["notice"]["period_ends_on"]}
