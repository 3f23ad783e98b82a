"""Forms for Support First meetings: arranging one, recording what happened,
cancelling one. They parse and explain; the rules live in
`cases.services.meetings`. Hints use the Support First guidance's own words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from crispy_forms_gds.choices import Choice
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import GovDateField
from pupils.models import PupilCarer

from .models import SupportMeeting
from .services.meetings import awaiting_dsl_decision, default_invitees, needing_interpreter

TEXT_LIMIT = 4000


def format_time(value: dt.time) -> str:
    """9:30am, 2pm: the GOV.UK style for times, and what `parse_time` reads back."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


def parse_time(text: str) -> dt.time:
    """ "9:30am", "9.30", "14:00", "2pm", "noon": how people write times."""
    text = text.strip().lower()
    if text in {"noon", "midday", "12 noon"}:
        return dt.time(12, 0)
    match = _TIME.match(text)
    if not match:
        raise ValidationError("Enter a time, for example 9:30am or 2pm")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ValidationError("Enter a time, for example 9:30am or 2pm")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError("Enter a real time, for example 9:30am or 2pm")
    return dt.time(hour, minute)


def _needs(link: PupilCarer) -> list[str]:
    needs = []
    if link.carer.interpreter_needed:
        needs.append(f"Needs an interpreter ({link.carer.preferred_language}).")
    if link.carer.literacy_support_needed:
        needs.append("Needs literacy support.")
    return needs


def carer_hint(link: PupilCarer) -> str:
    """Who this person is to the pupil, and whether they get the school's
    letters: the reasons they are, or are not, proposed for the meeting."""
    parts = [link.get_relationship_display()]
    if link.lives_with_pupil:
        parts.append("lives with the pupil")
        parts.append(
            "has parental responsibility"
            if link.parental_responsibility
            else "no parental responsibility"
        )
        sentences = [", ".join(parts) + "."]
    else:
        parts.append("does not live with the pupil")
        sentences = [", ".join(parts) + "."]
        if awaiting_dsl_decision(link):
            sentences.append("Waiting for the DSL's decision.")
        elif link.included_in_correspondence:
            sentences.append("The DSL decided to include them.")
    return " ".join(sentences + _needs(link))


def carer_choices(links: Iterable[PupilCarer]) -> list[Choice]:
    return [Choice(link.pk, str(link.carer), hint=carer_hint(link)) for link in links]


METHOD_CHOICES = [
    # The guidance's advice for each way of meeting ("Methods of communication").
    Choice(
        SupportMeeting.Method.IN_PERSON.value,
        SupportMeeting.Method.IN_PERSON.label,
        hint="Consider caring responsibilities, transport availability and venue "
        "accessibility for those with mobility or health issues.",
    ),
    Choice(
        SupportMeeting.Method.PHONE.value,
        SupportMeeting.Method.PHONE.label,
        hint="Consider timing, parents' credit, length of call.",
    ),
    Choice(
        SupportMeeting.Method.VIDEO.value,
        SupportMeeting.Method.VIDEO.label,
        hint="Don't just assume parents have access to laptop/internet.",
    ),
]


def _text(
    label: str, *, help_text: str = "", required: bool = False, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class MeetingArrangementsForm(forms.Form):
    """Scheduling a meeting, or changing its arrangements."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    scheduled_on = GovDateField(
        label="Date", what="the date of the meeting", help_text="For example, 27 3 2026"
    )
    time = forms.CharField(
        label="Time",
        help_text="For example, 9:30am or 2pm",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"required": "Enter the time of the meeting"},
    )
    method = forms.ChoiceField(
        label="How will you meet?",
        help_text="Accommodate the parents' preference as far as possible.",
        choices=METHOD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you will meet"},
    )
    place = forms.CharField(
        label="Where (optional)",
        required=False,
        max_length=300,
        help_text="As the family's invitation will say it: the room and the entrance to use, "
        "or how to join the call. For example, the meeting room by the main reception.",
    )
    invited = forms.TypedMultipleChoiceField(
        label="Which parents and carers are invited?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="All parents should be included. Any adult who lives with and takes care "
        "of the child should be included. A parent who does not live with the pupil is "
        "proposed once the DSL has decided to include them.",
        error_messages={"invalid_choice": "Select only parents or carers of this pupil"},
    )
    other_professionals = _text(
        "Other professionals invited (optional)",
        help_text="Invite any other professionals working with the family, and the schools "
        "of any school-age brothers and sisters, so that parents are invited to fewer "
        "meetings and hear the same thing. The family's invitation lists them.",
    )
    interpreter = forms.BooleanField(label="Interpreter arranged", required=False)
    adjustments = _text(
        "Other accessibility adjustments (optional)",
        help_text="Timing, venue or anything else that helps the family take part. Take into "
        "consideration family circumstances such as their work commitments, caring "
        "responsibilities, mental and physical health.",
    )

    def __init__(
        self,
        *args: Any,
        carers: Sequence[PupilCarer],
        meeting: SupportMeeting | None = None,
        **kwargs: Any,
    ) -> None:
        if meeting is None:
            proposed = default_invitees(carers)
            initial = {
                "invited": [link.pk for link in proposed],
                "interpreter": bool(needing_interpreter(proposed)),
            }
        else:
            local = timezone.localtime(meeting.scheduled_for)
            initial = {
                "version": meeting.version,
                "scheduled_on": local.date(),
                "time": format_time(local.time()),
                "method": meeting.method,
                "place": meeting.place,
                "invited": [link.pk for link in meeting.invited.all()],
                "other_professionals": meeting.other_professionals,
                "interpreter": meeting.interpreter,
                "adjustments": meeting.adjustments,
            }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        invited = self.fields["invited"]
        assert isinstance(invited, forms.TypedMultipleChoiceField)
        invited.choices = carer_choices(carers)
        needing = needing_interpreter(carers)
        ticked = self.initial.get("interpreter") and meeting is None
        if needing:
            who = " and ".join(
                f"{link.carer} needs an interpreter ({link.carer.preferred_language})"
                for link in needing
            )
            # Pre-ticked only from who is invited by default, so say why.
            self.fields["interpreter"].help_text = (
                f"Ticked because {who}." if ticked else f"{who[0].upper()}{who[1:]}."
            )
        else:
            self.fields[
                "interpreter"
            ].help_text = "No parent or carer of this pupil is recorded as needing an interpreter."

    def clean_time(self) -> dt.time:
        return parse_time(self.cleaned_data["time"])


class MeetingHeldForm(forms.Form):
    """What happened at a meeting: the record that makes it count (rule A4)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = GovDateField(
        label="Date the meeting was held",
        what="the date the meeting was held",
        help_text="For example, 27 3 2026",
    )
    attended = forms.TypedMultipleChoiceField(
        label="Who attended?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select the parents and carers who took part. The meeting counts as held "
        "once its outcome is recorded, even if no one came: the invitation is what counts.",
        error_messages={"invalid_choice": "Select only people who were invited to the meeting"},
    )
    barriers_discussed = _text(
        "Barriers discussed (optional)",
        help_text="Listen to and understand the barriers to attendance the pupil or family is "
        "experiencing.",
    )
    parent_voice = _text(
        "The parents' views (optional)",
        help_text="The parent's voice: when parents are fully engaged, and feel that they are "
        "meaningfully contributing, the outcomes are likely to be much more positive.",
    )
    pupil_views = _text(
        "The pupil's views, for the family (optional)",
        help_text="What the pupil said about school and what would help, as they are happy for "
        "their family to read it. It goes into the record of the meeting sent to the family.",
    )
    going_well = _text(
        "What is going well (optional)",
        help_text="Recognise the small improvements.",
    )
    agreed_actions = _text(
        "Agreed actions (optional)",
        help_text="SMART actions which are individual to the child, with named key people. "
        "All parties to have clear actions to improve attendance.",
    )
    outcome = _text(
        "Outcome",
        help_text="What was decided. The meeting counts towards the minimum once its outcome "
        "is recorded.",
        required=True,
        error_messages={"required": "Enter the outcome of the meeting"},
    )
    summary_for_family = _text(
        "What was agreed, for the family (optional)",
        help_text="In plain words, for the record of the meeting sent to the family. The "
        "outcome above is for staff and never goes into a letter.",
    )
    next_review_date = GovDateField(
        label="Next review (optional)",
        what="the next review date",
        required=False,
        help_text="We recommend contacting parents fortnightly to discuss progress and to re "
        "offer support before the review meeting takes place.",
    )

    def __init__(self, *args: Any, meeting: SupportMeeting, today: dt.date, **kwargs: Any) -> None:
        scheduled_on = timezone.localdate(meeting.scheduled_for)
        initial = {
            "version": meeting.version,
            # A meeting is usually recorded on or after the day it was planned for.
            "held_on": meeting.held_on or (scheduled_on if scheduled_on <= today else None),
            "attended": [link.pk for link in meeting.attended.all()],
            "barriers_discussed": meeting.barriers_discussed,
            "parent_voice": meeting.parent_voice,
            "going_well": meeting.going_well,
            "agreed_actions": meeting.agreed_actions,
            "outcome": meeting.outcome,
            "pupil_views": meeting.pupil_views,
            "summary_for_family": meeting.summary_for_family,
            "next_review_date": meeting.next_review_date,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        invited = list(meeting.invited.all())
        if invited:
            attended = self.fields["attended"]
            assert isinstance(attended, forms.TypedMultipleChoiceField)
            attended.choices = [Choice(link.pk, str(link.carer)) for link in invited]
        else:
            # Nobody to tick; the page says the meeting will not count until someone is invited.
            del self.fields["attended"]


class MeetingPastForm(MeetingArrangementsForm):
    """A meeting that has already taken place, in one form: its arrangements and
    what happened. It is recorded as held on its date."""

    attended = forms.TypedMultipleChoiceField(
        label="Who attended?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the people invited above. The meeting counts as held once its outcome "
        "is recorded, even if no one came: the invitation is what counts.",
        error_messages={"invalid_choice": "Select only people who were invited to the meeting"},
    )
    barriers_discussed = MeetingHeldForm.base_fields["barriers_discussed"]
    pupil_views = MeetingHeldForm.base_fields["pupil_views"]
    parent_voice = MeetingHeldForm.base_fields["parent_voice"]
    going_well = MeetingHeldForm.base_fields["going_well"]
    agreed_actions = MeetingHeldForm.base_fields["agreed_actions"]
    outcome = MeetingHeldForm.base_fields["outcome"]
    summary_for_family = MeetingHeldForm.base_fields["summary_for_family"]
    next_review_date = MeetingHeldForm.base_fields["next_review_date"]

    RECORD_FIELDS = (
        "attended",
        "barriers_discussed",
        "pupil_views",
        "parent_voice",
        "going_well",
        "agreed_actions",
        "outcome",
        "summary_for_family",
        "next_review_date",
    )

    def __init__(self, *args: Any, carers: Sequence[PupilCarer], **kwargs: Any) -> None:
        super().__init__(*args, carers=carers, **kwargs)
        self.fields["scheduled_on"].label = "Date the meeting was held"
        attended = self.fields["attended"]
        assert isinstance(attended, forms.TypedMultipleChoiceField)
        # Told apart from the invitation's boxes for the same people.
        attended.choices = [Choice(link.pk, f"{link.carer} attended") for link in carers]

    @property
    def arrangement_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if name not in self.RECORD_FIELDS and not self[name].is_hidden
        ]

    @property
    def record_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.RECORD_FIELDS]


class MeetingCancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _text(
        "Why was the meeting cancelled?",
        help_text="For example, who asked to cancel and whether a new date was offered.",
        required=True,
        error_messages={"required": "Enter why the meeting was cancelled"},
    )
