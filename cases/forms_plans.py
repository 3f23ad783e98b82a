"""Forms for the SMART action plan: the aim, an action, ending an action, a review.

The labels and hints use the guidance's own words (Norfolk's "Effective Plans";
see docs/rules.md#plan-in-place).
The forms check what a form can (a date is a date, a choice is made); the rules
about the plan (a target date in the future, a review after the previous one)
are the services' and come back as errors on the same fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovDateField

from .models import ActionProgress


def text_area(label: str, *, help_text: str = "", required: bool = True, missing: str = "") -> Any:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": missing or f"Enter {label.lower()}"},
    )


class PlanForm(forms.Form):
    """The plan's aim: "insert attendance target including expected date"."""

    agreed_on = GovDateField(
        label="Date the plan was agreed",
        help_text="For example, the date of the meeting where it was agreed. Reviews are "
        "counted from this date.",
        missing="Enter the date the plan was agreed",
    )

    target_attendance = forms.DecimalField(
        label="Attendance target (%)",
        help_text="100% is an aim, not an action: the actions below are how the pupil gets there.",
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the attendance target",
            "invalid": "Enter the attendance target as a number, like 95",
            "max_digits": "Enter an attendance target between 1% and 100%",
            "max_decimal_places": "Enter the attendance target to no more than 1 decimal place",
        },
    )
    target_date = GovDateField(
        label="Date the pupil should reach the target",
        missing="Enter the date the pupil should reach the target",
    )
    review_every_days = forms.IntegerField(
        label="Review the plan every (days)",
        help_text=(
            "Fortnightly (14 days) unless agreed otherwise. Reviews that are not timely "
            "cause drift."
        ),
        initial=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter how often the plan is reviewed, in days",
            "invalid": "Enter how often the plan is reviewed as a whole number of days",
        },
    )


class PlanChangeForm(PlanForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActionForm(forms.Form):
    """One row of the action plan table for a barrier."""

    action = text_area(
        "Action or intervention to address the barrier",
        help_text="Specific to this child: what will be done, and by whom.",
        missing="Enter the action or intervention",
    )
    by_when = GovDateField(label="By when", missing="Enter the date the action is due by")
    responsible = forms.CharField(
        label="Person responsible",
        help_text="A named person, with their role: for example, Sam Jones, Head of Year 8.",
        max_length=200,
        error_messages={"required": "Enter the person responsible"},
    )
    how_we_will_know = text_area(
        "How will we know it is working for the child?",
        help_text="What you will see when the action is working.",
        missing="Enter how we will know it is working for the child",
    )


class ActionChangeForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActionEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = GovDateField(
        label="Date the action ended", missing="Enter the date the action ended"
    )


class ReviewForm(forms.Form):
    """The review itself; each action's progress is a `ProgressForm`."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reviewed_on = GovDateField(label="Date of the review", missing="Enter the date of the review")
    changes_made = text_area(
        "Changes made at this review",
        help_text=(
            "If an action made no progress, say what you will do differently: reviews that "
            "do not address lack of progress are a barrier to effective plans."
        ),
        required=False,
    )
    next_review_due = GovDateField(
        label="Next review due",
        missing="Enter the date the next review is due",
        required=False,
    )

    def __init__(self, *args: Any, review_every_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "next_review_due"
        ].help_text = f"Leave blank to review again {review_every_days} days after this review."


class ProgressForm(forms.Form):
    """One current action's progress at a review, prefixed with the action's id."""

    progress = forms.ChoiceField(
        label="Progress since the last review",
        choices=ActionProgress.Progress.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the progress of this action"},
    )
    note = text_area("What happened (optional)", required=False)

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The error summary lists every action's errors together: say which one.
        self.fields["progress"].error_messages["required"] = (
            f"Select the progress of action {number}"
        )
