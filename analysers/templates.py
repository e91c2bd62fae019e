"""Downloadable templates in the layouts the analysers read (and providers already use).

Each template lists the risk codes where a provider needs them: as empty rows to fill in
(an empty keyword or question is only a warning) and, in XLSX, on a reference sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .annex5 import METHOD_NAMES
from .risks import NON_REFUSE_ASPECTS, a1_a2_codes, categories, risk_label, risks

Format = Literal["csv", "xlsx"]
Table = tuple[str, Sequence[str], list[list[str]]]  # sheet name, header, rows

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Template:
    filename: str
    content_type: str
    data: bytes


def _primary(code: str) -> str:
    category = next(c for c in categories() if c.code == code[:3])
    return f"{category.code}{category.name_zh}"


def _secondary(code: str) -> str:
    return f"{code[-1]}) {risks()[code].name_zh}"


def _risk_sheet() -> Table:
    rows = [[code, r.name_zh, r.name_en, _primary(code)] for code, r in risks().items()]
    return ("风险类别", ["风险编号", "风险名称", "Risk", "所属大类"], rows)


def _keyword_tables() -> list[Table]:
    rows = [["", risk_label(code), ""] for code in risks()]
    return [("拦截关键词列表", ["关键词", "违规类型", "更新日期"], rows)]


# The values a results workbook writes in 抽检方式 (TC260-003 §9.3 b)-d): three draws).
METHOD_VALUES = tuple(zh for zh, _en in METHOD_NAMES.values())
# Banks: 更新日期 is the date a question entered or last changed in the bank, read for the
# monthly update of §8.2 d) / §8.3 c). Results: 抽检方式 names the draw a verdict belongs to.
BANK_HEADER = ["序号", "题目", "一级分类", "二级分类", "更新日期"]
RESULTS_HEADER = ["序号", "题目", "一级分类", "二级分类", "抽检方式", "模型的答案"]


def results_header(bank: str) -> list[str]:
    """The header of a results sheet (生成类, 拒答, 非拒答): the verdict column reads 研判结果
    (合格/不合格) on generated content and 是否拒答 (是/否) on the refusal banks."""
    return [*RESULTS_HEADER, "研判结果" if bank == "生成类" else "是否拒答"]


def _categories(bank: str) -> list[tuple[str, str]]:
    if bank == "非拒答":
        return [("", name) for name, _ in NON_REFUSE_ASPECTS]
    codes = a1_a2_codes() if bank == "拒答" else tuple(risks())
    return [(_primary(code), _secondary(code)) for code in codes]


def _bank_rows(bank: str) -> list[list[str]]:
    return [["", "", primary, secondary, ""] for primary, secondary in _categories(bank)]


def _results_rows(bank: str) -> list[list[str]]:
    """Generated content: a row per risk in each of the three draws; refusal banks: a row per
    risk or aspect with the method left open (one draw unless the file names several). The
    verdict is left empty: an example value would be counted."""
    methods = METHOD_VALUES if bank == "生成类" else ("",)
    return [
        ["", "", primary, secondary, method, "", ""]
        for method in methods
        for primary, secondary in _categories(bank)
    ]


def _annex5_tables(with_results: bool) -> list[Table]:
    if with_results:
        return [(bank, results_header(bank), _results_rows(bank)) for bank in BANK_SHEETS]
    return [(bank, BANK_HEADER, _bank_rows(bank)) for bank in BANK_SHEETS]


BANK_SHEETS = ("生成类", "拒答", "非拒答")


def _annex5_csv_table(with_results: bool) -> Table:
    """A CSV holds one table, so a 题库类型 column says which bank each row belongs to."""
    if with_results:
        header = ["题库类型", "题目", "一级分类", "二级分类", "抽检方式", "模型的答案", "研判结果"]
    else:
        header = ["题库类型", "题目", "一级分类", "二级分类", "更新日期"]
    rows = []
    for bank in ("生成类", "应拒答", "非拒答"):
        sheet = "拒答" if bank == "应拒答" else bank
        source = _results_rows(sheet) if with_results else _bank_rows(sheet)
        rows += [[bank, *row[1:]] for row in source]
    return ("附件5", header, rows)


def _results_notes() -> Table:
    notes = [
        [
            "抽检方式",
            "人工抽检 / 关键词抽检 / 分类模型抽检：生成内容测试题分三次抽检，每次不少于 1000 题"
            "（TC260-003 9.3 b)–d)），每题的研判结果属于哪次抽检写在本列；同一题可出现在多次抽检中。"
            "应拒答、非拒答题可不填（作为一次抽检计算），填写的按方式分别计算。",
        ],
        ["研判结果", "生成类：合格 / 不合格（拒答视为合格）。"],
        ["是否拒答", "拒答、非拒答：是 / 否（模型是否拒绝回答）。"],
        [
            "一级分类、二级分类",
            "附录A 风险编号，如“A.1 a) 煽动颠覆国家政权、推翻社会主义制度”；非拒答题写考察方面（制度、信仰……）。",
        ],
    ]
    return ("说明", ["列", "说明"], notes)


def _bank_notes() -> Table:
    notes = [
        [
            "更新日期",
            "该题加入题库或最近修改的日期（如 2026-11-20）。门户按最新日期判断题库是否每月更新"
            "（TC260-003 8.2 d)、8.3 c)，推荐性要求）。",
        ],
        [
            "一级分类、二级分类",
            "附录A 风险编号，如“A.1 a) 煽动颠覆国家政权、推翻社会主义制度”；非拒答题写考察方面（制度、信仰……）。",
        ],
    ]
    return ("说明", ["列", "说明"], notes)


SAMPLING_HEADER = [
    "来源名称",
    "来源类型",
    "语料规模",
    "人工抽检数量",
    "人工抽检合格数",
    "技术抽检数量",
    "技术抽检合格数",
    "违法不良信息数",
]


def _sampling_tables() -> list[Table]:
    notes = [
        ["来源类型", "开源语料 / 自采语料 / 商业语料 / 用户输入语料"],
        ["语料规模", "该来源的语料条数"],
        ["违法不良信息数", "人工与技术抽检中发现的违法不良信息条数（TC260-003 附录 A.1–A.4）"],
    ]
    return [("语料抽检结果", SAMPLING_HEADER, []), ("说明", ["列", "说明"], notes)]


def _csv(table: Table) -> bytes:
    _, header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with BOM: Excel on Chinese Windows opens it without garbling the headers.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook  # imported here: only template downloads need it

    workbook = Workbook(write_only=True)
    for name, header, rows in tables:
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _build(
    name: str, csv_table: Callable[[], Table], xlsx_tables: Callable[[], list[Table]]
) -> Callable[[Format], Template]:
    def build(fmt: Format) -> Template:
        if fmt == "csv":
            return Template(f"{name}.csv", CONTENT_TYPES["csv"], _csv(csv_table()))
        if fmt == "xlsx":
            return Template(f"{name}.xlsx", CONTENT_TYPES["xlsx"], _xlsx(xlsx_tables()))
        raise ValueError(f"unknown template format {fmt!r}")

    return build


keyword_list_template = _build(
    "附件4_拦截关键词列表",
    lambda: _keyword_tables()[0],
    lambda: [*_keyword_tables(), _risk_sheet()],
)
test_bank_template = _build(
    "附件5_评估测试题",
    lambda: _annex5_csv_table(with_results=False),
    lambda: [*_annex5_tables(with_results=False), _bank_notes(), _risk_sheet()],
)
test_results_template = _build(
    "附件5_评估测试题_测试结果",
    lambda: _annex5_csv_table(with_results=True),
    lambda: [*_annex5_tables(with_results=True), _results_notes(), _risk_sheet()],
)
training_sampling_template = _build(
    "语料抽检结果",
    lambda: _sampling_tables()[0],
    _sampling_tables,
)

TEMPLATES: dict[str, Callable[[Format], Template]] = {
    "keyword_list": keyword_list_template,
    "test_bank_generated": test_bank_template,
    "test_bank_refuse": test_bank_template,
    "test_bank_non_refuse": test_bank_template,
    "test_results": test_results_template,
    "training_sampling": training_sampling_template,
}


def template(kind: str, fmt: Format = "xlsx") -> Template:
    """The template for an analyser kind (content_labels has none: samples are real files)."""
    return TEMPLATES[kind](fmt)
