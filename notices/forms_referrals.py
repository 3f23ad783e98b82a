"""Forms for submitting a referral and for the LA's review. They parse and
explain; the rules live in `notices.services.referrals`."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import School
from core.forms import GovDateField

from .models import LADecision, LegalReferral

TEXT_LIMIT = 5000


def _text(label: str, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        **kwargs,
    )


class SubmitForm(forms.Form):
    early_referral_reason = _text(
        "Reason for referring before the improvement period ends (if it has not ended)",
        help_text="The unauthorised absence since the notice, with dates, or the assessment "
        "that the parents are not engaging. The LA sees this.",
    )


class ReturnForm(forms.Form):
    reasons = _text(
        "What the school needs to add or change",
        required=True,
        help_text="The school sees this and can resubmit.",
        error_messages={"required": "Enter what the school needs to add or change"},
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label="The LA's decision",
        choices=LADecision.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the LA's decision"},
    )
    reason = _text(
        "Reason for the decision",
        required=True,
        error_messages={"required": "Enter the reason for the decision"},
    )
    decided_on = GovDateField(label="Date of the decision", what="the date of the decision")
    offence_first_day = GovDateField(
        label="First day of the offence period",
        what="the first day of the offence period",
        required=False,
        help_text="Required for a prosecution: the absence it is for. For example, 8 9 2025",
    )
    offence_last_day = GovDateField(
        label="Last day of the offence period",
        what="the last day of the offence period",
        required=False,
        help_text="Required for a prosecution. The information must be laid at the "
        "magistrates' court within 6 months of this day (Magistrates' Courts Act 1980 s127).",
    )
    eso_considered = forms.BooleanField(
        label="An education supervision order was considered",
        required=False,
        help_text="Required before prosecuting.",
    )
    eso_note = _text(
        "Why an education supervision order is or is not used",
        help_text="Required before prosecuting.",
    )
    contract_explored = forms.TypedChoiceField(
        label="Was an attendance contract explored?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="Required before prosecuting.",
    )
    contract_note = _text(
        "If not, why not",
        help_text="Required before prosecuting when no attendance contract was explored.",
    )


AGES = [("", "Any age"), ("5", "More than 5 days"), ("10", "More than 10 days")]


class InboxFilterForm(forms.Form):
    school = forms.ModelChoiceField(
        label="School", queryset=School.objects.none(), required=False, empty_label="All schools"
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Waiting for the LA"), *LegalReferral.Status.choices, ("all", "All")],
        required=False,
    )
    age = forms.ChoiceField(label="Submitted", choices=AGES, required=False)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = schools
