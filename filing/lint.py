"""Text lints for narrative answers and evidence: absolute or boastful wording, and secrets.

Word list: filing-practice.md §8 item 16 and §5 R8 (100%, 完全, 全部违法信息, 所有场景, 全球领先,
自主可控 without evidence, 自我进化), widened with the usual absolute terms reviewers object to.
Secret patterns: the common key formats, passwords written as "密码：…", and PEM private keys.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

ABSOLUTE_TERMS = (
    "100%",
    "100％",
    "百分之百",
    "绝对",
    "完全",
    "零风险",
    "无风险",
    "万无一失",
    "杜绝",
    "彻底",
    "永不",
    "全部违法信息",
    "所有场景",
    "全场景",
    "全球领先",
    "国际领先",
    "世界领先",
    "业界领先",
    "行业领先",
    "全球首",
    "最先进",
    "最安全",
    "最好",
    "最优",
    "最强",
    "最全面",
    "自主可控",
    "自我进化",
)
_ABSOLUTE_RE = re.compile("|".join(re.escape(t) for t in ABSOLUTE_TERMS), re.IGNORECASE)

SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private_key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("openai_style_key", re.compile(r"\bsk-[A-Za-z0-9_\-]{20,}")),
    ("aws_access_key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("aliyun_access_key", re.compile(r"\bLTAI[0-9A-Za-z]{12,28}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("bearer_token", re.compile(r"\bBearer\s+[A-Za-z0-9._\-]{20,}")),
    (
        "assigned_secret",
        re.compile(
            r"(?:api[_\- ]?key|secret[_\- ]?key|access[_\- ]?token|app[_\- ]?secret|"
            r"password|passwd|pwd|密码|口令|密钥)\s*[:：=]\s*[\"']?"
            # ASCII only: "密码：采用加密存储" is a sentence, "密码：Abc123!x" a secret.
            r"([A-Za-z0-9!@#$%^&*_\-+=./]{6,})",
            re.IGNORECASE,
        ),
    ),
)


@dataclass(frozen=True)
class Hit:
    kind: str  # the term found, or the secret pattern's name
    excerpt: str  # the surrounding text; secrets masked


def absolute_terms(text: str) -> Iterator[Hit]:
    for m in _ABSOLUTE_RE.finditer(text):
        yield Hit(m.group(0), _excerpt(text, m.start(), m.end()))


def secrets(text: str) -> Iterator[Hit]:
    # The pre-filing checks scan every answer and text file again whenever one answer changes
    # (filing.summary on each autosave); the hits of a text depend on the text alone, so each
    # distinct text is scanned once per process. Keyed by a digest: the memo keeps no texts.
    key = hashlib.blake2b(text.encode(), digest_size=16).digest()
    hits = _secret_memo.get(key)
    if hits is None:
        hits = tuple(
            Hit(name, mask(m.group(0)))
            for name, pattern in SECRET_PATTERNS
            for m in pattern.finditer(text)
        )
        if len(_secret_memo) >= SECRET_MEMO_SIZE:
            _secret_memo.clear()
        _secret_memo[key] = hits
    return iter(hits)


SECRET_MEMO_SIZE = 8192
_secret_memo: dict[bytes, tuple[Hit, ...]] = {}


def mask(secret: str) -> str:
    """Enough to find it again, not enough to use it."""
    shown = secret[:6]
    return f"{shown}{'*' * min(8, max(3, len(secret) - 6))}"


def _excerpt(text: str, start: int, end: int, width: int = 18) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return (
        ("…" if left else "")
        + text[left:right].replace("\n", " ")
        + ("…" if right < len(text) else "")
    )


def first(hits: Iterable[Hit], limit: int = 5) -> list[Hit]:
    out = []
    for hit in hits:
        out.append(hit)
        if len(out) >= limit:
            break
    return out
