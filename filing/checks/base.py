"""The pre-filing check framework: results, registration, helpers and the report.

Each check reads a `FilingFacts` and returns a `CheckResult` (pass / warn / block) or None
when the portal holds none of the data it needs: a missing result means "not checked", never
"passed". Rules, thresholds and sources are those of shared/reference/filing-practice.md
(§8 item N, §5 reason RN) and the provision keys of the library (TC-…).

Block = must be fixed before the filing documents are produced; warn = the reviewer decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Literal

from filing.facts import EvidenceFact, FilingFacts
from library.i18n import text_language

Status = Literal["pass", "warn", "block"]
STATUS_ORDER = {"block": 0, "warn": 1, "pass": 2}

AREAS: tuple[tuple[str, str, str], ...] = (
    ("identity", "备案路线与主体", "Route and identity"),
    ("form", "备案表", "Application form"),
    ("report", "安全评估报告", "Assessment report"),
    ("measures", "服务协议、标注与标识", "Agreement, annotation and labels"),
    ("annex4", "附件4 拦截关键词列表", "Annex 4 keyword list"),
    ("annex5", "附件5 评估测试题", "Annex 5 test questions"),
    ("package", "测试通道与材料包", "Test channel and package"),
    ("algorithm", "算法备案", "Algorithm filing"),
)


def _en() -> bool:
    return text_language() == "en"


@dataclass(frozen=True)
class Link:
    """Where to fix it: a question (code), an evidence file (public id, file name), or the
    algorithm's disclosure page (ref "disclosure")."""

    kind: Literal["question", "evidence", "disclosure"]
    ref: str
    label: str = ""


@dataclass(frozen=True)
class CheckResult:
    code: str
    status: Status
    title_zh: str
    title_en: str
    why_zh: str
    why_en: str
    fix_zh: str = ""
    fix_en: str = ""
    source: str = ""
    links: tuple[Link, ...] = ()
    area: str = ""

    @property
    def title(self) -> str:
        return self.title_en if _en() else self.title_zh

    @property
    def why(self) -> str:
        return self.why_en if _en() else self.why_zh

    @property
    def fix(self) -> str:
        return self.fix_en if _en() else self.fix_zh


@dataclass(frozen=True)
class Verdict:
    status: Status
    why_zh: str
    why_en: str
    fix_zh: str = ""
    fix_en: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class CheckSpec:
    code: str
    area: str
    title_zh: str
    title_en: str
    source: str
    run: Callable[[FilingFacts], CheckResult | None] = field(repr=False)

    @property
    def title(self) -> str:
        return self.title_en if _en() else self.title_zh


CHECKS: list[CheckSpec] = []


def check(code: str, area: str, title_zh: str, title_en: str, source: str):
    """Register a check; the function returns a Verdict (or None) and the decorated one a
    full CheckResult (or None)."""

    def decorate(fn: Callable[[FilingFacts], Verdict | None]):
        @wraps(fn)
        def run(facts: FilingFacts) -> CheckResult | None:
            verdict = fn(facts)
            if verdict is None:
                return None
            return CheckResult(
                code=code,
                status=verdict.status,
                title_zh=title_zh,
                title_en=title_en,
                why_zh=verdict.why_zh,
                why_en=verdict.why_en,
                fix_zh=verdict.fix_zh,
                fix_en=verdict.fix_en,
                source=source,
                links=verdict.links,
                area=area,
            )

        CHECKS.append(CheckSpec(code, area, title_zh, title_en, source, run))
        return run

    return decorate


# --- small helpers ----------------------------------------------------------------------------


def ok(zh: str, en: str, links: Iterable[Link] = ()) -> Verdict:
    return Verdict("pass", zh, en, links=tuple(links))


def warn(zh: str, en: str, fix_zh: str, fix_en: str, links: Iterable[Link] = ()) -> Verdict:
    return Verdict("warn", zh, en, fix_zh, fix_en, tuple(links))


def block(zh: str, en: str, fix_zh: str, fix_en: str, links: Iterable[Link] = ()) -> Verdict:
    return Verdict("block", zh, en, fix_zh, fix_en, tuple(links))


def q(*codes_: str) -> list[Link]:
    return [Link("question", c) for c in codes_]


def ev(files: Iterable[EvidenceFact]) -> list[Link]:
    return [Link("evidence", e.id, e.name) for e in files]


@dataclass
class Problems:
    """Collects findings of one check; the worst one decides its status."""

    blocks: list[tuple[str, str]] = field(default_factory=list)
    warns: list[tuple[str, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def block(self, zh: str, en: str, links: Iterable[Link] = ()) -> None:
        self.blocks.append((zh, en))
        self.links.extend(links)

    def warn(self, zh: str, en: str, links: Iterable[Link] = ()) -> None:
        self.warns.append((zh, en))
        self.links.extend(links)

    def verdict(self, ok_zh: str, ok_en: str, fix_zh: str, fix_en: str) -> Verdict:
        found = self.blocks + self.warns
        if not found:
            return ok(ok_zh, ok_en, _unique(self.links))
        zh = "；".join(z for z, _ in found) + "。"
        en = "; ".join(e for _, e in found) + "."
        status: Status = "block" if self.blocks else "warn"
        return Verdict(status, zh, en, fix_zh, fix_en, tuple(_unique(self.links)[:20]))


def _unique(links: Iterable[Link]) -> list[Link]:
    seen, out = set(), []
    for link in links:
        if link not in seen:
            seen.add(link)
            out.append(link)
    return out


def is_no(value) -> bool:
    return value is False or value == "not_conform"


def pct(value) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "—"


def analysis_problems(files: list[EvidenceFact], problems: Problems) -> list[EvidenceFact]:
    """Unreadable and pending files become problems; returns the analysed ones."""
    done = []
    for e in files:
        if e.status == "failed":
            problems.block(
                f"文件“{e.name}”无法读取（{e.error or '格式错误'}）",
                f"file '{e.name}' cannot be read ({e.error or 'bad format'})",
                ev([e]),
            )
        elif e.status == "pending":
            problems.warn(
                f"文件“{e.name}”仍在分析中", f"file '{e.name}' is still being analysed", ev([e])
            )
        elif e.status == "done" and e.result:
            done.append(e)
    return done


def threshold_problems(
    e: EvidenceFact, problems: Problems, keys: Iterable[str] = (), exclude: Iterable[str] = ()
) -> None:
    """The analyser's own checks against the library thresholds: a failed binding check blocks,
    a failed advisory (宜/不宜) one warns."""
    wanted, unwanted = set(keys), set(exclude)
    for c in e.checks:
        if (wanted and c.get("key") not in wanted) or c.get("key") in unwanted:
            continue
        if c.get("passed") is not False:
            continue
        failing = "、".join(str(x) for x in (c.get("failing") or [])[:8])
        zh = f"{c.get('label_zh')}：{c.get('value')}，要求 {_cmp(c)}" + (
            f"（不足：{failing}）" if failing else ""
        )
        en = f"{c.get('label_en')}: {c.get('value')}, required {_cmp(c)}" + (
            f" (below: {failing})" if failing else ""
        )
        if c.get("advisory"):
            problems.warn(zh, en, ev([e]))
        else:
            problems.block(zh, en, ev([e]))


def iso_date(value) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def _cmp(c) -> str:
    sign = {"ge": "≥", "le": "≤", "eq": "="}.get(c.get("comparison"), "")
    return f"{sign} {c.get('threshold')}"


# --- running -------------------------------------------------------------------------------------

# §8 items the portal holds no data for; shown on the page so nobody reads silence as a pass.
NOT_AUTOMATED: tuple[tuple[str, str, str], ...] = (
    ("§8 item 2", "备案号是否在网信办已备案名单中", "whether the number is in the CAC's list"),
    ("§8 item 4", "模型/服务名称在各文件中一致", "one model/service name across all documents"),
    ("§8 item 10", "算力与部署（并发、云服务商、服务器位置）", "compute and deployment"),
    ("§8 item 19", "隐私政策内容逐项核对", "privacy policy content, item by item"),
    ("§8 item 32", "身份、问候、时效等探测题", "identity, greeting and cut-off probes"),
    ("§8 item 33", "测试账号实测可用", "live check of the test accounts"),
    (
        "§8 item 36",
        "算法备案其余一致性要求（模态与格式、展示形式、ICP 主体、第三方模型证明、截图）",
        "the other algorithm-filing consistency rules (modalities and formats, display form, "
        "ICP entity, third-party model proof, screenshots)",
    ),
    ("§8 item 39", "上线后公示备案号", "display of the number after launch"),
)


@dataclass
class Report:
    results: list[CheckResult]
    not_checked: list[CheckSpec]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def blocks(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "block"]

    @property
    def ready(self) -> bool:
        return not self.blocks

    def by_area(self) -> list[dict]:
        """Areas in filing order; inside each, blocks first, then warnings, then passes."""
        groups = []
        for code, zh, en in AREAS:
            items = sorted(
                (r for r in self.results if r.area == code),
                key=lambda r: (STATUS_ORDER[r.status], r.code),
            )
            skipped = [s for s in self.not_checked if s.area == code]
            if items or skipped:
                groups.append(
                    {
                        "code": code,
                        "title": en if _en() else zh,
                        "results": items,
                        "skipped": skipped,
                    }
                )
        return groups


def run_checks(facts: FilingFacts, checks: Iterable[CheckSpec] | None = None) -> Report:
    results, skipped = [], []
    for spec in CHECKS if checks is None else checks:
        result = spec.run(facts)
        if result is None:
            skipped.append(spec)
        else:
            results.append(result)
    return Report(results, skipped)


__all__ = [
    "AREAS",
    "CHECKS",
    "NOT_AUTOMATED",
    "CheckResult",
    "CheckSpec",
    "Link",
    "Report",
    "run_checks",
]
