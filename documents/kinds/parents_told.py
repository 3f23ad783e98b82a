"""The letter telling the parents that a referral for legal intervention will
be made (Norfolk's referral steps; rule A4): one per parent the notice was
served on, dated the day they were told."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attendance import figures as fig
from attendance.loading import pupil_data as load_pupil
from cases.models import AttendanceCase
from notices.models import ParentsToldOfReferral

from .base import COMMON_VARIABLES, Kind, Paragraph, Subject, common_data, long_date, short_date
from .notice_to_improve import consequence_data


class ParentsToldLetter(Kind):
    code = "parents_told"
    title = "Referral for legal intervention"
    prefix = "REF"
    template = "documents/parents_told.html"
    paragraphs = (
        Paragraph(
            "opening",
            "Opening",
            "On {{ notice_issued_on }} we gave you a Notice to Improve about {{ pupil_name }}'s "
            "attendance. Its improvement period ended on {{ period_ends_on }}, and "
            "{{ pupil_name }}'s attendance has not improved enough.",
            (*COMMON_VARIABLES, "notice_issued_on", "period_ends_on"),
        ),
        Paragraph(
            "closing",
            "Closing",
            "Support is still available to you and to {{ pupil_name }}. Please contact us to "
            "talk about it, or if you would like this letter in another language or format.",
            (*COMMON_VARIABLES, "notice_issued_on", "period_ends_on"),
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        told = ParentsToldOfReferral.unscoped.filter(notice__case=case).select_related("notice")
        out = []
        for record in told:
            notice = record.notice
            if not notice.is_live:
                continue
            for link in notice.recipients.select_related("carer"):
                out.append(Subject(self, case, notice=notice, recipient=link))
        return out

    def data(self, subject: Subject) -> dict[str, Any]:
        notice = subject.notice
        assert notice is not None
        told = ParentsToldOfReferral.unscoped.get(notice=notice)
        data = common_data(subject, dated=told.told_on)
        loaded = load_pupil(subject.case.pupil_id, told.told_on)
        since = fig.counts_between(
            loaded.registers, notice.issued_on + dt.timedelta(days=1), told.told_on
        )
        data.update(
            notice={
                "issued_on": short_date(notice.issued_on),
                "period_ends_on": long_date(notice.period_ends_on),
                "sufficient_improvement": notice.sufficient_improvement,
                "staff_contact": notice.staff_contact,
            },
            told={"on": short_date(told.told_on), "by": told.told_by},
            since={
                "possible": since.possible,
                "attended": since.attended,
                "unauthorised": since.unauthorised,
            },
            penalty=consequence_data(),
            signed_by=notice.issued_by.full_name
            if told.recorded_by_id is None
            else told.recorded_by.full_name,
            signed_role=told.recorded_by.job_title if told.recorded_by_id else "",
        )
        return data

    def variables(self, data: Any) -> dict[str, str]:
        return {
            **super().variables(data),
            "notice_issued_on": data["notice"]["issued_on"],
            "period_ends_on": data["notice"]["period_ends_on"],
        }
