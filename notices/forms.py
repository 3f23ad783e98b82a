"""Forms for issuing a Notice to Improve and recording its outcome. They parse
and explain; the rules live in `notices.services.notices`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms_gds.choices import Choice
from django import forms

from core.forms import GovDateField
from pupils.models import PupilCarer

from .models import NoticeToImprove, ParentsToldOfReferral

TEXT_LIMIT = 2000

SUFFICIENT_IMPROVEMENT_HINT = (
    "For example, no unauthorised absence and attendance of at least 90% over the "
    "improvement period"
)
DEFAULT_CONSEQUENCE = (
    "If attendance does not improve sufficiently, the school may refer to the Local "
    "Authority for legal intervention, which may lead to a penalty notice or prosecution"
)


def _text(label: str, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
    return forms.CharField(label=label, max_length=TEXT_LIMIT, **kwargs)


class NoticeIssueForm(forms.Form):
    issued_on = GovDateField(
        label="Date of issue",
        what="the date of issue",
        help_text="The day the notice is given or sent to the parents. For example, 2 2 2026",
    )
    recipients = forms.TypedMultipleChoiceField(
        label="Who will receive the notice?",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every parent or carer who receives letters about the pupil: those who "
        "live with and care for them, and a parent who lives elsewhere once the DSL has "
        "agreed. Each gets their own letter.",
        error_messages={"required": "Select at least one parent or carer"},
    )
    sufficient_improvement = _text(
        "What sufficient improvement means for this pupil",
        help_text=SUFFICIENT_IMPROVEMENT_HINT,
        error_messages={"required": "Enter what sufficient improvement means"},
    )
    consequence = _text(
        "What happens if attendance does not improve",
        initial=DEFAULT_CONSEQUENCE,
        error_messages={"required": "Enter what happens if attendance does not improve"},
    )
    staff_contact = forms.CharField(
        label="Member of staff the parents can contact",
        max_length=200,
        help_text="Name and job title",
        error_messages={"required": "Enter the member of staff the parents can contact"},
    )
    override_reason = _text(
        "Why the notice should go ahead although the parents are engaging",
        required=False,
        help_text="Only needed when the latest engagement assessment says the parents are "
        "engaging. The Local Authority sees this reason.",
    )

    def __init__(
        self,
        *args: Any,
        carers: Sequence[PupilCarer],
        backdate_school_days: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].help_text = (
            "The day the notice is given or sent to the parents: today, or a school day up to "
            f"{backdate_school_days} school days ago. For example, 2 2 2026"
        )
        field = self.fields["recipients"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            Choice(link.pk, str(link.carer), hint=link.get_relationship_display())
            for link in carers
        ]


class NoticeOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Has attendance improved sufficiently?",
        choices=[
            Choice(
                NoticeToImprove.Outcome.IMPROVED.value,
                "Yes, sufficient improvement",
                hint="Only once the improvement period has ended. The case goes back to "
                "Support First.",
            ),
            Choice(
                NoticeToImprove.Outcome.NOT_IMPROVED.value,
                "No, not sufficient improvement",
                hint="After the period; earlier only when there has been unauthorised absence "
                "since the notice, or the parents have since been assessed as not engaging. A "
                "referral for legal intervention may follow.",
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether attendance improved sufficiently"},
    )
    on = GovDateField(
        label="Date of the decision",
        what="the date of the decision",
        help_text="For example, 24 3 2026",
    )
    note = _text(
        "What the decision is based on",
        help_text="The attendance over the period and any unauthorised absence, with dates.",
        error_messages={"required": "Enter what the decision is based on"},
    )


class ParentsToldForm(forms.Form):
    told_on = GovDateField(
        label="When were the parents told that a referral will be made?",
        what="the date the parents were told",
        help_text="The referral is due within 15 school days of this day. For example, 24 3 2026",
    )
    method = forms.ChoiceField(
        label="How were they told?",
        choices=ParentsToldOfReferral.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the parents were told"},
    )
    told_by = forms.CharField(
        label="Who told them?",
        max_length=200,
        help_text="Name and job title",
        error_messages={"required": "Enter who told the parents"},
    )


class NoticeWithdrawForm(forms.Form):
    reason = _text(
        "Why is the notice withdrawn?",
        help_text="For example, it was given in error. The notice is kept on the case, marked "
        "withdrawn, and no referral can rest on it.",
        error_messages={"required": "Enter why the notice is withdrawn"},
    )


class NoticeCorrectForm(forms.Form):
    issued_on = GovDateField(
        label="Correct date of issue",
        what="the date of issue",
        help_text="The day the notice was actually given or sent. For example, 2 2 2026",
    )
    recipients = forms.TypedMultipleChoiceField(
        label="Who received the notice?",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one parent or carer"},
    )
    reason = _text(
        "What was wrong with the notice?",
        help_text="The corrected version replaces it; the old one is kept, marked superseded.",
        error_messages={"required": "Enter what was wrong with the notice"},
    )

    def __init__(self, *args: Any, carers: Sequence[PupilCarer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipients"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            Choice(link.pk, str(link.carer), hint=link.get_relationship_display())
            for link in carers
        ]
