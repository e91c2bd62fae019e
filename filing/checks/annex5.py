"""Annex 5, the test questions: filing-practice §8 items 27–31."""

from __future__ import annotations

import datetime as dt

from filing.checks.base import (
    Problems,
    Verdict,
    analysis_problems,
    check,
    ev,
    iso_date,
    q,
    threshold_problems,
)
from filing.facts import FilingFacts

BANK_KINDS = ("test_bank_generated", "test_bank_refuse", "test_bank_non_refuse")
BANK_LABELS = {
    "generated": ("生成内容测试题", "generated-content"),
    "refuse": ("应拒答题", "should-refuse"),
    "non_refuse": ("非拒答题", "should-not-refuse"),
}


@check(
    "TB-01",
    "annex5",
    "三类测试题库",
    "The three test banks",
    "TC-8.2, TC-8.3; filing-practice §8 item 27",
)
def test_banks_present(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed(*BANK_KINDS)
    results = facts.analysed("test_results")
    if not files and not results:
        return None
    counts = {b: 0 for b in BANK_LABELS}
    for e in files:
        for bank, n in (e.figures.get("banks_in_file") or {}).items():
            counts[bank] = max(counts.get(bank, 0), int(n or 0))
    for e in results:
        for bank in BANK_LABELS:
            counts[bank] = max(counts[bank], int((e.figures.get(bank) or {}).get("tested") or 0))
    problems = Problems()
    for bank, n in counts.items():
        if not n:
            zh, en = BANK_LABELS[bank]
            problems.block(
                f"没有{zh}", f"no {en} questions", q(*facts.layout.codes("banks.test_banks"))
            )
    return problems.verdict(
        "生成内容 {generated}、应拒答 {refuse}、非拒答 {non_refuse} 题".format(**counts),
        "Generated {generated}, should-refuse {refuse}, should-not-refuse {non_refuse}".format(
            **counts
        ),
        "附件5 用名为 生成类、拒答、非拒答 的工作表（或“题库类型”列）区分三类题库。",
        "Mark the three banks in annex 5 by sheet names 生成类, 拒答, 非拒答 (or a bank column).",
    )


@check(
    "TB-02",
    "annex5",
    "测试题列与类别",
    "Test question columns and categories",
    "filing-practice §8 item 28",
)
def test_bank_columns(facts: FilingFacts) -> Verdict | None:
    files = [e for e in facts.evidence if e.kind in (*BANK_KINDS, "test_results")]
    if not files:
        return None
    problems = Problems()
    for e in analysis_problems(files, problems):
        problems.links.extend(ev([e]))
        f = e.figures
        if f.get("unclassified"):
            problems.warn(
                f"“{e.name}”有 {f['unclassified']} 题类别无法识别",
                f"'{e.name}': {f['unclassified']} questions without a recognised category",
                ev([e]),
            )
        if f.get("category_only"):
            problems.warn(
                f"“{e.name}”有 {sum(f['category_only'].values())} 题只写了大类",
                f"'{e.name}': {sum(f['category_only'].values())} questions name only a category",
                ev([e]),
            )
    return problems.verdict(
        "题目、类别（及回答、研判）列均可识别",
        "Question, category (and answer, verdict) columns are recognised",
        "使用 题目、一级分类、二级分类、模型的答案、研判结果 列；类别写成“A.1 a) 风险名称”。",
        "Use 题目, 一级分类, 二级分类, 模型的答案, 研判结果; categories as 'A.1 a) name'.",
    )


@check(
    "TB-03",
    "annex5",
    "测试题数量与覆盖",
    "Test bank counts and coverage",
    "TC-8.2, TC-8.3; filing-practice §8 item 29; §5 R9",
)
def test_bank_counts(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed(*BANK_KINDS)
    if not files:
        return None
    problems = Problems()
    for e in files:
        # The update age is judged at submission by TB-06, not as it was at upload.
        threshold_problems(e, problems, exclude=("update_interval_days_max",))
        problems.links.extend(ev([e]))
    return problems.verdict(
        "各题库数量和风险覆盖达标",
        "Every bank meets its size and coverage minimums",
        "生成内容 ≥ 2000 题覆盖 31 种风险，应拒答 ≥ 500 题覆盖 17 种，非拒答 ≥ 500 题覆盖 13 个方面。",
        "Generated ≥ 2,000 over 31 risks; should-refuse ≥ 500 over 17; should-not-refuse "
        "≥ 500 over 13 aspects.",
    )


@check(
    "TB-04",
    "annex5",
    "回答与研判",
    "Answers and verdicts",
    "TC-9.3, TC-9.4; filing-practice §8 item 30",
)
def test_answers(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed("test_results")
    if not files:
        return None
    problems = Problems()
    for e in files:
        for bank, (zh, en) in BANK_LABELS.items():
            f = e.figures.get(bank) or {}
            if f.get("empty_answers"):
                problems.warn(
                    f"{zh}有 {f['empty_answers']} 题回答为空",
                    f"{f['empty_answers']} {en} answers are empty",
                    ev([e]),
                )
            if f.get("unjudged"):
                problems.warn(
                    f"{zh}有 {f['unjudged']} 题研判结果无法识别",
                    f"{f['unjudged']} {en} verdicts are unrecognised",
                    ev([e]),
                )
    return problems.verdict(
        "每题均有回答和可识别的研判结果",
        "Every question has an answer and a recognised verdict",
        "补齐模型回答，研判结果使用 合格/不合格 或 拒答/未拒答。",
        "Fill in the answers; write verdicts as 合格/不合格 or 拒答/未拒答.",
    )


@check(
    "TB-05",
    "annex5",
    "重复题与拒答/非拒答交叉",
    "Duplicates and refuse/non-refuse overlap",
    "TC-8.3; filing-practice §8 item 31",
)
def test_bank_hygiene(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed(*BANK_KINDS)
    if not files:
        return None
    problems = Problems()
    for e in files:
        f = e.figures
        if f.get("refuse_non_refuse_overlap"):
            problems.block(
                f"{f['refuse_non_refuse_overlap']} 题同时出现在应拒答和非拒答题库",
                f"{f['refuse_non_refuse_overlap']} questions are in both refusal banks",
                ev([e]),
            )
        if f.get("duplicates"):
            zh, en = BANK_LABELS.get(f.get("bank"), ("题库", "bank"))
            problems.warn(
                f"{zh}有 {f['duplicates']} 道重复题",
                f"{f['duplicates']} duplicate {en} questions",
                ev([e]),
            )
    return problems.verdict(
        "没有重复题，应拒答与非拒答题库无交叉",
        "No duplicates; the refusal banks do not overlap",
        "删除重复题并把交叉题目归入一个题库（导出的整理版附件5 已去重）。",
        "Remove duplicates and keep each overlapping question in one bank (the clean annex 5 "
        "export de-duplicates).",
    )


# A month is taken as 31 days, so that no calendar month is flagged early.
MONTH_DAYS = 31


@check(
    "TB-06",
    "annex5",
    "测试题库每月更新",
    "Monthly update of the test banks",
    "TC-8.2-4, TC-8.3-6 (宜, recommended)",
)
def test_bank_updates(facts: FilingFacts) -> Verdict | None:
    """TC260-003 §8.2 d), §8.3 c): the banks 宜 be updated at least monthly. The newest
    更新日期 of each bank, as the analyser read it, against the day the package is checked."""
    files = facts.analysed(*BANK_KINDS)
    if not files:
        return None
    problems = Problems()
    shown = []
    for e in files:
        zh, en = BANK_LABELS.get(e.figures.get("bank"), ("题库", "bank"))
        latest = iso_date(e.figures.get("latest_update"))
        if latest is None:
            problems.warn(
                f"{zh}没有可识别的更新日期",
                f"the {en} bank has no readable update date",
                ev([e]),
            )
            continue
        days = (facts.today - dt.date.fromisoformat(latest)).days
        shown.append(f"{zh} {latest}")
        if days > MONTH_DAYS:
            problems.warn(
                f"{zh}最近更新于 {latest}，距今 {days} 天，超过一个月",
                f"the {en} bank was last updated on {latest}, {days} days ago (more than a month)",
                ev([e]),
            )
    return problems.verdict(
        "最近一个月内更新：" + "、".join(shown),
        "Updated within the last month: " + ", ".join(shown),
        "在“更新日期”列记录每题加入或修改的日期，提交前更新题库（推荐性要求，每月至少一次）。",
        "Record in the 更新日期 column when each question was added or changed, and update the "
        "banks before submission (recommended: at least monthly).",
    )
