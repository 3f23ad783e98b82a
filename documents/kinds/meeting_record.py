"""The record of a Support First meeting, sent to the family (rule A4,
"Meetings held"; Southwark's stage one: "a record evidencing that concerns
regarding attendance have been raised with the parent/carer"): one per parent
or carer who receives the school's letters, offered once the meeting is
recorded as held.

Who came, the pupil's views and the parents' views, the barriers, what is
going well, the agreed actions and the next review. The pupil's views and what
was agreed are the fields written for the family (`pupil_views`,
`summary_for_family`); the meeting's outcome and the arrangements' notes are
for staff and never appear.
"""

from __future__ import annotations

from typing import Any

from cases.models import AttendanceCase, SupportMeeting
from core.dates import today

from .base import Kind, Paragraph, Subject, common_data, long_date, recipients_of, short_date
from .meeting_invitation import MEETING_VARIABLES, meeting_people, staff_contact, when


class MeetingRecord(Kind):
    code = "meeting_record"
    title = "Record of a Support First meeting"
    prefix = "MTR"
    template = "documents/meeting_record.html"
    paragraphs = (
        Paragraph(
            "opening",
            "Opening",
            "Thank you for meeting us to talk about {{ pupil_name }}'s attendance. This is our "
            "record of the meeting on {{ meeting_date }} and of what we agreed together.",
            MEETING_VARIABLES,
        ),
        Paragraph(
            "closing",
            "Closing",
            "If anything in this record is not as you remember it, or you would like it in "
            "another language or format, please contact us. Support is there for you and for "
            "{{ pupil_name }} between meetings too.",
            MEETING_VARIABLES,
        ),
    )

    def subjects(self, case: AttendanceCase) -> list[Subject]:
        held = list(
            SupportMeeting.unscoped.filter(
                case=case, cancelled=False, held_on__isnull=False
            ).order_by("sequence")
        )
        if not held:
            return []
        recipients = recipients_of(case)
        return [
            Subject(self, case, meeting=meeting, recipient=link)
            for meeting in held
            for link in recipients
        ]

    def data(self, subject: Subject) -> dict[str, Any]:
        meeting = subject.meeting
        assert meeting is not None
        assert meeting.held_on is not None
        attended = {link.pk for link in meeting.attended.all()}
        invited = meeting_people(meeting)
        data = common_data(subject, dated=today())
        data.update(
            meeting={
                "number": meeting.sequence,
                **when(meeting),
                "held_on": long_date(meeting.held_on),
                "attended": [
                    person
                    for person, link in zip(invited, meeting.invited.all(), strict=True)
                    if link.pk in attended
                ],
                "not_attended": [
                    person
                    for person, link in zip(invited, meeting.invited.all(), strict=True)
                    if link.pk not in attended
                ],
                "other_professionals": meeting.other_professionals,
                "pupil_views": meeting.pupil_views,
                "parent_voice": meeting.parent_voice,
                "barriers": meeting.barriers_discussed,
                "going_well": meeting.going_well,
                "agreed_actions": meeting.agreed_actions,
                "summary": meeting.summary_for_family,
                "next_review": long_date(meeting.next_review_date),
                "next_review_short": short_date(meeting.next_review_date),
            },
            contact=staff_contact(subject.case),
        )
        return data

    def variables(self, data: Any) -> dict[str, str]:
        return {
            **super().variables(data),
            "meeting_date": data["meeting"]["held_on"],
            "meeting_time": data["meeting"]["time"],
        }
