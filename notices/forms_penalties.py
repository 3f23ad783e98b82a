"""Forms for penalty notices (rule A5): issue, record a payment, withdraw,
record a decision to prosecute. They parse and explain; the rules and the
refusals live in `notices.penalties` and `notices.services.penalties`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from core.forms import GovDateField
from pupils.models import PupilCarer

from .models import LADecision
from .penalties import ServiceMethod, WithdrawalGround, long_date

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


class DecisionField(forms.ModelChoiceField[LADecision]):
    def label_from_instance(self, obj: LADecision) -> str:
        return (
            f"Penalty notice decided {long_date(obj.decided_on)} on the referral of the "
            f"Notice to Improve of {long_date(obj.referral.notice.issued_on)}"
        )


class NoticeServiceFields(forms.Form):
    """What every penalty notice form asks, whatever its route: the offence
    period, the date of issue, and how and when it was served (receipt, and so
    the payment periods, count from service: rule A5). A route's form puts its
    own questions (which decision, which parent) first."""

    SERVICE_FIELDS = (
        "offence_first_day",
        "offence_last_day",
        "issued_on",
        "service_method",
        "served_on",
    )

    offence_first_day = GovDateField(
        label="First day of the offence period", what="the first day of the offence period"
    )
    offence_last_day = GovDateField(
        label="Last day of the offence period", what="the last day of the offence period"
    )
    issued_on = GovDateField(label="Date of issue", what="the date of issue")
    service_method = forms.ChoiceField(
        label="How was the notice served?",
        choices=list(ServiceMethod.LABELS.items()),
        widget=forms.RadioSelect,
        help_text="A posted notice is received on the second (first class) or fourth "
        "(second class) working day after posting; the payment periods run from then.",
        error_messages={
            "required": "Select how the notice was served",
            "invalid_choice": "Select how the notice was served",
        },
    )
    served_on = GovDateField(
        label="Date handed over or posted", what="the date the notice was handed over or posted"
    )


class IssueForm(NoticeServiceFields):
    field_order = ("decision", "recipient", *NoticeServiceFields.SERVICE_FIELDS)

    decision = DecisionField(
        label="Which LA decision is the notice issued on?",
        queryset=LADecision.unscoped.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the LA decision the notice is issued on",
            "invalid_choice": "Select the LA decision the notice is issued on",
        },
    )
    recipient = RecipientField(
        label="Who is the notice issued to?",
        queryset=PupilCarer.unscoped.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="One notice per parent, only to a parent who was served the Notice to Improve.",
        error_messages={
            "required": "Select who the notice is issued to",
            "invalid_choice": "Select who the notice is issued to",
        },
    )
    reason = _text("Notes", help_text="Anything the LA should know about this offence.")
    # A one-time token: the same form posted twice (or three times) makes one notice.
    issue_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        pupil_id: int,
        decisions: Sequence[LADecision],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("issue_token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        decision_field = self.fields["decision"]
        assert isinstance(decision_field, DecisionField)
        decision_field.queryset = LADecision.unscoped.filter(
            pk__in=[d.pk for d in decisions]
        ).select_related("referral__notice")
        if len(decisions) == 1:
            decision_field.initial = decisions[0].pk
        field = self.fields["recipient"]
        assert isinstance(field, RecipientField)
        served = [d.referral.notice_id for d in decisions]
        field.queryset = parents_for_notice(pupil_id).filter(notices_received__in=served).distinct()


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
    eso_considered = forms.BooleanField(
        label="An education supervision order was considered",
        required=False,
        help_text="Required: Education Act 1996 s447.",
    )
    eso_note = _text("Why an education supervision order is not used")
    contract_explored = forms.TypedChoiceField(
        label="Was an attendance contract explored?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    contract_note = _text("If not, why not")
    note = _text("Notes", help_text="For example, who agreed the prosecution.")


class InformationLaidForm(forms.Form):
    laid_on = GovDateField(
        label="Date the information was laid",
        what="the date the information was laid",
        help_text="The day the magistrates' court received the information (the prosecution "
        "started). For example, 12 8 2026",
    )
    note = _text("Notes", help_text="For example, the court and its reference.")
