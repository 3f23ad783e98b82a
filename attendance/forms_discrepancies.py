from __future__ import annotations

from django import forms

from core.forms import GovDateField


class DiscrepancyResolveForm(forms.Form):
    """How a difference from another school's file was dealt with."""

    resolution = forms.CharField(
        label="What did you do?",
        help_text="For example: checked with the parent, our records are right; or the "
        "pupil left us on 12 September and joined the other school.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter what was done"},
    )

    def __init__(self, *args: object, on_roll: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if on_roll:
            self.fields["left_on"] = GovDateField(
                label="If the pupil has left your school, the date they left",
                what="the date the pupil left",
                required=False,
                help_text="Leave it blank if the pupil is still on your roll. For example, "
                "12 9 2025",
            )
