from __future__ import annotations

from django import forms

from .retention_rules import KINDS


class RetentionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What should happen to this record?",
        choices=[
            ("delete", "Delete it: it is past its retention period and not needed"),
            ("keep", "Keep it for now (for example, a court case or a complaint needs it)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to delete or keep the record"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Recorded in the audit trail. Needed when you keep the record.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "keep" and not str(data.get("reason", "")).strip():
            self.add_error("reason", "Say why the record is kept past its retention period")
        return data


class RetentionPeriodsForm(forms.Form):
    def __init__(self, *args: object, current: dict[str, int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in KINDS.values():
            self.fields[kind.key] = forms.IntegerField(
                label=f"{kind.label}: years kept",
                help_text=f"Counted from {kind.counted_from}. Default {kind.default_years} "
                f"years: {kind.source}.",
                min_value=kind.minimum_years,
                max_value=100,
                initial=current[kind.key],
                error_messages={
                    "required": f"Enter how many years {kind.label.lower()} are kept",
                    "min_value": f"{kind.label} must be kept for at least "
                    f"{kind.minimum_years} years",
                    "invalid": "Enter a whole number of years",
                },
            )
