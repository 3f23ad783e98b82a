"""The form asking for a school's half-term letters."""

from __future__ import annotations

from typing import Any

from django import forms

from attendance.models import SchoolTerm

from .services.batch import DEFAULT_THRESHOLD

EVERY_PUPIL = "all"
BELOW = "below"


class TermField(forms.ModelChoiceField[SchoolTerm]):
    def label_from_instance(self, obj: SchoolTerm) -> str:
        return f"{obj.name}: {obj.start.day} {obj.start:%B %Y} to {obj.end.day} {obj.end:%B %Y}"


class HalfTermForm(forms.Form):
    term = TermField(
        label="Which half term?",
        queryset=SchoolTerm.unscoped.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the half term"},
    )
    who = forms.ChoiceField(
        label="Which pupils?",
        choices=[
            (BELOW, "Pupils whose attendance in the half term was below a percentage"),
            (EVERY_PUPIL, "Every pupil on roll"),
        ],
        initial=BELOW,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which pupils"},
    )
    threshold = forms.IntegerField(
        label="Attendance below (%)",
        help_text="90% is the persistent absence level: missing 10% or more of sessions.",
        min_value=1,
        max_value=100,
        required=False,
        initial=DEFAULT_THRESHOLD,
        error_messages={
            "min_value": "Enter a percentage from 1 to 100",
            "max_value": "Enter a percentage from 1 to 100",
            "invalid": "Enter a whole percentage, like 90",
        },
    )

    def __init__(self, *args: Any, terms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["term"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = terms

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("who") == BELOW
            and data.get("threshold") is None
            and "threshold" not in (self.errors)
        ):
            self.add_error("threshold", "Enter the percentage")
        return data

    @property
    def chosen_threshold(self) -> int | None:
        data = self.cleaned_data
        return None if data["who"] == EVERY_PUPIL else int(data["threshold"])
