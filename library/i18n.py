"""Which of the two languages a text field should be shown in.

Bilingual content (YAML fields `*_zh` / `*_en`, analyser messages, PDF texts) follows the active
Django language: English when the page is English, Chinese otherwise.
"""

from django.utils import translation


def text_language() -> str:
    """ "en" on English pages, "zh" everywhere else (the portal is Chinese first)."""
    return "en" if (translation.get_language() or "").startswith("en") else "zh"
