"""Forms for part-time timetables: agreeing one, a review, ending one."""

from __future__ import annotations

from django import forms

from core.forms import GovDateField

from .forms_plans import text_area


class TimetableForm(forms.Form):
    reason = text_area(
        "Why does the pupil need a part-time timetable?",
        help_text=(
            "A part-time timetable is exceptional and temporary, and not a way to manage "
            "behaviour. Say which barriers it addresses and how the pupil will return to "
            "full-time education."
        ),
        missing="Enter why the pupil needs a part-time timetable",
    )
    agreed_hours = forms.CharField(
        label="Hours agreed",
        help_text="For example, mornings only, 8:45am to 12:15pm, Monday to Friday.",
        max_length=200,
        error_messages={"required": "Enter the hours agreed"},
    )
    start = GovDateField(label="Start", missing="Enter the date the timetable starts")
    planned_end = GovDateField(
        label="Planned end",
        help_text="A part-time timetable must be time-limited. For example, 27 3 2026",
        missing="Enter the planned end: a part-time timetable must be time-limited",
    )
    next_review_due = GovDateField(
        label="First review due",
        help_text="The review is held formally with the pupil and parents. For example, 27 3 2026",
        missing="Enter the date the first review is due",
    )
    parent_agreed_on = GovDateField(
        label="Date the parent agreed (optional)",
        missing="Enter the date the parent agreed",
        required=False,
    )
    la_notified_on = GovDateField(
        label="Date the LA was notified (optional)",
        help_text="The LA is notified when a part-time timetable is agreed. For example, 27 3 2026",
        missing="Enter the date the LA was notified",
        required=False,
    )


class TimetableReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reviewed_on = GovDateField(label="Date of the review", missing="Enter the date of the review")
    next_review_due = GovDateField(
        label="Next review due", missing="Enter the date the next review is due"
    )
    planned_end = GovDateField(
        label="Planned end",
        help_text="Change it only if the review agreed to. For example, 27 3 2026",
        missing="Enter the planned end: a part-time timetable must be time-limited",
    )
    parent_agreed_on = GovDateField(
        label="Date the parent agreed (optional)",
        missing="Enter the date the parent agreed",
        required=False,
    )
    la_notified_on = GovDateField(
        label="Date the LA was notified (optional)",
        missing="Enter the date the LA was notified",
        required=False,
    )


class TimetableEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = GovDateField(
        label="Date the timetable ended", missing="Enter the date the timetable ended"
    )
