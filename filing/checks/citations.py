"""The source of a pre-filing check as people cite it.

A check's `source` is a note for developers ("TC-5.1b; filing-practice §8 item 8 (30 %
UNCONFIRMED)"): provision keys of the library and sections of the team's reference files. A
reader gets the provisions as the library cites them (TC260-003 5.1 b), 暂行办法第十七条),
"filing practice" for what practitioners report (with "a frequent reason for return" where the
reference lists it as one), and what is unconfirmed said in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from library.i18n import text_language

# Provision keys of the library: GAI-17.4, TC-5.1b, TC-8.2-4, POSA-5.2; a bare instrument code
# (LBL) cites the whole instrument.
_KEY = re.compile(r"\b([A-Z][A-Z0-9]*)-(\d[\w.\-]*\w|\d)")
_BARE_INSTRUMENT = re.compile(r"(?:^|;\s*)([A-Z]{2,})(?=\s*(?:;|$))")
_TC_CLAUSE = re.compile(r"(\d+(?:\.\d+)?)([a-z])?(?:-(\d+))?$")
_ARTICLE = re.compile(r"(\d+)")
_STANDARD = re.compile(r"\bGB(?:/T)? \d{5}(?:-\d{4})?")
_PRACTICE = re.compile(r"filing-practice|§\d")
_RETURN_REASON = re.compile(r"§5 R\d|\bR\d+\b")
_UNCONFIRMED = re.compile(r"\(([^()]*?)\s*UNCONFIRMED\)")
_RECOMMENDED = re.compile(r"\(宜, recommended\)")
_REFERENCE_FILE = re.compile(r"\bregulation\.md\b[^;(]*")

# Standards cited by number alone in the notes, with the year they carry.
STANDARD_YEARS = {"GB 45438": "GB 45438-2025", "GB 32100": "GB 32100-2015"}

# What is unconfirmed, in words (the note's own words → zh, en).
UNCONFIRMED_NOTES = {
    "30 %": (
        "30 % 的上限来自业内经验，未经官方确认",
        "the 30 % cap is practitioners' figure, not officially confirmed",
    ),
    "4 clicks": (
        "“4 次点击”来自业内经验，未经官方确认",
        "the 4-click rule is practitioners' figure, not officially confirmed",
    ),
    "GB/T 45654-2025 mapping": (
        "与 GB/T 45654-2025 条款的对应关系未经确认",
        "the mapping to GB/T 45654-2025 clauses is unconfirmed",
    ),
}

_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 as in article numbers: 九, 十七, 二十, 二十一."""
    tens, ones = divmod(n, 10)
    if not tens:
        return _CHINESE_DIGITS[ones]
    head = "" if tens == 1 else _CHINESE_DIGITS[tens]
    return f"{head}十{_CHINESE_DIGITS[ones] if ones else ''}"


@dataclass(frozen=True)
class Names:
    """What the library says about the keys of some sources: key → (zh, en) citation of the
    provision, instrument code → (zh, en) short name."""

    provisions: Mapping[str, tuple[str, str]]
    instruments: Mapping[str, tuple[str, str]]


def provision_keys(source: str) -> list[str]:
    return [f"{m[1]}-{m[2]}" for m in _KEY.finditer(source)]


def library_names(sources: Iterable[str]) -> Names:
    """Two queries for any number of sources."""
    from library.catalogue import CitedProvision
    from library.models import Instrument, Provision

    keys = {k for s in sources for k in provision_keys(s)}
    provisions = {}
    for p in Provision.objects.filter(key__in=keys).select_related("instrument"):
        cited = CitedProvision(
            p.key, p.ref_zh, p.ref_en, p.instrument.short_zh, p.instrument.short_en, False
        )
        provisions[p.key] = (_label(cited, "zh-hans"), _label(cited, "en"))
    instruments = {i.code: (i.short_zh, i.short_en) for i in Instrument.objects.all()}
    return Names(provisions, instruments)


_CHECK_NAMES: list[Names] = []


def check_names() -> Names:
    """The library's names for the sources of every registered check, read once per process
    like the questionnaire catalogue (the library changes only with a deployment)."""
    if not _CHECK_NAMES:
        from filing.checks.base import CHECKS

        names = library_names(spec.source for spec in CHECKS)
        if not names.provisions:  # an empty library is not remembered
            return names
        _CHECK_NAMES.append(names)
    return _CHECK_NAMES[0]


def _label(cited, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return cited.label


def _key_citation(key: str, names: Names, en: bool) -> str:
    """A key the library holds, as it cites it; else from the instrument and the number."""
    if key in names.provisions:
        return names.provisions[key][1 if en else 0]
    prefix, _sep, number = key.partition("-")
    if prefix == "TC":
        match = _TC_CLAUSE.match(number)
        if match:
            clause, letter, item = match.groups()
            ref = (
                clause
                + (f" {letter})" if letter else "")
                + (f" {item})" if letter and item else "")
            )
            return f"TC260-003 §{ref}" if en else f"TC260-003 {ref}"
    short = names.instruments.get(prefix)
    article = _ARTICLE.match(number)
    if short and article:
        n = int(article[1])
        return f"{short[1]} Art. {n}" if en else f"{short[0]}第{chinese_number(n)}条"
    return short[1 if en else 0] if short else ""


def citation_parts(source: str, names: Names, *, en: bool | None = None) -> list[str]:
    """The citations of a check's source note, in the page's language (or `en`)."""
    en = text_language() == "en" if en is None else en
    notes = [UNCONFIRMED_NOTES.get(m[1].strip()) for m in _UNCONFIRMED.finditer(source)]
    recommended = bool(_RECOMMENDED.search(source))
    text = _REFERENCE_FILE.sub("", _RECOMMENDED.sub("", _UNCONFIRMED.sub("", source)))
    parts = [_key_citation(key, names, en) for key in provision_keys(text)]
    for match in _BARE_INSTRUMENT.finditer(text):
        short = names.instruments.get(match[1])
        if short:
            parts.append(short[1 if en else 0])
    parts += [STANDARD_YEARS.get(m[0], m[0]) for m in _STANDARD.finditer(text)]
    if recommended:
        parts.append("recommended (宜), not required" if en else "推荐性要求（宜）")
    if _PRACTICE.search(text):
        practice = "filing practice" if en else "备案实务"
        if _RETURN_REASON.search(text):
            practice += " (a frequent reason for return)" if en else "（常见退回原因）"
        parts.append(practice)
    for note in notes:
        if note:
            parts.append(note[1] if en else note[0])
    return list(dict.fromkeys(p for p in parts if p))


def citation(source: str, names: Names, *, en: bool | None = None) -> str:
    en = text_language() == "en" if en is None else en
    return ("; " if en else "；").join(citation_parts(source, names, en=en))
