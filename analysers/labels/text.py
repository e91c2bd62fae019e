"""Plain text: an explicit label at the start or at the end of the text (GB 45438 §5.1, as
regulation.md §5.3 paraphrases it): a phrase saying the content is AI-generated, with an AI
element ("人工智能" or "AI") followed closely, in the same sentence, by a generation element
("生成" or "合成"): "本文由AI生成", "人工智能生成合成". A bare "AI" with 生成 elsewhere, "AI" inside
a word (EMAIL) or a denial ("非AI生成") is no label."""

from __future__ import annotations

import re
import unicodedata

AI_ELEMENTS = ("人工智能", "AI")
GENERATION_ELEMENTS = ("生成", "合成")
# How far from either end a label may sit; a label is a short sentence, not a paragraph.
WINDOW = 100
# Characters allowed between the two elements of one phrase ("AI辅助生成", "人工智能技术合成").
GAP = 8

_LABEL = re.compile(
    r"(?<![A-Za-z])(?:人工智能|AI)(?![A-Za-z])"
    rf"[^\n。！？!?；;]{{0,{GAP}}}?"
    r"(?:生成|合成)"
)
_DENIAL = re.compile(r"(?:非|不是|并非|不由|未经|未使用|无)\s*(?:由\s*)?$")
_BLANKS = re.compile(r"[^\S\n]+")
_LINES = re.compile(r"\s*\n\s*")


def has_label(snippet: str) -> bool:
    snippet = unicodedata.normalize("NFKC", snippet)  # full-width ＡＩ is AI
    return any(
        not _DENIAL.search(snippet[max(0, m.start() - 6) : m.start()])
        for m in _LABEL.finditer(snippet)
    )


def explicit_label(text: str) -> dict[str, bool]:
    """{"start": ..., "end": ...}: whether each end of the text carries a complete label.
    Line breaks are kept: a label is one phrase, never "AI" on one line and 生成 on the next."""
    body = _LINES.sub("\n", _BLANKS.sub(" ", text)).strip()
    return {"start": has_label(body[:WINDOW]), "end": has_label(body[-WINDOW:])}
