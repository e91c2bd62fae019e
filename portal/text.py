"""Plain functions for text that comes from people and goes into documents."""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?")
# Tab, newline and every separator (Unicode category Z) but the plain space; tests check the list.
SEPARATORS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_KEPT = re.compile(f"[\t\n{SEPARATORS}]")


def is_unwanted(char: str) -> bool:
    """Unicode category C (controls, format characters such as U+202E, surrogates, private
    use, unassigned) except tab and newline."""
    return char not in "\t\n" and unicodedata.category(char)[0] == "C"


def strip_controls(text: str) -> str:
    """The text without control characters; Windows and old Mac line ends become newlines."""
    # str.isprintable() is false for every category C character (\r, \n and \t included) and
    # for the separators (category Z) except " ". So a text that is printable once its tabs,
    # newlines and separators are set aside has nothing to strip and is returned as it is: most
    # text (the character loop below took most of the time of a 10 000-row annex workbook; a
    # dossier's HTML is checked in 3 ms instead of 40).
    if _KEPT.sub("", text).isprintable():
        return text
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


# Letters, digits and the punctuation a name needs; anything else (path separators, quotes,
# reserved characters of Windows names) becomes "_".
_UNSAFE_IN_NAME = re.compile(r"[^\w.\-\u3000-\u303f\uff08\uff09 ()]+")


def safe_filename(name: str, *, fallback: str = "file", max_length: int = 120) -> str:
    """A file name to offer for download or to put in a package: no directory part (a "/" in
    a service name would drop everything before it), no control or bidi-override characters
    (U+202E would show "exe.pdf" as "fdp.exe"), no leading dot, at most `max_length`
    characters with the extension kept."""
    name = unicodedata.normalize("NFC", strip_controls(name)).replace("\n", " ").replace("\t", " ")
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = re.sub(r" {2,}", " ", name).strip(" ._") or fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, dot, ext = name, "", ""
    stem = stem[: max(1, max_length - len(dot + ext))].rstrip(" ._") or fallback
    return stem + dot + ext
