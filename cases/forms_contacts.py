"""The form for logging a contact with the family (calls, messages, home visits).

Labels and hints use the Support First guidance's own words. The radios are
drawn by the template (contact_form.html), so that each group's first radio has
the field's id for the error summary's link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from core.forms import GovDateField
from pupils.models import PupilCarer

from .models import Contact

SOMEONE_ELSE = "other"
# The order of the questions on the page (the rest follow in declaration order).
PAGE_ORDER = [
    "came_from",
    "occurred_on",
    "occurred_time",
    "method",
    "with_whom",
    "other_person",
    "reached",
    "dsl_consulted",
    "concern_raised",
    "pupil_wishes_discussed",
]
YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: str) -> bool:
    return value == "yes"


def yes_no_field(label: str, *, required: str, help_text: str = "") -> forms.TypedChoiceField:
    """A yes/no question as radios; `required` is the message when unanswered."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": required},
    )


def date_field(label: str, *, what: str, required: bool, help_text: str = "") -> GovDateField:
    return GovDateField(
        label=label,
        what=what[0].lower() + what[1:],
        missing=f"Enter the {what.lower()}",
        required=required,
        help_text=help_text,
    )


@dataclass(frozen=True)
class Option:
    """One radio: its value, its label and a hint under it."""

    value: str
    label: str
    hint: str = ""


def carer_hint(link: PupilCarer) -> str:
    """What the caller needs before dialling: numbers, how they prefer to be
    contacted, and whether an interpreter is needed."""
    carer = link.carer
    parts = [
        f"{kind} {number}"
        for kind, number in (("Mobile", carer.mobile), ("Phone", carer.phone))
        if number
    ]
    parts.append(f"prefers {carer.get_preferred_contact_method_display().lower()}")
    if carer.preferred_language and carer.preferred_language != "English":
        parts.append(f"speaks {carer.preferred_language}")
    if carer.interpreter_needed:
        parts.append("interpreter needed")
    if not link.lives_with_pupil:
        parts.append("does not live with the pupil")
    return "; ".join(parts)


class ContactForm(forms.Form):
    came_from = forms.ChoiceField(
        choices=[("case", "case"), ("first_day", "first_day"), ("pupil", "pupil")],
        widget=forms.HiddenInput,
        required=False,
    )
    occurred_on = date_field(
        "Date of the contact",
        what="Date of the contact",
        required=True,
        help_text="For example, 27 3 2025",
    )
    occurred_time = forms.TimeField(
        label="Time",
        help_text="Use the 24-hour clock, for example 09:30",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "autocomplete": "off"}),
        error_messages={
            "required": "Enter the time of the contact",
            "invalid": "Enter the time in the 24-hour clock, for example 09:30",
        },
    )
    method = forms.ChoiceField(
        label="How did you make contact?",
        help_text=(
            "If a response is not forthcoming, consider alternative methods of contacting "
            "and do not rely solely on one method."
        ),
        choices=Contact.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you made contact"},
    )
    with_whom = forms.ChoiceField(
        label="Who did you contact?",
        help_text=(
            "Contact the primary carer first. If you cannot get in touch with them, use "
            "all the emergency contacts to identify the reason for absence."
        ),
        widget=forms.RadioSelect,
        error_messages={"required": "Select who you contacted"},
    )
    other_person = forms.CharField(
        label="If someone else, who was it?",
        help_text="Their name and how they know the pupil, for example an emergency contact",
        max_length=200,
        required=False,
    )
    reached = yes_no_field(
        "Did you reach them?",
        required="Select whether you reached them",
    )
    absence_date = date_field(
        "Which day of absence is it about? (optional)",
        what="Day of absence",
        required=False,
        help_text="Leave it blank if the contact is not about one day of absence",
    )
    reason_established = forms.CharField(
        label="Reason for absence, if you established one (optional)",
        help_text=(
            "When a reason for absence has been established, record it on the attendance "
            "register too."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text=(
            "Use the contact as an opportunity to get a better understanding of the wider "
            "picture and the circumstances which could be impacting the pupil and their "
            "attendance."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=8000,
        required=False,
    )
    follow_up_needed = yes_no_field(
        "Is a follow-up needed?",
        required="Select whether a follow-up is needed",
    )
    follow_up = forms.CharField(
        label="If a follow-up is needed, what needs to happen next?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    # Home visits only: the template shows them under "For home visits only".
    dsl_consulted = forms.TypedChoiceField(
        label="Did you discuss the home visit with the Designated Safeguarding Lead (DSL)?",
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    concern_raised = forms.TypedChoiceField(
        label="Did you share a concern with the children's advice service?",
        help_text=(
            "If you are concerned about the welfare or safety of the pupil, contact the "
            "children's advice service (in Norfolk, the Children's Advice and Duty Service) "
            "immediately and share your concerns."
        ),
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    pupil_wishes_discussed = forms.CharField(
        label="The pupil's wishes and feelings, if you discussed them (optional)",
        help_text=(
            "Take the opportunity to discuss Wishes and Feelings and barriers to attendance. "
            "Record them in full on the case too."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )

    def __init__(self, *args: Any, carers: Sequence[PupilCarer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page's order, so the error summary lists problems as they appear.
        self.order_fields(PAGE_ORDER)
        self.carers = list(carers)
        with_whom = self.fields["with_whom"]
        assert isinstance(with_whom, forms.ChoiceField)
        with_whom.choices = [(str(link.pk), str(link.carer)) for link in self.carers] + [
            (SOMEONE_ELSE, "Someone else")
        ]

    # What the template draws for each radio group.
    @property
    def method_options(self) -> list[Option]:
        return [Option(value, str(label)) for value, label in Contact.Method.choices]

    @property
    def with_whom_options(self) -> list[Option]:
        return [
            Option(
                str(link.pk), f"{link.carer} ({link.get_relationship_display()})", carer_hint(link)
            )
            for link in self.carers
        ]

    @property
    def home_visit_questions(self) -> list[forms.BoundField]:
        return [self["dsl_consulted"], self["concern_raised"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("occurred_on"), data.get("occurred_time")
        if day is not None and time is not None:
            data["occurred_at"] = timezone.make_aware(dt.datetime.combine(day, time))
            if day > timezone.localdate():
                self.add_error(
                    "occurred_on", "The date of the contact must be today or in the past"
                )
        absence = data.get("absence_date")
        if absence is not None and absence > timezone.localdate():
            self.add_error("absence_date", "The day of absence must be today or in the past")
        if data.get("with_whom") == SOMEONE_ELSE and not data.get("other_person", "").strip():
            self.add_error("other_person", "Enter who you contacted")
        if data.get("follow_up_needed") and not data.get("follow_up", "").strip():
            self.add_error("follow_up", "Enter what needs to happen next")
        if data.get("method") == Contact.Method.HOME_VISIT:
            if data.get("dsl_consulted") is None:
                self.add_error(
                    "dsl_consulted", "Select whether you discussed the home visit with the DSL"
                )
            if data.get("concern_raised") is None:
                self.add_error(
                    "concern_raised",
                    "Select whether you shared a concern with the children's advice service",
                )
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned answers, as `contact_log` takes them."""
        data = self.cleaned_data
        someone_else = data["with_whom"] == SOMEONE_ELSE
        return {
            "occurred_at": data["occurred_at"],
            "method": data["method"],
            "carer_link_id": None if someone_else else int(data["with_whom"]),
            "other_person": data["other_person"] if someone_else else "",
            "reached": data["reached"],
            "absence_date": data["absence_date"],
            "reason_established": data["reason_established"],
            "notes": data["notes"],
            "follow_up_needed": data["follow_up_needed"],
            "follow_up": data["follow_up"],
            "dsl_consulted": data["dsl_consulted"],
            "concern_raised": data["concern_raised"],
            "pupil_wishes_discussed": data["pupil_wishes_discussed"],
        }

    def free_text(self) -> list[str]:
        """The answers written in the user's own words, for the language check (A6)."""
        names = (
            "other_person",
            "reason_established",
            "notes",
            "follow_up",
            "pupil_wishes_discussed",
        )
        return [self.cleaned_data.get(name, "") for name in names]
