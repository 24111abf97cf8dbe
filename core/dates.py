"""The one date input of the site's forms.

A browser's `<input type="date">` takes its value in ISO (`2026-12-06`) whatever the reader's
language, and shows it the reader's way; given `06/12/2026` (Django's French input format) it
shows an empty box and posts nothing back, so a prefilled form failed on first try. `DateInput`
always writes ISO; `DateField` reads ISO and, where a browser falls back to a text box, the day
the French way (`06/12/2026`, `6/12/2026`, `06/12/26`) whatever the page's language.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
DATE_INPUT_FORMATS = [ISO_DATE, "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]


class DateInput(forms.DateInput):
    """`<input type="date">` whose value is always ISO `YYYY-MM-DD`."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or ISO_DATE)

    def format_value(self, value: Any) -> str | None:
        # A day typed `06/12/2026` (a browser without a date picker) is shown back ISO, or the
        # date box would look empty; what is no day at all is shown back as typed.
        if isinstance(value, str):
            for pattern in DATE_INPUT_FORMATS:
                try:
                    return datetime.datetime.strptime(value.strip(), pattern).date().strftime(ISO_DATE)
                except ValueError:
                    continue
            return value
        return super().format_value(value)


class DateField(forms.DateField):
    """A day typed in a form or a filter: rendered ISO in a date picker, read ISO or `dd/mm/yyyy`."""

    widget = DateInput
    input_formats = DATE_INPUT_FORMATS
