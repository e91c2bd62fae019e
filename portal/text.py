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
