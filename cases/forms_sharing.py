"""Sharing a case file with the LA: the reason, and the confirmation of taking it back."""

from __future__ import annotations

from django import forms


class ShareForm(forms.Form):
    reason = forms.CharField(
        label="Why does the LA need to see this case file?",
        help_text=(
            "For example: to discuss at the Targeting Support Meeting, or to ask the "
            "attendance officer's advice. The LA's officers and managers will see the "
            "pupil's voice, barriers, contacts and home visits, meetings, plan and letters."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the LA needs to see this case"},
    )


class RevokeForm(forms.Form):
    """Nothing to fill in: the button is the confirmation."""
