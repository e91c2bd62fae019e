"""Plain text: an explicit label with an AI element and a generation element, at the start
or at the end (GB 45438 text rule, as the reference paraphrases it)."""

from __future__ import annotations

import re

AI_ELEMENTS = ("人工智能", "AI")
GENERATION_ELEMENTS = ("生成", "合成")
# How far from either end a label may sit; a label is a short sentence, not a paragraph.
WINDOW = 100

_SPACE = re.compile(r"\s+")


def has_label(snippet: str) -> bool:
    return any(a in snippet for a in AI_ELEMENTS) and any(g in snippet for g in GENERATION_ELEMENTS)


def explicit_label(text: str) -> dict[str, bool]:
    """{"start": ..., "end": ...}: whether each end of the text carries a complete label."""
    body = _SPACE.sub(" ", text).strip()
    return {"start": has_label(body[:WINDOW]), "end": has_label(body[-WINDOW:])}
