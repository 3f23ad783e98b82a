"""Forms for penalty notices (rule A5): issue, record a payment, withdraw,
record a decision to prosecute. They parse and explain; the rules and the
refusals live in `notices.penalties` and `notices.services.penalties`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from core.forms import GovDateField
from pupils.models import PupilCarer

from .penalties import WithdrawalGround

TEXT_LIMIT = 5000


def _text(label: str, *, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        **kwargs,
    )


def parents_for_notice(pupil_id: int) -> QuerySet[PupilCarer]:
    """Who may receive a notice for this pupil: a parent under s576 EA 1996, that
    is anyone with parental responsibility or who lives with the pupil."""
    return (
        PupilCarer.unscoped.filter(pupil_id=pupil_id)
        .filter(Q(parental_responsibility=True) | Q(lives_with_pupil=True))
        .select_related("carer")
        .order_by("contact_priority", "pk")
    )


class RecipientField(forms.ModelChoiceField[PupilCarer]):
    def label_from_instance(self, obj: PupilCarer) -> str:
        return f"{obj.carer} ({obj.get_relationship_display()})"


class IssueForm(forms.Form):
    recipient = RecipientField(
        label="Who is the notice issued to?",
        queryset=PupilCarer.unscoped.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="One notice per parent. Each parent with parental responsibility or "
        "living with the pupil may be issued their own.",
        error_messages={
            "required": "Select who the notice is issued to",
            "invalid_choice": "Select who the notice is issued to",
        },
    )
    issued_on = GovDateField(label="Date of issue", what="the date of issue")
    reason = _text(
        "Offence period and reason",
        required=True,
        help_text="The dates of the unauthorised absence the notice is for.",
        error_messages={"required": "Enter the offence period and the reason for the notice"},
    )

    def __init__(self, *args: Any, pupil_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        assert isinstance(field, RecipientField)
        field.queryset = parents_for_notice(pupil_id)


class PaymentForm(forms.Form):
    paid_on = GovDateField(label="Date of payment", what="the date of payment")
    amount = forms.DecimalField(
        label="Amount paid, in pounds",
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-5"}
        ),
        help_text="For example, 80 or 160",
        error_messages={
            "required": "Enter the amount paid",
            "invalid": "The amount paid must be a number, like 80 or 160",
            "min_value": "The amount paid must be more than £0",
            "max_digits": "The amount paid must be less than £100,000",
            "max_decimal_places": "The amount paid cannot have more than 2 decimal places",
            "max_whole_digits": "The amount paid must be less than £100,000",
        },
    )

    @property
    def amount_in_pence(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class WithdrawForm(forms.Form):
    ground = forms.ChoiceField(
        label="Why is the notice withdrawn?",
        choices=list(WithdrawalGround.LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the ground for withdrawing the notice",
            "invalid_choice": "Select the ground for withdrawing the notice",
        },
    )
    note = _text(
        "Notes",
        help_text="What was wrong, or why the LA decided not to prosecute. Any amount "
        "paid is to be refunded.",
    )


class ProsecuteForm(forms.Form):
    decided_on = GovDateField(label="Date of the decision", what="the date of the decision")
    note = _text("Notes", help_text="For example, who agreed the prosecution.")
