"""Clean XLSX exports of annex 4 (拦截关键词列表) and annex 5 (评估测试题) from the files the
provider uploaded.

The uploads are re-read with the analysers' own readers (`analysers.keywords.
iter_keyword_rows`, `analysers.annex5.iter_question_rows`), so header detection, layouts and
the risk-category normalisation are exactly those the checks measured. Each export has the
rows with normalised categories (`A.1 包含…` / `A.1 a) …`), duplicates removed, a coverage sheet
per risk (count against the TC260-003 minimum) and a 说明 sheet saying what was merged, dropped
or could not be read. Written with openpyxl in write-only mode: keyword rows stream from the
source to the output; annex-5 questions are held once per bank so that an answered copy (from
the test results) can complete an unanswered one.

Every sheet prints (or converts to PDF) on A4 landscape, all columns on one page width, with
the header row repeated, grid lines, and the sheet name and page number in the footer. Columns
are wide enough for the longest category label (a label cut off by the next, filled cell is
unreadable on paper); the long free-text columns of annex 5 (question, answer) wrap instead, so
a long model answer makes a tall row (up to Excel's 409 points) rather than a page scaled down
to unreadable type. Keyword rows stay unstyled (they stream, possibly by the hundred thousand);
only a note wraps.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from analysers import AnalyserError
from analysers.annex5 import Bank, iter_question_rows
from analysers.keywords import fold_keyword, iter_keyword_rows
from analysers.risks import (
    NON_REFUSE_ASPECTS,
    a1_a2_codes,
    aspect_of,
    categories,
    resolve_risk,
    risk_label,
    risks,
    squeeze,
)
from filing.facts import FilingFacts, evidence_path
from portal.text import cell_text

# TC260-003 §8.1–8.3 minimums (filing-practice §8 items 25 and 29).
KEYWORD_TOTAL_MIN = 10000
KEYWORD_MIN = {"A.1": 200, "A.2": 100}
BANK_TOTAL_MIN = {"generated": 2000, "refuse": 500, "non_refuse": 500}
GENERATED_MIN = {"A.1": 50, "A.2": 50}  # other risks: GENERATED_OTHER_MIN
GENERATED_OTHER_MIN = 20
REFUSE_MIN = 20
ASPECT_MIN = 20

BANK_SHEETS: dict[Bank, str] = {"generated": "生成类", "refuse": "拒答", "non_refuse": "非拒答"}
# The uploads the annexes are built from are layout sections of the assessment's version:
# annexes.annex4 (keyword lists) and annexes.annex5 (each with the bank it holds; test results,
# without a bank, complete the bank rows with answers and verdicts).
ANNEX4_SOURCES = "annexes.annex4"
ANNEX5_SOURCES = "annexes.annex5"


@dataclass(frozen=True)
class Source:
    name: str
    open: Callable[[], IO[bytes]]
    default_bank: Bank | None = None
    sha256: str = ""  # of an upload's content (filing.annex_cache keys on it)


@dataclass
class Stats:
    sources: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    rows_read: int = 0
    written: int = 0
    duplicates: int = 0
    uncategorised: int = 0
    overlap: int = 0
    per_item: Counter[str] = field(default_factory=Counter)


def _category_label(code: str) -> str:
    for cat in categories():
        if cat.code == code:
            return f"{cat.code} {cat.name_zh}"
    return code


TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)
CENTRE = Alignment(vertical="top", horizontal="center")
LEFT = Alignment(vertical="top", horizontal="left", wrap_text=True)
# Coverage sheets: count, minimum and met centred under their headings.
COUNT_COLUMNS = {2: CENTRE, 3: CENTRE, 4: CENTRE}
# Annex 5 banks: question, both categories, answer and note wrap; number and verdict do not.
BANK_WRAP = {1: WRAP, 2: WRAP, 3: WRAP, 4: WRAP, 7: WRAP}
# Column widths in Excel character units (a Chinese character takes two).
RISK_LABEL_WIDTH = 68  # the longest: "A.5 b) 内容不可靠，虽然不包含严重错误的内容，但无法对…"
CATEGORY_WIDTH = 38  # the longest: "A.1 包含违反社会主义核心价值观的内容"
ANNEX4_WIDTHS = [7, 24, CATEGORY_WIDTH, RISK_LABEL_WIDTH, 11, 20]
BANK_WIDTHS = [6, 36, 20, 32, 44, 9, 11, 16]
NOTES_WIDTHS = [30, 90]
COVERAGE_WIDTHS = [10, RISK_LABEL_WIDTH, 10, 10, 10]
LINE_HEIGHT = 15  # points per line of 11-point text
MAX_ROW_HEIGHT = 409  # Excel's limit


def _bold(ws, values: Iterable[Any]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=cell_text(value))
        cell.font = Font(bold=True)
        cell.alignment = WRAP
        cells.append(cell)
    return cells


_STYLES: weakref.WeakKeyDictionary[Workbook, dict[int, tuple[Alignment, StyleArray]]] = (
    weakref.WeakKeyDictionary()
)


def _style_of(ws, alignment: Alignment) -> StyleArray:
    """The workbook's style entry for an alignment, looked up once per workbook: assigning
    `cell.alignment` hashes the Alignment against the workbook's style table on every cell,
    which was most of the time of a 10 000-row annex."""
    # Keyed by identity: hashing an Alignment is the slow part. The alignments are this
    # module's constants, alive as long as the module; the entry keeps its own alive too.
    cache = _STYLES.setdefault(ws.parent, {})
    entry = cache.get(id(alignment))
    if entry is None:
        template = WriteOnlyCell(ws)
        template.alignment = alignment
        entry = cache[id(alignment)] = (alignment, template._style)
    return entry[1]


def _styled(ws, values: Iterable[Any], styles: dict[int, Alignment], default=TOP) -> list:
    """A row of cells aligned per column (index -> alignment), the others `default`."""
    cells = []
    for i, value in enumerate(values):
        cell = WriteOnlyCell(ws, value=cell_text(value))
        cell._style = copy(_style_of(ws, styles.get(i, default)))
        cells.append(cell)
    return cells


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit_height(ws, row: int, values: list, wrapped: Iterable[int], widths: list[int]) -> None:
    """Give a row the height its wrapped cells need. LibreOffice does not recompute the height
    of a wrapped row when it opens an XLSX (its PDF showed one line, the rest cut off), so the
    lines are counted here from the text width, on the generous side."""
    lines = 1
    for i in wrapped:
        text = values[i]
        if isinstance(text, str) and text:
            usable = max(widths[i] - 1, 1)
            needed = sum(-(-max(_text_width(part), 1) // usable) for part in text.split("\n"))
            lines = max(lines, needed)
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT)


def _sheet(wb: Workbook, title: str, header: list[str], widths: list[int]):
    ws = wb.create_sheet(title)
    for letter, width in zip("ABCDEFGHIJ", widths, strict=False):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    # Printed (or converted to PDF): A4 landscape, all columns on one page width, the header
    # row on every page, grid lines to follow a row across, sheet name and page in the footer.
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.gridLines = True
    ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
    ws.append(_bold(ws, header))
    return ws


def _notes(wb: Workbook, title: str, stats: Stats, extra: list[tuple[str, Any]]) -> None:
    ws = _sheet(wb, "说明", ["项目", "内容"], NOTES_WIDTHS)
    rows: list[tuple[str, Any]] = [
        ("文件", title),
        ("生成日期", today().isoformat()),
        ("来源文件", "、".join(stats.sources) or "（无）"),
        ("读取行数", stats.rows_read),
        ("写入行数（去重后）", stats.written),
        ("删除的重复项", stats.duplicates),
        ("类别无法归入具体风险的行", stats.uncategorised),
        *extra,
    ]
    rows += [("无法读取的文件", f"{name}：{why}") for name, why in stats.unreadable]
    rows.append(
        (
            "类别格式",
            "一级分类写作“A.n 类别名称”，二级分类写作“A.n x) 风险名称”（TC260-003 附录A）。",
        )
    )
    for number, row in enumerate(rows, start=2):
        # Left-aligned and wrapped: counts next to their label, long names on several lines.
        _fit_height(ws, number, list(row), (0, 1), NOTES_WIDTHS)
        ws.append(_styled(ws, row, {}, default=LEFT))


def today() -> dt.date:
    """The 生成日期 of a workbook written now (part of filing.annex_cache's key)."""
    return dt.date.today()


def _output() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


# --- annex 4 ---------------------------------------------------------------------------------


def build_annex4(sources: Iterable[Source], out: IO[bytes], *, max_bytes: int) -> Stats:
    """Write the clean keyword list to `out`; returns what was read and written."""
    stats = Stats()
    wb = Workbook(write_only=True)
    ws = _sheet(
        wb,
        "拦截关键词列表",
        ["序号", "关键词", "一级分类", "违规类型", "更新日期", "备注"],
        ANNEX4_WIDTHS,
    )
    seen: set[str] = set()
    for source in sources:
        stats.sources.append(source.name)
        try:
            with source.open() as handle:
                for row in iter_keyword_rows(handle, filename=source.name, max_bytes=max_bytes):
                    stats.rows_read += 1
                    key = fold_keyword(row.keyword)
                    if key in seen:
                        stats.duplicates += 1
                        continue
                    seen.add(key)
                    stats.written += 1
                    note = ""
                    if row.code:
                        stats.per_item[row.code] += 1
                    else:
                        stats.uncategorised += 1
                        note = f"原类别“{row.raw_category}”未能归入具体风险，请核对"
                    values = [
                        stats.written,
                        row.keyword,
                        _category_label(row.category) if row.category else "",
                        risk_label(row.code) if row.code else "",
                        row.updated.isoformat() if row.updated else "",
                        note,
                    ]
                    if note:
                        _fit_height(ws, stats.written + 1, values, (5,), ANNEX4_WIDTHS)
                        ws.append(_styled(ws, values, {5: WRAP}))
                    else:
                        ws.append([cell_text(v) for v in values])
        except AnalyserError as exc:
            stats.unreadable.append((source.name, exc.zh))
    _keyword_coverage(wb, stats)
    _notes(
        wb, "附件4 拦截关键词列表（整理版）", stats, [("关键词总数要求", f"≥ {KEYWORD_TOTAL_MIN}")]
    )
    wb.save(out)
    return stats


def _keyword_coverage(wb: Workbook, stats: Stats) -> None:
    ws = _sheet(
        wb,
        "覆盖情况",
        ["风险编码", "风险", "关键词数", "最低要求", "是否达标"],
        COVERAGE_WIDTHS,
    )
    for code, risk in risks().items():
        minimum = KEYWORD_MIN.get(risk.category)
        count = stats.per_item.get(code, 0)
        row = [code, risk_label(code), count, minimum or "—", _met(count, minimum)]
        ws.append(_styled(ws, row, COUNT_COLUMNS))
    total = ["合计", "", stats.written, KEYWORD_TOTAL_MIN, _met(stats.written, KEYWORD_TOTAL_MIN)]
    ws.append(_styled(ws, total, COUNT_COLUMNS))


def _met(count: int, minimum: int | None) -> str:
    if minimum is None:
        return "—"
    return "达标" if count >= minimum else f"差 {minimum - count}"


# --- annex 5 ---------------------------------------------------------------------------------


@dataclass
class _Question:
    question: str
    primary: str
    secondary: str
    answer: str
    judgement: str
    note: str = ""
    # The newest 更新日期 seen for the question (ISO), kept so that the clean workbook still
    # shows the banks' monthly update (TC260-003 8.2 d), 8.3 c); TB-06).
    updated: str = ""


def build_annex5(sources: Iterable[Source], out: IO[bytes], *, max_bytes: int) -> Stats:
    """Write the clean test-question workbook (生成类 / 拒答 / 非拒答 + coverage) to `out`."""
    stats = Stats()
    banks: dict[Bank, dict[str, _Question]] = {b: {} for b in BANK_SHEETS}
    for source in sources:
        stats.sources.append(source.name)
        try:
            with source.open() as handle:
                for row in iter_question_rows(
                    handle,
                    filename=source.name,
                    default_bank=source.default_bank,
                    max_bytes=max_bytes,
                ):
                    stats.rows_read += 1
                    _add_question(banks, row, stats)
        except AnalyserError as exc:
            stats.unreadable.append((source.name, exc.zh))
    wb = Workbook(write_only=True)
    for bank, title in BANK_SHEETS.items():
        ws = _sheet(
            wb,
            title,
            ["序号", "题目", "一级分类", "二级分类", "模型的答案", "研判结果", "更新日期", "备注"],
            BANK_WIDTHS,
        )
        for i, item in enumerate(banks[bank].values(), start=1):
            values = [
                i,
                item.question,
                item.primary,
                item.secondary,
                item.answer,
                item.judgement,
                item.updated,
                item.note,
            ]
            _fit_height(ws, i + 1, values, BANK_WRAP, BANK_WIDTHS)
            ws.append(_styled(ws, values, BANK_WRAP))
    stats.written = sum(len(b) for b in banks.values())
    _bank_coverage(wb, banks)
    _notes(
        wb,
        "附件5 评估测试题（整理版）",
        stats,
        [("同时出现在拒答和非拒答中的题目（只保留首次出现）", stats.overlap)],
    )
    wb.save(out)
    return stats


def _add_question(banks: dict[Bank, dict[str, _Question]], row, stats: Stats) -> None:
    key = squeeze(unicodedata.normalize("NFKC", row.question))
    bank = banks[row.bank]
    existing = bank.get(key)
    updated = row.updated.isoformat() if row.updated else ""
    if existing is not None:
        stats.duplicates += 1
        existing.updated = max(existing.updated, updated)
        # The same question from the test results brings the model's answer and verdict.
        if not existing.answer and row.answer:
            existing.answer = row.answer
        if not existing.judgement and row.judgement:
            existing.judgement = row.judgement
        return
    other = {"refuse": "non_refuse", "non_refuse": "refuse"}.get(row.bank)
    if other and key in banks[other]:
        stats.overlap += 1
        return
    bank[key] = _classify(row, stats)
    bank[key].updated = updated


def _classify(row, stats: Stats) -> _Question:
    answer, judgement = row.answer or "", row.judgement or ""
    if row.bank == "non_refuse":
        aspect = aspect_of(row.category) or aspect_of(row.primary) or aspect_of(row.sheet or "")
        if aspect:
            stats.per_item[f"non_refuse:{aspect}"] += 1
            return _Question(row.question, aspect, row.category or row.primary, answer, judgement)
        stats.uncategorised += 1
        return _Question(
            row.question,
            "",
            row.category or row.primary,
            answer,
            judgement,
            "考察方面未识别，请核对",
        )
    match = resolve_risk(row.category, row.primary)
    if match.code:
        stats.per_item[f"{row.bank}:{match.code}"] += 1
        return _Question(
            row.question,
            _category_label(match.code[:3]),
            risk_label(match.code),
            answer,
            judgement,
        )
    stats.uncategorised += 1
    raw = row.category or row.primary
    return _Question(
        row.question,
        _category_label(match.category) if match.category else "",
        "",
        answer,
        judgement,
        f"原类别“{raw}”未能归入具体风险，请核对",
    )


def _bank_coverage(wb: Workbook, banks: dict[Bank, dict[str, _Question]]) -> None:
    ws = _sheet(
        wb,
        "覆盖情况",
        ["题库", "风险或方面", "题目数", "最低要求", "是否达标"],
        COVERAGE_WIDTHS,
    )
    counts: Counter[str] = Counter()
    for bank, items in banks.items():
        for item in items.values():
            if bank == "non_refuse":
                counts[f"{bank}:{item.primary}"] += 1
            elif item.secondary:
                counts[f"{bank}:{item.secondary.split(')')[0]}"] += 1
    for code, risk in risks().items():
        minimum = GENERATED_MIN.get(risk.category, GENERATED_OTHER_MIN)
        n = counts.get(f"generated:{code}", 0)
        row = ["生成类", risk_label(code), n, minimum, _met(n, minimum)]
        ws.append(_styled(ws, row, COUNT_COLUMNS))
    for code in a1_a2_codes():
        n = counts.get(f"refuse:{code}", 0)
        row = ["拒答", risk_label(code), n, REFUSE_MIN, _met(n, REFUSE_MIN)]
        ws.append(_styled(ws, row, COUNT_COLUMNS))
    for aspect, _en in NON_REFUSE_ASPECTS:
        n = counts.get(f"non_refuse:{aspect}", 0)
        row = ["非拒答", aspect, n, ASPECT_MIN, _met(n, ASPECT_MIN)]
        ws.append(_styled(ws, row, COUNT_COLUMNS))
    for bank, title in BANK_SHEETS.items():
        n = len(banks[bank])
        row = [title, "合计", n, BANK_TOTAL_MIN[bank], _met(n, BANK_TOTAL_MIN[bank])]
        ws.append(_styled(ws, row, COUNT_COLUMNS))


# --- from an assessment ---------------------------------------------------------------------


def _sources(facts: FilingFacts, plan: Iterable[tuple[str, Bank | None]]) -> list[Source]:
    """The uploaded files of the plan's questions, each file once (same content, same file)."""
    seen: set[str] = set()
    sources = []
    for code, bank in plan:
        for e in facts.files(code):
            if e.sha256 in seen or not e.sha256:
                continue
            seen.add(e.sha256)
            path = evidence_path(e.sha256)
            sources.append(
                Source(e.name, lambda path=path: default_storage.open(path, "rb"), bank, e.sha256)
            )
    return sources


def annex4_sources(facts: FilingFacts) -> list[Source]:
    return _sources(facts, [(row["q"], None) for row in facts.layout.rows(ANNEX4_SOURCES)])


def annex5_sources(facts: FilingFacts) -> list[Source]:
    return _sources(
        facts, [(row["q"], row.get("bank")) for row in facts.layout.rows(ANNEX5_SOURCES)]
    )


def annex4_for(facts: FilingFacts) -> IO[bytes]:
    """Written now, not cached (filing.annex_cache.workbook keeps them)."""
    out = _output()
    build_annex4(annex4_sources(facts), out, max_bytes=settings.ANALYSER_MAX_BYTES)
    out.seek(0)
    return out


def annex5_for(facts: FilingFacts) -> IO[bytes]:
    """Written now, not cached (filing.annex_cache.workbook keeps them)."""
    out = _output()
    build_annex5(annex5_sources(facts), out, max_bytes=settings.ANALYSER_MAX_BYTES)
    out.seek(0)
    return out
