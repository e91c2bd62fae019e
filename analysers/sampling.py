"""Training-corpus sampling results, checked against TC260-003 §9.2 and §5.1 a).

One row per corpus source: name, type, corpus size, manual sample and passes, technical
sample and passes, illegal/harmful items found. The manual figures are summed over all
sources (≥ 4 000 at ≥ 96 %), the technical share is the technical sample over the whole
corpus (≥ 10 % at ≥ 98 %), and each source's illegal share is compared with the 5 % rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .checks import CheckSpec, Thresholds, evaluate, ratio, threshold_of
from .findings import Findings
from .inputs import DEFAULT_MAX_BYTES, Source
from .report import AnalyserResult, Check
from .tabular import (
    Role,
    cell_text,
    find_header,
    get,
    is_blank,
    missing_columns_error,
    parse_count,
    tables,
)

KIND = "training_sampling"

# Listed most specific first: "人工抽检合格数" must become manual_passed before the
# manual_sample role's "人工抽检" can take it.
ROLES = (
    Role(
        "source",
        "来源名称列",
        "source name column",
        exact=("来源名称", "语料来源", "数据来源", "来源", "source", "sourcename"),
        contains=("来源名", "source"),
    ),
    Role(
        "source_type",
        "来源类型列",
        "source type column",
        exact=("来源类型", "语料类型", "类型", "sourcetype", "type"),
        contains=("类型", "type"),
    ),
    Role(
        "manual_passed",
        "人工抽检合格数列",
        "manual passed column",
        exact=("人工抽检合格数", "人工合格数", "manualpassed"),
        contains=("人工抽检合格", "人工合格", "人工抽检通过", "manualpass"),
    ),
    Role(
        "technical_passed",
        "技术抽检合格数列",
        "technical passed column",
        exact=("技术抽检合格数", "技术合格数", "technicalpassed"),
        contains=("技术抽检合格", "技术合格", "技术抽检通过", "technicalpass"),
    ),
    Role(
        "manual_sample",
        "人工抽检数量列",
        "manual sample size column",
        exact=("人工抽检数量", "人工抽检数", "人工抽样数量", "manualsample", "manualsamplesize"),
        contains=("人工抽", "manual"),
    ),
    Role(
        "technical_sample",
        "技术抽检数量列",
        "technical sample size column",
        exact=(
            "技术抽检数量",
            "技术抽检数",
            "技术抽样数量",
            "technicalsample",
            "technicalsamplesize",
        ),
        contains=("技术抽", "technical"),
    ),
    Role(
        "illegal",
        "违法不良信息数列",
        "illegal items column",
        exact=("违法不良信息数", "违法不良信息数量", "违法不良数", "illegal", "illegalitems"),
        contains=("违法", "不良", "illegal", "harmful"),
    ),
    Role(
        "size",
        "语料规模列",
        "corpus size column",
        exact=("语料规模", "语料数量", "语料总量", "总量", "条数", "规模", "corpussize", "size"),
        contains=("规模", "总量", "数量", "size"),
    ),
)
REQUIRED = (
    "source",
    "size",
    "manual_sample",
    "manual_passed",
    "technical_sample",
    "technical_passed",
    "illegal",
)
NUMBERS = REQUIRED[1:]

SPECS = {
    "manual_sample": CheckSpec("manual_sample_min", "人工抽检数量", "Manual sample size", "ge"),
    "manual_rate": CheckSpec(
        "manual_pass_rate_min", "人工抽检合格率", "Manual sampling pass rate", "ge"
    ),
    "technical_share": CheckSpec(
        "technical_share_min", "技术抽检比例", "Technical sample share of the corpus", "ge"
    ),
    "technical_rate": CheckSpec(
        "technical_pass_rate_min", "技术抽检合格率", "Technical sampling pass rate", "ge"
    ),
    "illegal": CheckSpec(
        "source_illegal_share_max",
        "单一来源违法不良信息比例（最高）",
        "Illegal/harmful share of a source (highest)",
        "le",
    ),
}


@dataclass
class _Totals:
    sources: int = 0
    size: int = 0
    manual_sample: int = 0
    manual_passed: int = 0
    technical_sample: int = 0
    technical_passed: int = 0
    per_source: list[dict[str, Any]] = field(default_factory=list)
    by_type: Counter[str] = field(default_factory=Counter)


def analyse_training_sampling(
    source: Source,
    *,
    filename: str,
    thresholds: Thresholds,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_uscc: str | None = None,  # unused: uniform analyser signature
) -> AnalyserResult:
    """Analyse a table of per-source corpus sampling results."""
    result = AnalyserResult(kind=KIND, filename=filename)
    findings = Findings(result)
    totals = _Totals()
    read_any = False
    with tables(source, filename=filename, max_bytes=max_bytes) as sheets:
        for sheet in sheets:
            header, rows = find_header(sheet, ROLES, REQUIRED)
            if header is None:
                continue
            read_any = True
            for number, cells in rows:
                if is_blank(cells):
                    continue
                _read_row(cells, header, totals, findings, {"sheet": sheet.name, "row": number})
    if not read_any:
        raise missing_columns_error(ROLES, REQUIRED)
    limit, _ = threshold_of(thresholds, SPECS["illegal"])
    result.figures = _figures(totals)
    result.checks = _checks(totals, thresholds, limit)
    return result


def _read_row(
    cells: Any, header: Any, totals: _Totals, findings: Findings, where: dict[str, Any]
) -> None:
    name = cell_text(get(cells, header, "source"))
    values: dict[str, int] = {}
    for key in NUMBERS:
        raw = get(cells, header, key)
        number = parse_count(raw)
        if number is None:
            findings.error(
                "bad_number",
                f"“{header.texts[key]}”不是非负整数（“{cell_text(raw)}”），该行未计入。",
                f"'{header.texts[key]}' is not a whole number ('{cell_text(raw)}'); row not counted.",
                **where,
            )
            return
        values[key] = number
    for sample, passed in (
        ("manual_sample", "manual_passed"),
        ("technical_sample", "technical_passed"),
    ):
        if values[passed] > values[sample]:
            findings.error(
                "passed_above_sample",
                f"“{header.texts[passed]}”大于“{header.texts[sample]}”，该行未计入。",
                f"'{header.texts[passed]}' exceeds '{header.texts[sample]}'; row not counted.",
                **where,
            )
            return
    inspected = values["manual_sample"] + values["technical_sample"]
    if inspected == 0:
        findings.warning(
            "source_not_sampled",
            "该来源没有抽检，无法判断违法不良信息比例是否超过阈值。",
            "this source was not sampled; its illegal/harmful share cannot be judged.",
            **where,
        )
    if values["illegal"] > inspected:
        findings.error(
            "illegal_above_sample",
            "违法不良信息数大于抽检总数，该行未计入。",
            "illegal items exceed the items sampled; row not counted.",
            **where,
        )
        return
    totals.sources += 1
    totals.size += values["size"]
    totals.manual_sample += values["manual_sample"]
    totals.manual_passed += values["manual_passed"]
    totals.technical_sample += values["technical_sample"]
    totals.technical_passed += values["technical_passed"]
    source_type = cell_text(get(cells, header, "source_type"))
    totals.by_type[source_type or "?"] += values["size"]
    # The illegal share is estimated over everything inspected in that source (manual plus
    # technical sample); see docs/analysers.md for why this is an estimate.
    totals.per_source.append(
        {
            "source": name or f"#{where['row']}",
            "type": source_type,
            "size": values["size"],
            "inspected": inspected,
            "illegal": values["illegal"],
            "illegal_share": ratio(values["illegal"], inspected),
        }
    )


def _figures(totals: _Totals) -> dict[str, Any]:
    return {
        "sources": totals.sources,
        "corpus_size": totals.size,
        "manual_sample": totals.manual_sample,
        "manual_passed": totals.manual_passed,
        "manual_pass_rate": ratio(totals.manual_passed, totals.manual_sample),
        "technical_sample": totals.technical_sample,
        "technical_passed": totals.technical_passed,
        "technical_share": ratio(totals.technical_sample, totals.size),
        "technical_pass_rate": ratio(totals.technical_passed, totals.technical_sample),
        "size_by_type": dict(totals.by_type),
        # Bounded: one row per corpus source, a few dozen in practice.
        "per_source": totals.per_source[:500],
    }


def _checks(totals: _Totals, thresholds: Thresholds, limit: float | None) -> list[Check]:
    shares = [s for s in totals.per_source if s["illegal_share"] is not None]
    worst = max((s["illegal_share"] for s in shares), default=None)
    over = [s["source"] for s in shares if limit is not None and s["illegal_share"] > limit]
    return [
        evaluate(SPECS["manual_sample"], totals.manual_sample, thresholds),
        evaluate(
            SPECS["manual_rate"], ratio(totals.manual_passed, totals.manual_sample), thresholds
        ),
        evaluate(SPECS["technical_share"], ratio(totals.technical_sample, totals.size), thresholds),
        evaluate(
            SPECS["technical_rate"],
            ratio(totals.technical_passed, totals.technical_sample),
            thresholds,
        ),
        evaluate(SPECS["illegal"], worst, thresholds, failing=over),
    ]
