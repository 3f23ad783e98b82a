"""The DSL's decision on writing to a parent who does not live with the pupil."""

from django import forms


class CorrespondenceDecisionForm(forms.Form):
    include = forms.ChoiceField(
        label="Should this parent get letters and messages about attendance?",
        choices=[("yes", "Yes, include them"), ("no", "No, do not include them")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to include this parent"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for your decision"},
    )
