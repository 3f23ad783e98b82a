from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html

from .imports.marks_csv import DEFAULT_COLUMNS, FIELDS
from .models import ImportBatch
from .services.uploads import (
    KeptUpload,
    KeptUploadError,
    kept_upload_discard,
    kept_upload_get,
    kept_upload_open,
    upload_keep,
)

if TYPE_CHECKING:
    from accounts.models import User

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
EXTENSIONS = {ImportBatch.Kind.CTF: ".xml", ImportBatch.Kind.MARKS_CSV: ".csv"}
KIND_OF_EXTENSION = {extension: kind for kind, extension in EXTENSIONS.items()}
FILE_HINT = "The file must be smaller than 50MB."
COLUMN_LABELS = {"upn": "UPN", "date": "date", "session": "session", "code": "code"}


def _column_field(label: str, hint: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"max_length": f"{label} must be 100 characters or fewer"},
    )


class ImportUploadForm(forms.Form):
    """A Common Transfer File or a marks CSV to import. Only the file's kind, size
    and name are checked here; its contents are checked by the import itself.

    The kind comes from the file's name (.xml or .csv); the form asks for it
    only when the name says neither. A file sent with a form that has an error
    is kept (`keep_upload`), so that the corrected form need not send it again.
    """

    file = forms.FileField(
        label="Upload a file",
        help_text=FILE_HINT,
        # Not required when a file sent earlier is kept: checked in clean().
        required=False,
        error_messages={
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read. Try selecting it again",
        },
    )
    kind = forms.ChoiceField(
        label="What kind of file is it?",
        help_text="The file's name does not end in .xml or .csv, so say what it is.",
        choices=ImportBatch.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
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
    # The mapping `import_marks --columns` takes: blank means the usual name.
    column_upn = _column_field("UPN column", "Leave it blank if it is called upn.")
    column_date = _column_field("Date column", "Leave it blank if it is called date.")
    column_session = _column_field(
        "Session column (AM or PM)", "Leave it blank if it is called session."
    )
    column_code = _column_field("Attendance code column", "Leave it blank if it is called code.")
    kept_upload = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args: Any, user: "User", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # The kept file this page offers, if any, and a new file that could be kept.
        self.kept: KeptUpload | None = None
        self._new_upload: UploadedFile | None = None
        self._replaced: KeptUpload | None = None
        self._opened: UploadedFile | None = None

    # What the template needs ------------------------------------------------

    @property
    def asks_kind(self) -> bool:
        """Show the kind's radios: the file's name did not say, or a kind was chosen."""
        return self.is_bound and bool(self.data.get("kind") or "kind" in self.errors)

    @property
    def columns_open(self) -> bool:
        """Open the column names' details: some are given, or wrong."""
        names = [f"column_{name}" for name in FIELDS]
        return self.is_bound and any(
            (self.data.get(name) or "").strip() or name in self.errors for name in names
        )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{name}"] for name in FIELDS]

    # Checking ---------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        earlier, earlier_problem = self._earlier_upload(cleaned.get("kept_upload") or "")
        if "file" in self.errors:  # a new file that cannot be read: the kept one stays
            self._offer(earlier)
            return cleaned
        upload: UploadedFile | None = cleaned.get("file")
        if upload:
            self._replaced = earlier
            if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                self._offer(earlier)
                self.add_error("file", "The selected file must be smaller than 50MB")
                return cleaned
            self._new_upload = upload
        elif earlier is not None:
            try:
                upload = self._opened = kept_upload_open(earlier)
            except KeptUploadError as problem:
                self.add_error("file", str(problem))
                return cleaned
            self._offer(earlier)
            cleaned["file"] = upload
        else:
            self.add_error("file", earlier_problem or "Select a file to import")
            return cleaned
        kind = self._kind(upload, cleaned.get("kind") or None)
        cleaned["kind"] = kind
        cleaned["columns"] = self._columns(cleaned) if kind != ImportBatch.Kind.CTF else None
        return cleaned

    def _earlier_upload(self, token: str) -> tuple[KeptUpload | None, str | None]:
        if not token:
            return None, None
        try:
            return kept_upload_get(acting_user=self.user, token=token), None
        except KeptUploadError as problem:
            return None, str(problem)

    def _offer(self, kept: KeptUpload | None) -> None:
        """Say on the page that `kept` will be imported unless another file is chosen."""
        self.kept = kept
        if kept is not None:
            hint = format_html(
                "You selected {}. It will be imported unless you choose another file. {}",
                kept.name,
                FILE_HINT,
            )
            # The bound field copied the hint when the form was checked.
            self.fields["file"].help_text = self["file"].help_text = hint

    def _kind(self, upload: UploadedFile, chosen: str | None) -> str | None:
        """The kind the file's name says, or the one chosen when the name says none."""
        named = KIND_OF_EXTENSION.get(PurePath(upload.name or "").suffix.lower())
        if chosen is not None and named is not None and chosen != named:
            self.add_error(
                "file",
                "The selected file must be an XML file"
                if chosen == ImportBatch.Kind.CTF
                else "The selected file must be a CSV file",
            )
            return None
        if chosen is None and named is None:
            self.add_error("kind", "Select what kind of file it is")
            return None
        return chosen or named

    def _columns(self, cleaned: dict[str, Any]) -> dict[str, str] | None:
        """The CSV's column names, as `columns_parse` gives them; None when none
        is given (the usual names)."""
        given = {
            name: cleaned[f"column_{name}"].strip()
            for name in FIELDS
            if (cleaned.get(f"column_{name}") or "").strip()
        }
        if not given:
            return None
        columns = {**DEFAULT_COLUMNS, **given}
        seen: dict[str, str] = {}
        for name in FIELDS:
            other = seen.setdefault(columns[name].casefold(), name)
            if other != name:
                self.add_error(
                    f"column_{name}" if name in given else f"column_{other}",
                    f"The {COLUMN_LABELS[name]} column must have a different name from the "
                    f"{COLUMN_LABELS[other]} column",
                )
        return columns

    # After the view has tried the import -------------------------------------

    def keep_upload(self) -> None:
        """The form has an error: keep a new file so that it need not be sent again."""
        if self._opened is not None:  # a kept file, still kept: done with for now
            self._opened.close()
            self._opened = None
        if self._new_upload is None:
            return
        if self._replaced is not None:
            kept_upload_discard(self._replaced)
        self._offer(upload_keep(acting_user=self.user, upload=self._new_upload))
        self._new_upload = self._replaced = None

    def forget_kept_upload(self) -> None:
        """The file is imported: a kept copy, or one it replaced, is no longer needed."""
        if self._opened is not None:
            self._opened.close()
        for kept in (self.kept, self._replaced):
            if kept is not None:
                kept_upload_discard(kept)
        self.kept = self._replaced = None
