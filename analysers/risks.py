"""The 31 risks of TC260-003 Appendix A, and turning what providers write into their codes.

Annex 4/5 files write a risk as `A.1 a) 煽动颠覆国家政权、推翻社会主义制度`, with varying
spacing, full-width characters and separators, or as the Chinese name alone, or split over a
primary (`A.1包含违反…`) and a secondary (`a) 煽动…`) column. `resolve_risk` maps all of these to
the canonical code `A.1 a`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

RISKS_FILE = Path(__file__).resolve().parent.parent / "fixtures/library/risks.yaml"

# TC260-003 §8.3 b) 2): the aspects the should-not-refuse bank must cover.
NON_REFUSE_ASPECTS: tuple[tuple[str, str], ...] = (
    ("制度", "political system"),
    ("信仰", "beliefs"),
    ("形象", "national image"),
    ("文化", "culture"),
    ("习俗", "customs"),
    ("民族", "ethnicity"),
    ("地理", "geography"),
    ("历史", "history"),
    ("英烈", "heroes and martyrs"),
    ("性别", "gender"),
    ("年龄", "age"),
    ("职业", "occupation"),
    ("健康", "health"),
)
ASPECT_NAMES_EN = dict(NON_REFUSE_ASPECTS)

# A non-refuse question filed under a discrimination risk is about the matching aspect
# (our reading, not stated by the standard).
ASPECT_BY_RISK = {
    "A.2 a": "民族",
    "A.2 b": "信仰",
    "A.2 e": "性别",
    "A.2 f": "年龄",
    "A.2 g": "职业",
    "A.2 h": "健康",
}


@dataclass(frozen=True)
class Risk:
    code: str  # "A.1 a"
    category: str  # "A.1"
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    risks: tuple[Risk, ...]


@dataclass(frozen=True)
class RiskMatch:
    """What a category cell resolved to: a risk, only a category, or nothing."""

    code: str | None = None
    category: str | None = None
    # Set when the cell names one risk's code and another risk's name.
    conflict: str | None = None


@cache
def categories() -> tuple[Category, ...]:
    with RISKS_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return tuple(
        Category(
            code=cat["code"],
            name_zh=cat["name_zh"],
            name_en=cat["name_en"],
            risks=tuple(
                Risk(r["code"], cat["code"], r["name_zh"], r["name_en"]) for r in cat["risks"]
            ),
        )
        for cat in data["categories"]
    )


@cache
def risks() -> dict[str, Risk]:
    """All 31 risks by code, in the order of the standard."""
    return {risk.code: risk for cat in categories() for risk in cat.risks}


@cache
def a1_a2_codes() -> tuple[str, ...]:
    """The 17 risks of A.1 and A.2 (keyword library, should-refuse bank)."""
    return tuple(code for code, risk in risks().items() if risk.category in ("A.1", "A.2"))


def codes_in(category: str) -> tuple[str, ...]:
    return tuple(code for code, risk in risks().items() if risk.category == category)


def squeeze(text: str) -> str:
    """NFKC (full-width to half-width), then drop everything but letters and digits.

    Names then compare equal whatever separators (、，, spaces) a file used.
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch.isalnum()).lower()


@cache
def _names() -> tuple[dict[str, str], dict[str, str]]:
    by_risk = {squeeze(r.name_zh): r.code for r in risks().values()}
    by_category = {squeeze(c.name_zh): c.code for c in categories()}
    return by_risk, by_category


# "A.1 a)", "A1a", "A．１（ａ）", "A-1-a", "A.1.a" ... after NFKC; the letter must not run into
# a Latin word, and a category alone ("A.1包含…") is allowed.
_CODE_RE = re.compile(
    r"^\s*A\s*[.\-_·。]?\s*([1-9])(?:\s*[.\-_)·]?\s*\(?\s*([a-z])(?![a-z])\s*\)?)?",
    re.IGNORECASE,
)
_LETTER_RE = re.compile(r"^\s*\(?\s*([a-z])\s*[).、.]\s*", re.IGNORECASE)


def _by_name(text: str) -> RiskMatch | None:
    key = squeeze(text)
    if not key:
        return None
    by_risk, by_category = _names()
    if key in by_risk:
        return RiskMatch(by_risk[key], by_risk[key][:3])
    if key in by_category:
        return RiskMatch(None, by_category[key])
    if len(key) >= 4:
        # A shortened or lengthened name ("民族歧视" for "民族歧视内容") is accepted when it
        # points to exactly one risk.
        hits = {code for name, code in by_risk.items() if key in name or name in key}
        if len(hits) == 1:
            code = hits.pop()
            return RiskMatch(code, code[:3])
    return None


@lru_cache(maxsize=4096)
def resolve_risk(value: str, primary: str = "") -> RiskMatch:
    """Resolve a category cell (and optionally the primary-category cell of its row).

    Cached: a list of 200 000 keywords uses a few dozen distinct category strings.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return _resolve_primary(primary)
    m = _CODE_RE.match(text)
    if m:
        category = f"A.{m.group(1)}"
        letter = (m.group(2) or "").lower()
        rest = text[m.end() :]
        if category not in {c.code for c in categories()}:
            return RiskMatch()
        if not letter:
            named = _by_name(rest)
            if named and named.code and named.category == category:
                return named
            return RiskMatch(None, category)
        code = f"{category} {letter}"
        if code not in risks():
            return RiskMatch()
        named = _by_name(rest)
        conflict = named.code if named and named.code and named.code != code else None
        return RiskMatch(code, category, conflict)
    named = _by_name(text)
    if named:
        return named
    m = _LETTER_RE.match(text)
    if m:
        # "a) 煽动…" whose name did not resolve: the letter plus the primary column decide.
        named = _by_name(text[m.end() :])
        if named and named.code:
            return named
        parent = _resolve_primary(primary)
        if parent.category:
            code = f"{parent.category} {m.group(1).lower()}"
            if code in risks():
                return RiskMatch(code, parent.category)
    return RiskMatch()


def _resolve_primary(primary: str) -> RiskMatch:
    if not primary or not primary.strip():
        return RiskMatch()
    match = resolve_risk(primary)
    return RiskMatch(None, match.category) if match.category else RiskMatch()


def aspect_of(value: str) -> str | None:
    """The should-not-refuse aspect a category cell names (the first one it mentions)."""
    text = unicodedata.normalize("NFKC", value or "")
    found = [(text.find(name), name) for name, _ in NON_REFUSE_ASPECTS if name in text]
    if found:
        return min(found)[1]
    match = resolve_risk(text) if text.strip() else RiskMatch()
    return ASPECT_BY_RISK.get(match.code or "")


def risk_label(code: str) -> str:
    """`A.1 a) 煽动颠覆国家政权、推翻社会主义制度`: the form annex 4/5 files use."""
    risk = risks()[code]
    return f"{code}) {risk.name_zh}"
