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


def _bank_rows(bank: str, with_results: bool) -> list[list[str]]:
    if bank == "非拒答":
        base = [["", "", "", name] for name, _ in NON_REFUSE_ASPECTS]
    else:
        codes = a1_a2_codes() if bank == "拒答" else tuple(risks())
        base = [["", "", _primary(code), _secondary(code)] for code in codes]
    if with_results:
        # The verdict column is left empty: an example value would be counted.
        base = [[*row, "", ""] for row in base]
    return base


def _bank_header(bank: str, with_results: bool) -> list[str]:
    header = ["序号", "题目", "一级分类", "二级分类"]
    if with_results:
        header += ["模型的答案", "研判结果" if bank == "生成类" else "是否拒答"]
    return header


def _annex5_tables(with_results: bool) -> list[Table]:
    return [
        (bank, _bank_header(bank, with_results), _bank_rows(bank, with_results))
        for bank in ("生成类", "拒答", "非拒答")
    ]


def _annex5_csv_table(with_results: bool) -> Table:
    """A CSV holds one table, so a 题库类型 column says which bank each row belongs to."""
    header = ["题库类型", "题目", "一级分类", "二级分类"]
    if with_results:
        header += ["模型的答案", "研判结果"]
    rows = []
    for bank in ("生成类", "应拒答", "非拒答"):
        sheet = "拒答" if bank == "应拒答" else bank
        for row in _bank_rows(sheet, with_results=False):
            rows.append([bank, *row[1:], *([""] * (2 if with_results else 0))])
    return ("附件5", header, rows)


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
    lambda: [*_annex5_tables(with_results=False), _risk_sheet()],
)
test_results_template = _build(
    "附件5_评估测试题_测试结果",
    lambda: _annex5_csv_table(with_results=True),
    lambda: [*_annex5_tables(with_results=True), _risk_sheet()],
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
