"""Annex 4: the keyword library (拦截关键词列表), checked against TC260-003 §8.1.

Counts unique keywords in total and per Appendix A risk. Duplicates are reported by row
number only: results are stored and shown to reviewers, and raw keywords should not travel
further than the provider's own file.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .categories import count_risk
from .checks import CheckSpec, Thresholds, evaluate, per_item_minimum
from .findings import Findings, RowRefs
from .inputs import DEFAULT_MAX_BYTES, Source
from .report import AnalyserResult, Check
from .risks import RiskMatch, a1_a2_codes, codes_in, resolve_risk, risks
from .tabular import (
    Cell,
    Header,
    Role,
    Sheet,
    cell_text,
    find_header,
    get,
    is_blank,
    missing_columns_error,
    parse_date,
    tables,
)

KIND = "keyword_list"

KEYWORD = Role(
    "keyword",
    "关键词列",
    "keyword column",
    exact=("关键词", "敏感词", "拦截关键词", "关键字", "敏感关键词", "词条", "keyword", "keywords"),
    contains=("关键词", "敏感词", "关键字", "keyword"),
)
PRIMARY = Role(
    "primary",
    "一级分类列",
    "primary category column",
    exact=("一级分类", "一级类别", "大类", "一级风险"),
    contains=("一级",),
)
CATEGORY = Role(
    "category",
    "类别列",
    "category column",
    exact=(
        "类别",
        "分类",
        "风险类别",
        "违规类型",
        "二级分类",
        "二级类别",
        "风险类型",
        "风险分类",
        "category",
        "riskcategory",
        "risk",
        "riskcode",
        "类型",
    ),
    contains=("类别", "分类", "类型", "category", "risk"),
)
UPDATED = Role(
    "updated",
    "更新日期列",
    "update date column",
    exact=(
        "更新日期",
        "更新时间",
        "日期",
        "最后更新",
        "最近更新",
        "updated",
        "date",
        "lastupdated",
    ),
    contains=("日期", "更新", "date", "update"),
)
ROLES = (KEYWORD, PRIMARY, CATEGORY, UPDATED)

TOTAL = CheckSpec("total_min", "关键词总数", "Total keywords", "ge", advisory=True)
PER_A1 = CheckSpec(
    "per_risk_a1_min", "A.1 各项风险的关键词数", "Keywords per A.1 risk", "ge", advisory=True
)
PER_A2 = CheckSpec(
    "per_risk_a2_min", "A.2 各项风险的关键词数", "Keywords per A.2 risk", "ge", advisory=True
)
COVERED = CheckSpec(
    "risks_covered_min",
    "覆盖的 A.1、A.2 风险数（共 17 项）",
    "A.1 and A.2 risks covered (of 17)",
    "ge",
)
UPDATE = CheckSpec(
    "update_interval_days_max",
    "距最近一次更新的天数",
    "Days since the last update",
    "le",
    advisory=True,
)


def fold_keyword(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


class _Tally:
    def __init__(self) -> None:
        self.per_risk: Counter[str] = Counter()
        self.category_only: Counter[str] = Counter()
        # hash(keyword) -> RowRefs of its first row; hashes rather than the keywords keep
        # memory at ~100 bytes per keyword (64-bit collisions among 10^6: about 1 in 10^7).
        self.first_seen: dict[int, int] = {}
        self.refs = RowRefs()
        self.total = 0
        self.rows = 0
        self.duplicates = 0
        self.empty = 0
        self.single_character = 0
        self.uncategorised = 0
        self.latest: date | None = None
        self.sheets: list[str] = []
        self.columns: dict[str, str] = {}


def analyse_keyword_list(
    source: Source,
    *,
    filename: str,
    thresholds: Thresholds,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_uscc: str | None = None,  # unused: uniform analyser signature
) -> AnalyserResult:
    """Analyse an annex-4 keyword list (XLSX or CSV)."""
    result = AnalyserResult(kind=KIND, filename=filename)
    findings = Findings(result)
    tally = _Tally()
    with tables(source, filename=filename, max_bytes=max_bytes) as sheets:
        for sheet in sheets:
            _read_sheet(sheet, tally, findings)
    if not tally.sheets:
        raise missing_columns_error(ROLES, ("keyword",))
    result.figures = _figures(tally)
    result.checks = _checks(tally, thresholds)
    _summarise(tally, findings)
    return result


def _read_sheet(sheet: Sheet, tally: _Tally, findings: Findings) -> None:
    header, rows = find_header(sheet, ROLES, required=("keyword",))
    if header is None:
        header, rows = _headerless(sheet.name, rows, findings)
        if header is None:
            if sheet.name is not None:
                findings.warning(
                    "sheet_skipped",
                    "未找到关键词列，已跳过此工作表。",
                    "no keyword column; sheet skipped.",
                    sheet=sheet.name,
                )
            return
    tally.sheets.append(sheet.name or "")
    tally.columns = tally.columns or dict(header.texts)
    sheet_match = _sheet_category(sheet, header)
    if sheet_match is None and not {"category", "primary"} & header.columns.keys():
        findings.error(
            "no_category_column",
            "没有风险类别列（如 违规类型、类别、一级分类/二级分类），无法按风险统计。",
            "no risk category column (e.g. 违规类型, 类别, 一级分类/二级分类); keywords "
            "cannot be counted per risk.",
            sheet=sheet.name,
        )
    for number, cells in rows:
        _read_row(sheet.name, number, cells, header, sheet_match, tally, findings)


def _headerless(
    sheet_name: str | None, rows: Iterator[tuple[int, Sequence[Cell]]], findings: Findings
) -> tuple[Header | None, Iterator[tuple[int, Sequence[Cell]]]]:
    """Some annex-4 files have no header: column 1 keyword, column 2 risk sub-class."""
    first = next(rows, None)
    if first is None:
        return None, rows
    rows = itertools.chain([first], rows)
    cells = first[1]
    if len(cells) < 2 or not cell_text(cells[0]) or not resolve_risk(cell_text(cells[1])).code:
        return None, rows
    findings.warning(
        "no_header",
        "没有标题行：按第 1 列为关键词、第 2 列为风险类别读取。",
        "no header row: column 1 read as keyword, column 2 as risk category.",
        sheet=sheet_name,
    )
    return Header(row=0, columns={"keyword": 0, "category": 1}), rows


def _sheet_category(sheet: Sheet, header: Header) -> RiskMatch | None:
    """One sheet per risk is an accepted layout: the sheet name is then the category."""
    if sheet.name is None or {"category", "primary"} & header.columns.keys():
        return None
    match = resolve_risk(sheet.name)
    return match if match.code else None


def _read_row(
    sheet: str | None,
    number: int,
    cells: Sequence[Cell],
    header: Header,
    sheet_match: RiskMatch | None,
    tally: _Tally,
    findings: Findings,
) -> None:
    tally.rows += 1
    keyword = cell_text(get(cells, header, "keyword"))
    where = {"sheet": sheet, "row": number}
    if not keyword:
        tally.empty += 1
        if is_blank(cells):
            findings.warning("empty_row", "空行。", "empty row.", **where)
        else:
            findings.warning("empty_keyword", "关键词为空。", "the keyword is empty.", **where)
        return
    key = hash(fold_keyword(keyword))
    first = tally.first_seen.get(key)
    if first is not None:
        tally.duplicates += 1
        first_zh, first_en = RowRefs.describe(tally.refs.unpack(first), sheet)
        findings.warning(
            "duplicate",
            f"与{first_zh}的关键词重复，不重复计数。",
            f"repeats the keyword of {first_en}; counted once.",
            **where,
        )
        return
    tally.first_seen[key] = tally.refs.pack(sheet, number)
    tally.total += 1
    if len(keyword) == 1:
        tally.single_character += 1
    _count_category(cells, header, sheet_match, tally, findings, where)
    if "updated" in header.columns:
        _note_date(get(cells, header, "updated"), tally, findings, where)


def _count_category(
    cells: Sequence[Cell],
    header: Header,
    sheet_match: RiskMatch | None,
    tally: _Tally,
    findings: Findings,
    where: dict[str, Any],
) -> None:
    raw = cell_text(get(cells, header, "category"))
    primary = cell_text(get(cells, header, "primary"))
    if sheet_match is not None and not raw and not primary:
        tally.per_risk[sheet_match.code or ""] += 1
        return
    has_column = bool({"category", "primary"} & header.columns.keys())
    code = count_risk(
        raw,
        primary,
        per_risk=tally.per_risk,
        category_only=tally.category_only,
        # Without a category column the sheet-level error already says it all.
        findings=findings if has_column else None,
        where=where,
    )
    if code is None:
        tally.uncategorised += 1


def _note_date(value: Cell, tally: _Tally, findings: Findings, where: dict[str, Any]) -> None:
    if cell_text(value) == "":
        return
    parsed = parse_date(value)
    if parsed is None:
        findings.warning(
            "bad_date",
            f"无法识别的日期“{cell_text(value)}”。",
            f"unrecognised date '{cell_text(value)}'.",
            **where,
        )
    elif tally.latest is None or parsed > tally.latest:
        tally.latest = parsed


def _figures(tally: _Tally) -> dict[str, Any]:
    core = a1_a2_codes()
    today = date.today()
    return {
        "total": tally.total,
        "rows_read": tally.rows,
        "duplicates": tally.duplicates,
        "empty_rows": tally.empty,
        "single_character": tally.single_character,
        "uncategorised": tally.uncategorised,
        "per_risk": {code: tally.per_risk.get(code, 0) for code in risks()},
        "category_only": dict(sorted(tally.category_only.items())),
        "a1_a2_covered": sum(1 for code in core if tally.per_risk.get(code, 0) > 0),
        "a1_a2_missing": [code for code in core if tally.per_risk.get(code, 0) == 0],
        "latest_update": tally.latest.isoformat() if tally.latest else None,
        "days_since_update": (today - tally.latest).days if tally.latest else None,
        "sheets": tally.sheets,
        "columns": tally.columns,
    }


def _checks(tally: _Tally, thresholds: Thresholds) -> list[Check]:
    core = a1_a2_codes()
    covered = sum(1 for code in core if tally.per_risk.get(code, 0) > 0)
    days = (date.today() - tally.latest).days if tally.latest else None
    no_date = ("", "")
    if tally.latest is None:
        no_date = ("文件中没有更新日期列或日期。", "The file has no update date column or date.")
    return [
        evaluate(TOTAL, tally.total, thresholds),
        per_item_minimum(PER_A1, tally.per_risk, codes_in("A.1"), thresholds),
        per_item_minimum(PER_A2, tally.per_risk, codes_in("A.2"), thresholds),
        evaluate(
            COVERED,
            covered,
            thresholds,
            failing=[code for code in core if tally.per_risk.get(code, 0) == 0],
        ),
        evaluate(UPDATE, days, thresholds, note=no_date),
    ]


def _summarise(tally: _Tally, findings: Findings) -> None:
    if tally.single_character:
        findings.warning(
            "single_character",
            f"{tally.single_character} 个关键词只有一个字符，容易误拦截。",
            f"{tally.single_character} keywords are a single character, which blocks too much.",
        )


# --- rows for exports -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordRow:
    """One non-empty keyword row as the analyser reads it (for the annex-4 export)."""

    sheet: str | None
    row: int
    keyword: str
    code: str | None  # the risk code, e.g. "A.1 a"; None when only a category or nothing resolved
    category: str | None  # "A.1" when known
    raw_category: str
    updated: date | None


def iter_keyword_rows(
    source: Source, *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[KeywordRow]:
    """Stream the keyword rows of an annex-4 upload, with header detection, one-sheet-per-risk
    and header-less layouts exactly as `analyse_keyword_list` reads them.

    Rows are not de-duplicated (the caller decides); empty keywords are skipped. Raises
    AnalyserError like the analyser when the upload cannot be read at all.
    """
    scratch = Findings(AnalyserResult(kind=KIND, filename=filename))
    found = False
    with tables(source, filename=filename, max_bytes=max_bytes) as sheets:
        for sheet in sheets:
            header, rows = find_header(sheet, ROLES, required=("keyword",))
            if header is None:
                header, rows = _headerless(sheet.name, rows, scratch)
                if header is None:
                    continue
            found = True
            sheet_match = _sheet_category(sheet, header)
            for number, cells in rows:
                keyword = cell_text(get(cells, header, "keyword"))
                if not keyword:
                    continue
                raw = cell_text(get(cells, header, "category"))
                primary = cell_text(get(cells, header, "primary"))
                if sheet_match is not None and not raw and not primary:
                    match = sheet_match
                else:
                    match = resolve_risk(raw, primary)
                updated = (
                    parse_date(get(cells, header, "updated"))
                    if "updated" in header.columns
                    else None
                )
                yield KeywordRow(
                    sheet=sheet.name,
                    row=number,
                    keyword=keyword,
                    code=match.code,
                    category=match.category,
                    raw_category=raw or primary,
                    updated=updated,
                )
    if not found:
        raise missing_columns_error(ROLES, ("keyword",))
