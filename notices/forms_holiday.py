"""Forms for holiday penalty-notice requests: the school's request, the LA's
return and decline, and issuing a notice on an accepted request. They parse;
the rules and refusals live in `notices.services.holiday`."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet

from core.forms import GovDateField
from pupils.models import PupilCarer

from .forms_penalties import NoticeServiceFields
from .models import HolidayRequest

TEXT_LIMIT = 5000


def _text(label: str, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        **kwargs,
    )


class ParentField(forms.ModelMultipleChoiceField[PupilCarer]):
    def label_from_instance(self, obj: PupilCarer) -> str:
        return f"{obj.carer} ({obj.get_relationship_display()})"


class HolidayRequestForm(forms.Form):
    sessions_first_day = GovDateField(
        label="First day of the absence",
        what="the first day of the absence",
        help_text="The registers are read from this day. For example, 2 3 2026",
    )
    sessions_last_day = GovDateField(
        label="Last day of the absence", what="the last day of the absence"
    )
    leave_first_day = GovDateField(
        label="First day of the leave requested", what="the first day of the leave requested"
    )
    leave_last_day = GovDateField(
        label="Last day of the leave requested", what="the last day of the leave requested"
    )
    requested_by = forms.CharField(
        label="Who asked for the leave?",
        max_length=200,
        error_messages={"required": "Enter who asked for the leave"},
    )
    requested_on = GovDateField(
        label="Date the leave was requested", what="the date the leave was requested"
    )
    request_reason = _text(
        "The reason given for the leave",
        error_messages={"required": "Enter the reason given for the leave"},
    )
    refused_on = GovDateField(
        label="Date the school refused the leave", what="the date the school refused the leave"
    )
    refusal_reason = _text(
        "Why the school refused the leave",
        error_messages={"required": "Enter why the school refused the leave"},
    )
    parents = ParentField(
        label="Which parents are responsible for the leave?",
        queryset=PupilCarer.unscoped.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Carers with parental responsibility. A notice can be issued to each one "
        "selected.",
        error_messages={
            "required": "Select the parents responsible for the leave",
            "invalid_choice": "Select the parents responsible for the leave",
        },
    )

    def __init__(self, *args: Any, parents: QuerySet[PupilCarer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parents"]
        assert isinstance(field, ParentField)
        field.queryset = parents

    @classmethod
    def initial_from(cls, request: HolidayRequest) -> dict[str, Any]:
        """A returned request's answers, for its correction."""
        names = [
            "sessions_first_day",
            "sessions_last_day",
            "leave_first_day",
            "leave_last_day",
            "requested_by",
            "requested_on",
            "request_reason",
            "refused_on",
            "refusal_reason",
        ]
        initial: dict[str, Any] = {name: getattr(request, name) for name in names}
        initial["parents"] = [link.pk for link in request.parents.all()]
        return initial


class ReasonsForm(forms.Form):
    """The LA's reasons for returning (prefix "return") or declining ("decline")."""

    LABELS = {
        "return": ("What the school needs to correct", "Enter what the school needs to correct"),
        "decline": ("Why the LA declines the request", "Enter why the LA declines the request"),
    }
    reasons = _text("Reasons")

    def __init__(self, data: Any = None, *, prefix: str) -> None:
        super().__init__(data, prefix=prefix)
        label, required = self.LABELS[prefix]
        self.fields["reasons"].label = label
        self.fields["reasons"].error_messages["required"] = required


class HolidayIssueForm(NoticeServiceFields):
    field_order = ("recipient", *NoticeServiceFields.SERVICE_FIELDS)

    recipient = forms.ModelChoiceField(
        label="Who is the notice issued to?",
        queryset=PupilCarer.unscoped.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="One notice per parent, only to a parent named as responsible for the leave.",
        error_messages={
            "required": "Select who the notice is issued to",
            "invalid_choice": "Select who the notice is issued to",
        },
    )
    reason = _text("Notes", required=False)
    issue_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, request: HolidayRequest, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("issue_token", uuid.uuid4())
        # The offence period defaults to the leave's dates.
        initial.setdefault("offence_first_day", request.leave_first_day)
        initial.setdefault("offence_last_day", request.leave_last_day)
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = request.parents.select_related("carer").order_by("contact_priority", "pk")
        field.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.carer} ({obj.get_relationship_display()})"
        )
