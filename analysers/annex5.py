"""Reading annex-5 test-question workbooks, shared by the test-bank and test-result analysers.

Whether a question should be refused is usually carried by the sheet it sits in (生成类 /
拒答 / 非拒答), sometimes by a column (题库类型, 预期行为, 是否应拒答). A CSV holds one bank
unless such a column says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .findings import Findings
from .report import AnalyserError
from .risks import squeeze
from .tabular import (
    Cell,
    Header,
    Role,
    Sheet,
    cell_text,
    find_header,
    fold,
    get,
    is_blank,
    parse_date,
)

Bank = Literal["generated", "refuse", "non_refuse"]
BANKS: tuple[Bank, ...] = ("generated", "refuse", "non_refuse")
BANK_NAMES = {
    "generated": ("生成内容测试题库", "generated-content bank"),
    "refuse": ("应拒答测试题库", "should-refuse bank"),
    "non_refuse": ("非拒答测试题库", "should-not-refuse bank"),
}

QUESTION = Role(
    "question",
    "题目列",
    "question column",
    exact=("题目", "问题", "测试题", "试题", "测试问题", "测试题目", "question", "prompt", "提问"),
    contains=("题目", "问题", "测试题", "question", "prompt"),
)
EXPECTED = Role(
    "expected",
    "题库类型列",
    "bank/expected-behaviour column",
    exact=(
        "题库",
        "题库类型",
        "测试类型",
        "题目类型",
        "预期行为",
        "预期",
        "期望行为",
        "是否应拒答",
        "应拒答",
        "bank",
        "expected",
        "expectedbehaviour",
        "expectedbehavior",
        "shouldrefuse",
    ),
    contains=("题库", "预期", "期望", "应拒答", "expected"),
)
JUDGEMENT = Role(
    "judgement",
    "判定列",
    "judgement column",
    exact=(
        "判定",
        "判定结果",
        "研判结果",
        "结果",
        "测试结果",
        "是否通过",
        "是否合格",
        "是否拒答",
        "是否拒绝",
        "评估结果",
        "judgement",
        "judgment",
        "result",
        "verdict",
        "outcome",
        "passed",
        "refused",
    ),
    contains=("判定", "研判", "结果", "是否通过", "是否合格", "是否拒答", "verdict", "result"),
)
ANSWER = Role(
    "answer",
    "回答列",
    "answer column",
    exact=("回答", "模型回答", "模型的答案", "答案", "模型返回", "模型输出", "answer", "response"),
    contains=("回答", "答案", "返回", "输出", "answer", "response", "output"),
)
PRIMARY = Role(
    "primary",
    "一级分类列",
    "primary category column",
    exact=("一级分类", "一级类别", "大类"),
    contains=("一级",),
)
CATEGORY = Role(
    "category",
    "类别列",
    "category column",
    exact=(
        "二级分类",
        "二级类别",
        "类别",
        "分类",
        "风险类别",
        "风险类型",
        "违规类型",
        "方面",
        "考察方面",
        "category",
        "risk",
        "aspect",
    ),
    contains=("类别", "分类", "类型", "方面", "category", "risk", "aspect"),
)
# How a generated-content answer was judged (TC260-003 §9.3 b)-d): three separate draws).
METHOD = Role(
    "method",
    "抽检方式列",
    "method column",
    exact=(
        "抽检方式",
        "抽检方法",
        "抽样方式",
        "抽样方法",
        "评估方式",
        "评估方法",
        "检测方式",
        "检测方法",
        "测试方式",
        "研判方式",
        "method",
        "samplingmethod",
    ),
    contains=("抽检方式", "抽检方法", "抽样方式", "抽样方法", "方式", "方法", "method"),
)
# When a question entered (or last changed in) the bank: TC260-003 §8.2 d), §8.3 c).
UPDATED = Role(
    "updated",
    "更新日期列",
    "update date column",
    exact=(
        "更新日期",
        "更新时间",
        "入库日期",
        "入库时间",
        "日期",
        "updated",
        "date",
        "lastupdated",
    ),
    contains=("日期", "更新", "date", "update"),
)
# Order matters: "是否应拒答" must become the expected column before the judgement role
# sees it, and the question column before "类型" could be taken as a category.
ROLES = (QUESTION, EXPECTED, JUDGEMENT, ANSWER, METHOD, UPDATED, PRIMARY, CATEGORY)

Method = Literal["manual", "keyword", "classifier"]
METHODS: tuple[Method, ...] = ("manual", "keyword", "classifier")
# The values the results workbook writes in 抽检方式 (docs/analysers.md, "results workbook").
METHOD_NAMES: dict[str, tuple[str, str]] = {
    "manual": ("人工抽检", "manual draw"),
    "keyword": ("关键词抽检", "keyword draw"),
    "classifier": ("分类模型抽检", "classifier draw"),
}
_METHOD_WORDS: dict[Method, tuple[str, ...]] = {
    "manual": ("人工", "manual", "human"),
    "keyword": ("关键词", "关键字", "keyword"),
    "classifier": ("分类模型", "分类器", "classifier"),
}


def method_of(text: str) -> Method | None:
    """The draw a method cell or a sheet name names, None when it names none or several
    ("人工+关键词抽检" says two draws shared one sheet: which row belongs to which is unknown)."""
    t = squeeze(text)
    if not t:
        return None
    named = [m for m, words in _METHOD_WORDS.items() if any(w in t for w in words)]
    return named[0] if len(named) == 1 else None


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "应拒答"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "x", "不应拒答"}


def bank_of(text: str) -> Bank | None:
    """The bank a sheet name or a bank-column value names, if any."""
    t = squeeze(text)
    if not t:
        return None
    if any(m in t for m in ("非拒答", "不应拒答", "不拒答", "无需拒答", "应回答", "非拒绝")) or any(
        m in t for m in ("nonrefus", "notrefus", "shouldanswer", "shouldnotbe")
    ):
        return "non_refuse"
    if any(m in t for m in ("拒答", "拒绝", "refus")):
        return "refuse"
    if any(m in t for m in ("生成", "generat")):
        return "generated"
    return None


def _expected_is_yes_no(header: Header) -> bool:
    text = squeeze(header.texts.get("expected", ""))
    return text.startswith("是否") or text.startswith("should")


@dataclass(frozen=True)
class QuestionRow:
    sheet: str | None
    row: int
    bank: Bank
    question: str
    category: str
    primary: str
    answer: str | None  # None when the file has no answer column
    judgement: str
    judgement_header: str
    # The 抽检方式 cell as written ("" when empty or no column), and the sheet's own method
    # (a sheet named 生成类-人工抽检) for rows whose cell is empty.
    method_text: str = ""
    sheet_method: str | None = None
    updated: date | None = None
    updated_text: str = ""  # the date cell as written, "" when empty or no column

    @property
    def method(self) -> Method | None:
        if self.method_text:
            return method_of(self.method_text)
        return self.sheet_method  # type: ignore[return-value]


def read_questions(
    sheets: Iterator[Sheet],
    *,
    default_bank: Bank | None,
    required: Sequence[str],
    findings: Findings,
    used_sheets: dict[str, str],
) -> Iterator[QuestionRow]:
    """Every question row of the upload, with the bank it belongs to.

    Rows whose bank cannot be told are reported and skipped. `used_sheets` receives
    {sheet name: bank or "column"} for the figures. Yields nothing if no sheet has the
    `required` columns (the caller raises).
    """
    found = [(sheet, *find_header(sheet, ROLES, required)) for sheet in sheets]
    found = [(sheet, header, rows) for sheet, header, rows in found if header is not None]
    marked = {sheet.name: bank_of(sheet.name or "") for sheet, _, _ in found}
    any_marked = any(marked.values())
    for sheet, header, rows in found:
        sheet_bank = marked[sheet.name]
        if sheet_bank is None and any_marked and "expected" not in header.columns:
            # Local templates add sheets such as 涉知识产权、商业秘密评估 beside the three banks;
            # they hold generated-content questions for the A.3-A.5 risks.
            sheet_bank = "generated"
            findings.warning(
                "sheet_assumed_generated",
                "工作表名称未标明题库类型，按生成内容测试题计数。",
                "the sheet name does not say which bank it is; counted as generated-content "
                "questions.",
                sheet=sheet.name,
            )
        elif sheet_bank is None and not any_marked:
            sheet_bank = default_bank
        if sheet_bank is None and "expected" not in header.columns:
            raise AnalyserError(
                "no_bank",
                "无法判断题目属于哪个题库：请使用名为 生成类、拒答、非拒答 的工作表，"
                "或增加“预期行为”列（生成 / 应拒答 / 不应拒答）。",
                "Cannot tell which bank the questions belong to: name the sheets 生成类, 拒答 "
                "and 非拒答, or add an expected-behaviour column (生成 / 应拒答 / 不应拒答).",
            )
        used_sheets[sheet.name or ""] = sheet_bank or "column"
        yield from _rows(sheet, header, rows, sheet_bank, findings)


def _rows(
    sheet: Sheet,
    header: Header,
    rows: Iterator[tuple[int, Sequence[Cell]]],
    sheet_bank: Bank | None,
    findings: Findings,
) -> Iterator[QuestionRow]:
    yes_no = _expected_is_yes_no(header)
    has_answer = "answer" in header.columns
    sheet_method = method_of(sheet.name or "")
    for number, cells in rows:
        question = cell_text(get(cells, header, "question"))
        where = {"sheet": sheet.name, "row": number}
        if not question:
            if is_blank(cells):
                findings.warning("empty_row", "空行。", "empty row.", **where)
            else:
                findings.warning("empty_question", "题目为空。", "the question is empty.", **where)
            continue
        bank = sheet_bank
        if "expected" in header.columns:
            raw = cell_text(get(cells, header, "expected"))
            bank = _bank_from_cell(raw, yes_no) or sheet_bank
            if bank is None:
                findings.error(
                    "unknown_bank",
                    f"无法识别题库类型“{raw}”（应为 生成类、应拒答 或 非拒答）。",
                    f"unknown bank '{raw}' (expected 生成类, 应拒答 or 非拒答).",
                    **where,
                )
                continue
        yield QuestionRow(
            sheet=sheet.name,
            row=number,
            bank=bank,  # type: ignore[arg-type] - set by the sheet or the column
            question=question,
            category=cell_text(get(cells, header, "category")),
            primary=cell_text(get(cells, header, "primary")),
            answer=cell_text(get(cells, header, "answer")) if has_answer else None,
            judgement=cell_text(get(cells, header, "judgement")),
            judgement_header=header.texts.get("judgement", ""),
            method_text=cell_text(get(cells, header, "method")),
            sheet_method=sheet_method,
            updated=parse_date(get(cells, header, "updated")),
            updated_text=cell_text(get(cells, header, "updated")),
        )


def _bank_from_cell(raw: str, yes_no: bool) -> Bank | None:
    if yes_no:
        folded = fold(raw)
        if folded in _YES:
            return "refuse"
        if folded in _NO:
            return "non_refuse"
    return bank_of(raw)


def fold_question(text: str) -> int:
    """Questions compare equal regardless of spacing, punctuation and width."""
    return hash(squeeze(text))


def iter_question_rows(
    source,
    *,
    filename: str,
    default_bank: Bank | None,
    max_bytes: int | None = None,
) -> Iterator[QuestionRow]:
    """Stream the question rows of an annex-5 upload (test banks or test results), each with
    its bank, as the analysers read them; for exports. Messages are discarded. Raises
    AnalyserError when the upload cannot be read or has no question column."""
    from .inputs import DEFAULT_MAX_BYTES
    from .report import AnalyserResult
    from .tabular import missing_columns_error, tables

    scratch = Findings(AnalyserResult(kind="annex5_rows", filename=filename))
    used: dict[str, str] = {}
    with tables(source, filename=filename, max_bytes=max_bytes or DEFAULT_MAX_BYTES) as sheets:
        yield from read_questions(
            sheets,
            default_bank=default_bank,
            required=(QUESTION.key,),
            findings=scratch,
            used_sheets=used,
        )
    if not used:
        raise missing_columns_error(ROLES, (QUESTION.key,))
