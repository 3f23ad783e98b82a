"""Forms for the case itself: opening, changing and closing it."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Role, User

from .models import AttendanceCase

MANUAL_STAGES = [
    (AttendanceCase.Stage.UNIVERSAL.value, AttendanceCase.Stage.UNIVERSAL.label),
    (AttendanceCase.Stage.TARGETED.value, AttendanceCase.Stage.TARGETED.label),
    (AttendanceCase.Stage.SUPPORT_FIRST.value, AttendanceCase.Stage.SUPPORT_FIRST.label),
]


def lead_professional_choices(school_id: int | None) -> forms.ModelChoiceField[User]:
    return forms.ModelChoiceField(
        label="Lead professional",
        help_text="One named person the family can rely on, kept the same wherever possible.",
        queryset=User.objects.filter(
            school_id=school_id or 0, is_active=True, role__in=[Role.ATTENDANCE_LEAD, Role.DSL]
        ).order_by("full_name"),
        empty_label=None,
        error_messages={"required": "Select the lead professional"},
    )


class CaseOpenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you opening a case?",
        help_text="What you have seen in the attendance and what you know so far.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Enter why you are opening a case"},
    )
    stage = forms.ChoiceField(
        label="Stage",
        choices=MANUAL_STAGES,
        initial=AttendanceCase.Stage.TARGETED,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the stage"},
    )

    def __init__(self, *args: Any, school_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"] = lead_professional_choices(school_id)


class CaseChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.ChoiceField(
        label="Stage", choices=MANUAL_STAGES, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args: Any, school_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"] = lead_professional_choices(school_id)


class CaseCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label="Why is the case closing?",
        choices=AttendanceCase.ClosingReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the case is closing"},
    )
    note = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
