"""Plain functions for text that comes from people and goes into documents."""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?")


def is_unwanted(char: str) -> bool:
    """Unicode category C (controls, format characters such as U+202E, surrogates, private
    use, unassigned) except tab and newline."""
    return char not in "\t\n" and unicodedata.category(char)[0] == "C"


def strip_controls(text: str) -> str:
    """The text without control characters; Windows and old Mac line ends become newlines."""
    text = _NEWLINES.sub("\n", text)
    return "".join(c for c in text if not is_unwanted(c))


# A spreadsheet cell whose text starts with one of these runs as a formula (or as DDE) when
# the file is opened or exported as CSV and reopened (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value):
    """A value for a spreadsheet cell: text is made printable and can never be a formula;
    numbers, dates and None pass unchanged."""
    if not isinstance(value, str):
        return value
    value = strip_controls(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
