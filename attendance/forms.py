from pathlib import PurePath
from typing import Any

from django import forms

from .models import ImportBatch

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
EXTENSIONS = {ImportBatch.Kind.CTF: ".xml", ImportBatch.Kind.MARKS_CSV: ".csv"}


class ImportUploadForm(forms.Form):
    """A Common Transfer File or a marks CSV to import. Only the file's kind, size
    and name are checked here; its contents are checked by the import itself."""

    kind = forms.ChoiceField(
        label="What kind of file is it?",
        choices=ImportBatch.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of file it is"},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text="The file must be smaller than 50MB.",
        error_messages={
            "required": "Select a file to import",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read. Try selecting it again",
        },
    )
    academic_year = forms.IntegerField(
        label="Academic year (marks CSV only, optional)",
        help_text=(
            "The year it starts in, for example 2025 for 2025/26. Leave it blank to use the "
            "year of the first mark in the file."
        ),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "invalid": "Academic year must be a year, like 2025",
            "min_value": "Academic year must be 2000 or later",
            "max_value": "Academic year must be 2100 or earlier",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        kind = cleaned.get("kind")
        if upload is None or kind is None:
            return cleaned
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", "The selected file must be smaller than 50MB")
        elif PurePath(upload.name or "").suffix.lower() != EXTENSIONS[ImportBatch.Kind(kind)]:
            self.add_error(
                "file",
                "The selected file must be an XML file"
                if kind == ImportBatch.Kind.CTF
                else "The selected file must be a CSV file",
            )
        return cleaned
