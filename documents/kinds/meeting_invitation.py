"""The invitation to a Support First meeting (rule A4, "Meetings held"): one
per parent or carer invited who receives the school's letters, offered as soon
as the meeting is scheduled.

It says when and where, what the meeting is for in plain words, who will be
there, that the pupil's views will be asked, how to rearrange and whom to
contact. It shows the arrangements' family wording only: the meeting's place
as typed for the family, never the staff notes on adjustments or the outcome.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.forms_meetings import format_time
from cases.models import AttendanceCase, SupportMeeting
from core.dates import today

from .base import COMMON_VARIABLES, Kind, Paragraph, Subject, common_data, long_date, recipients_of

MEETING_VARIABLES = (*COMMON_VARIABLES, "meeting_date", "meeting_time")


def meeting_people(meeting: SupportMeeting) -> list[dict[str, str]]:
    return [
        {"name": str(link.carer), "relationship": link.get_relationship_display()}
        for link in meeting.invited.all()
    ]


def staff_contact(case: AttendanceCase) -> dict[str, str]:
    """The case's lead professional: who runs the meetings and whom to contact."""
    lead = case.lead_professional
    return {"name": lead.full_name, "role": lead.job_title}


def when(meeting: SupportMeeting) -> dict[str, str]:
    local = timezone.localtime(meeting.scheduled_for)
    return {
        "date": long_date(local.date()),
        "time": format_time(local.time()),
        "method": meeting.method,
        "method_label": meeting.get_method_display(),
    }


class MeetingInvitation(Kind):
    code = "meeting_invitation"
    title = "Invitation to a Support First meeting"
    prefix = "MTG"
    template = "documents/meeting_invitation.html"
    paragraphs = (
        Paragraph(
            "purpose_first",
            "What the first meeting is for",
            "We would like to meet you to talk about {{ pupil_name }}'s attendance at "
            "{{ school_name }}. We want to understand what is making it hard for "
            "{{ pupil_name }} to come to school, to hear what you think would help, and to "
            "agree together on a plan of support. This is a meeting to help, not to blame.",
            MEETING_VARIABLES,
        ),
        Paragraph(
            "purpose_review",
            "What a later meeting is for",
            "We would like to meet you again to look at how {{ pupil_name }}'s plan is going: "
            "what is working, what is not, and what we should change. This is a meeting to "
            "help, not to blame.",
            MEETING_VARIABLES,
        ),
        Paragraph(
            "rearrange",
            "How to rearrange",
            "If the date or time does not suit you, or you would rather meet another way (by "
            "phone or by video call), please contact us as soon as you can and we will find "
            "another time. You are welcome to bring someone with you for support.",
            MEETING_VARIABLES,
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        receiving = {link.pk: link for link in recipients_of(case)}
        meetings = SupportMeeting.unscoped.filter(case=case, cancelled=False).prefetch_related(
            "invited"
        )
        return [
            Subject(self, case, meeting=meeting, recipient=receiving[link.pk])
            for meeting in meetings.order_by("sequence")
            for link in meeting.invited.all()
            if link.pk in receiving
        ]

    def data(self, subject: Subject) -> dict[str, Any]:
        meeting = subject.meeting
        assert meeting is not None
        data = common_data(subject, dated=today())
        data.update(
            meeting={
                "number": meeting.sequence,
                "first": meeting.sequence == 1,
                **when(meeting),
                "place": meeting.place,
                "invited": meeting_people(meeting),
                "other_professionals": meeting.other_professionals,
                "interpreter": meeting.interpreter,
                "language": subject.recipient.carer.preferred_language if subject.recipient else "",
            },
            contact=staff_contact(subject.case),
        )
        return data

    def variables(self, data: Any) -> dict[str, str]:
        return {
            **super().variables(data),
            "meeting_date": data["meeting"]["date"],
            "meeting_time": data["meeting"]["time"],
        }
