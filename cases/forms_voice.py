"""The form for the pupil's voice (Wishes and Feelings). Labels and hints use the
Support First guidance's own words; field names are the model's, so an error
about a field lands next to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import Role, User
from pupils.models import Pupil

from .forms_contacts import date_field
from .models import WishesAndFeelings

TEXT_FIELDS = (
    "relationship",
    "setting",
    "why_hard",
    "what_would_help",
    "worries_at_school",
    "worries_at_home",
    "going_well",
    "patterns_discussed",
    "scale_name",
    "scale_score",
)


def _text(
    name: str, label: str, *, required: str | None = None, help_text: str = "", rows: int = 0
) -> forms.CharField:
    """A text answer as long as the model allows, "(optional)" when it is."""
    field = WishesAndFeelings._meta.get_field(name)
    limit = field.max_length if isinstance(field, models.CharField) else None
    return forms.CharField(
        label=label if required else f"{label} (optional)",
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        max_length=limit or 8000,
        required=required is not None,
        error_messages={"required": required or ""},
    )


class StaffChoiceField(forms.ModelChoiceField[User]):
    """Staff by name and job title: several may share a name."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


class VoiceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    gathered_on = date_field(
        "Date of the conversation",
        what="Date of the conversation",
        required=True,
        help_text="For example, 27 3 2025",
    )
    gathered_by = StaffChoiceField(
        label="Who talked with the pupil?",
        help_text=(
            "Consider who is the best adult to work with the pupil, for example a pastoral "
            "support worker, the pupil's favourite teacher, or someone that they trust and "
            "have a good relationship with."
        ),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={"required": "Select who talked with the pupil"},
    )
    relationship = _text(
        "relationship",
        "Their relationship to the pupil",
        required="Enter their relationship to the pupil",
        help_text="For example, form tutor, or the teaching assistant the pupil trusts",
    )
    setting = _text(
        "setting",
        "Where the conversation took place",
        required="Enter where the conversation took place",
        help_text="For example, the quiet room at break time",
    )
    why_hard = _text(
        "why_hard",
        "Why it is hard to come to school, in the pupil's words",
        required="Enter why it is hard to come to school, in the pupil's words",
        help_text=(
            "Ask open questions, for example “talk to me about why you're finding it "
            "difficult to come into school at the moment”. Avoid yes or no questions. "
            "Write down what the pupil says."
        ),
        rows=5,
    )
    what_would_help = _text(
        "what_would_help",
        "What would help, in the pupil's words",
        required="Enter what would help, in the pupil's words",
        help_text="What the pupil feels would support them to attend school more regularly.",
        rows=4,
    )
    worries_at_school = _text(
        "worries_at_school",
        "Worries at school",
        help_text="Factors at school that could be contributing to absence patterns.",
        rows=3,
    )
    worries_at_home = _text(
        "worries_at_home",
        "Worries at home",
        help_text="Factors at home that could be contributing to absence patterns.",
        rows=3,
    )
    going_well = _text("going_well", "What is going well", rows=3)
    patterns_discussed = _text("patterns_discussed", "Patterns discussed", rows=3)
    scale_name = _text(
        "scale_name",
        "Scale used",
        help_text="For example, a 1 to 10 scale of how the pupil feels about coming to school",
    )
    scale_score = _text("scale_score", "Score on the scale", help_text="For example, 4 out of 10")
    scale_score.widget.attrs["class"] = "govuk-input--width-10"

    def __init__(self, *args: Any, school_id: int, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any member of the school's staff may be the trusted adult, not only
        # those who may write to the case.
        gathered_by = self.fields["gathered_by"]
        assert isinstance(gathered_by, StaffChoiceField)
        gathered_by.queryset = User.objects.filter(
            school_id=school_id,
            is_active=True,
            role__in=[Role.ATTENDANCE_LEAD, Role.DSL, Role.SCHOOL_STAFF],
        ).order_by("full_name")
        self.fields["patterns_discussed"].help_text = format_html(
            "For example, Fridays, or Monday mornings: see "
            '<a class="govuk-link" href="{}" target="_blank" rel="noopener">'
            "the pupil's attendance patterns (opens in new tab)</a>",
            reverse("attendance:pupil_attendance", args=[pupil.pk]),
        )

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned answers, as `voice_record` and `voice_update` take them."""
        data = self.cleaned_data
        return {
            "gathered_on": data["gathered_on"],
            "gathered_by": data["gathered_by"],
            **{name: data[name] for name in TEXT_FIELDS},
        }

    def free_text(self) -> list[str]:
        """The answers written in words, for the language check (rule A6)."""
        return [self.cleaned_data.get(name, "") for name in TEXT_FIELDS]
