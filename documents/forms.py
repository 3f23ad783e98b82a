from __future__ import annotations

from typing import Any

from django import forms


class MakeForm(forms.Form):
    translation_note = forms.CharField(
        label="How will this letter be translated or explained?",
        help_text="For example: \"Translated into Polish by the LA's translation service; "
        'a Polish-speaking member of staff will go through it with Mrs Nowak".',
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label="Why is a new version needed?",
        help_text="The version already made is kept, marked superseded.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, explain: bool, new_version: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not explain:
            del self.fields["translation_note"]
        else:
            self.fields["translation_note"].required = True
            self.fields["translation_note"].error_messages["required"] = (
                "Say how the letter will be translated or explained"
            )
        if not new_version:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = "Say why a new version is needed"


class TranslationForm(forms.Form):
    language = forms.CharField(label="Language of the translation", max_length=50)
    file = forms.FileField(label="The translated letter (PDF)")


class WordingForm(forms.Form):
    text = forms.CharField(
        label="Wording",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the wording"},
    )


class SchoolDetailsForm(forms.Form):
    address = forms.CharField(
        label="Postal address",
        help_text="One line per line, without the postcode",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the school's address"},
    )
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages={"required": "Enter the postcode"}
    )
    phone = forms.CharField(label="Telephone", max_length=30, required=False)
    email = forms.EmailField(label="Email address for parents", required=False)
