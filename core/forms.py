"""Form fields shared by every form in the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from crispy_forms_gds.fields import DateInputField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


class GovDateField(DateInputField):
    """The GOV.UK date input (day, month, year), with messages that say which
    date is wrong and how, as the Design System asks.

    `what` names the date in messages ("the date of the meeting"); `missing`
    replaces the message for an empty date. Each part is checked on its own, so
    a half-filled optional date is an error instead of being quietly dropped.
    """

    def __init__(
        self,
        *,
        label: str,
        what: str | None = None,
        missing: str | None = None,
        required: bool = True,
        help_text: str = "For example, 27 3 2026",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("require_all_fields", False)
        super().__init__(label=label, help_text=help_text, required=required, **kwargs)
        self.what = what or label[0].lower() + label[1:]
        named = self.what[0].upper() + self.what[1:]
        self.error_messages["required"] = missing or f"Enter {self.what}"
        self.error_messages["incomplete"] = f"{named} must include a day, month and year"
        self.real_date_message = f"{named} must be a real date"
        self.year_message = f"The year of {self.what} must include 4 numbers"
        for part, name in zip(self.fields, ("day", "month", "year"), strict=True):
            part.error_messages["incomplete"] = f"{named} must include a {name}"
            part.validators = [RegexValidator(r"^\s*[0-9]+\s*$", self.real_date_message)]

    def compress(self, data_list: Sequence[str | None]) -> dt.date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(str(year).strip()) != 4:
            raise ValidationError(self.year_message)
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(self.real_date_message) from None
