"""Which of the two languages a text field should be shown in.

Bilingual content (YAML fields `*_zh` / `*_en`, analyser messages, PDF texts) follows the active
Django language: English when the page is English, Chinese otherwise.
"""

import re

from django.utils import translation

# A bracketed pointer into the team's reference files ("（filing-practice §2、§3.1、§9）"), left in
# texts of loaded questionnaire versions, which are immutable: never shown to a reader.
_REFERENCE_NOTE = re.compile(r"\s*[（(][^（）()]*(?:filing-practice|regulation\.md)[^（）()]*[）)]")


def text_language() -> str:
    """ "en" on English pages, "zh" everywhere else (the portal is Chinese first)."""
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def reader_text(value: str) -> str:
    """Library text as a reader sees it: without pointers into the reference files."""
    if value and ("filing-practice" in value or "regulation.md" in value):
        return _REFERENCE_NOTE.sub("", value)
    return value
