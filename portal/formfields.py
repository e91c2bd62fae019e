"""Form fields and widgets shared by every app's forms."""

from __future__ import annotations

from django import forms

from portal.text import strip_controls


class IsoDateInput(forms.DateInput):
    """`<input type="date">` reads and writes only ISO dates (2027-02-28), whatever the page's
    language; Django's default localised format (2027/02/28 in Chinese) leaves it empty, and
    the next save of the form would store the date as empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PlainTextField(forms.CharField):
    """Text typed by a person: control characters (pasted from a PDF, a terminal) are removed
    at the edge, so no document generator downstream meets them."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_controls(value) if value else value


class PlainTextMixin:
    """For model forms: every text value loses its control characters before it reaches the
    instance (construct_instance reads cleaned_data after clean())."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = strip_controls(value)
        return cleaned
