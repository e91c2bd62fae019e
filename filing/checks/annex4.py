"""Annex 4, the keyword list: filing-practice §8 items 23–26."""

from __future__ import annotations

import datetime as dt

from filing.checks.base import (
    Problems,
    Verdict,
    analysis_problems,
    check,
    ev,
    iso_date,
    ok,
    threshold_problems,
    warn,
)
from filing.facts import FilingFacts


@check("KW-01", "annex4", "附件4 格式", "Annex 4 format", "filing-practice §8 item 23; §3.4")
def keyword_format(facts: FilingFacts) -> Verdict | None:
    files = [e for e in facts.evidence if e.kind == "keyword_list"]
    if not files:
        return None
    problems = Problems()
    for e in analysis_problems(files, problems):
        problems.links.extend(ev([e]))
        if "no_category_column" in e.error_codes():
            problems.block(
                f"“{e.name}”没有风险类别列（违规类型 或 一级/二级分类）",
                f"'{e.name}' has no risk category column",
                ev([e]),
            )
    return problems.verdict(
        "附件4 可读取，含关键词列和类别列",
        "Annex 4 is readable with keyword and category columns",
        "上传可编辑的 xlsx，含“关键词”和“违规类型”（或一级分类/二级分类）列。",
        "Upload an editable xlsx with 关键词 and 违规类型 (or 一级分类/二级分类) columns.",
    )


@check(
    "KW-02",
    "annex4",
    "关键词风险类别",
    "Keyword risk categories",
    "TC-8.1b; filing-practice §8 item 24",
)
def keyword_categories(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed("keyword_list")
    if not files:
        return None
    problems = Problems()
    for e in files:
        f = e.figures
        missing = f.get("a1_a2_missing") or []
        if missing:
            problems.block(
                f"未覆盖 A.1/A.2 风险：{'、'.join(missing)}",
                f"A.1/A.2 risks not covered: {', '.join(missing)}",
                ev([e]),
            )
        if f.get("uncategorised"):
            problems.warn(
                f"{f['uncategorised']} 个关键词的类别无法识别",
                f"{f['uncategorised']} keywords have an unrecognised category",
                ev([e]),
            )
        if f.get("category_only"):
            problems.warn(
                f"{sum(f['category_only'].values())} 个关键词只写了大类",
                f"{sum(f['category_only'].values())} keywords name only the category",
                ev([e]),
            )
    return problems.verdict(
        "全部类别可归入附录A 编码，覆盖 17 种 A.1/A.2 风险",
        "Every category maps to an Appendix-A code; all 17 A.1/A.2 risks are covered",
        "把类别统一写成“A.1 a) 风险名称”的形式，并补齐缺失风险的关键词（导出的整理版附件4 已统一格式）。",
        "Write categories as 'A.1 a) name' and add keywords for missing risks (the clean "
        "annex 4 export normalises them).",
    )


@check(
    "KW-03",
    "annex4",
    "关键词数量与重复",
    "Keyword counts and duplicates",
    "TC-8.1a, TC-8.1b; filing-practice §8 item 25",
)
def keyword_counts(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed("keyword_list")
    if not files:
        return None
    problems = Problems()
    for e in files:
        threshold_problems(e, problems, ("total_min", "per_risk_a1_min", "per_risk_a2_min"))
        f = e.figures
        for key, zh, en in (
            ("duplicates", "重复关键词", "duplicate keywords"),
            ("empty_rows", "空行", "empty rows"),
            ("single_character", "单字关键词", "one-character keywords"),
        ):
            if f.get(key):
                problems.warn(f"{f[key]} 个{zh}", f"{f[key]} {en}", ev([e]))
    total = sum(int(e.figures.get("total") or 0) for e in files)
    return problems.verdict(
        f"共 {total} 个不重复关键词，各风险数量达标",
        f"{total} unique keywords; every risk meets its minimum",
        "补充关键词至总数 ≥ 10000、A.1 每项 ≥ 200、A.2 每项 ≥ 100，并去除重复和空行（可直接使用导出的整理版附件4）。",
        "Grow the list to ≥ 10,000, ≥ 200 per A.1 and ≥ 100 per A.2 risk; remove duplicates "
        "(the clean annex 4 export does).",
    )


@check(
    "KW-04",
    "annex4",
    "关键词库更新日期",
    "Keyword list update date",
    "TC-8.1c; filing-practice §8 item 26",
)
def keyword_update(facts: FilingFacts) -> Verdict | None:
    files = facts.analysed("keyword_list")
    if not files:
        return None
    dates = [d for e in files if (d := iso_date(e.figures.get("latest_update")))]
    if not dates:
        return warn(
            "附件4 没有更新日期列",
            "Annex 4 has no update date column",
            "增加“更新日期”列，每周至少更新一次。",
            "Add an update date column; update at least weekly.",
            ev(files),
        )
    latest = max(dates)
    days = (facts.today - dt.date.fromisoformat(latest)).days
    if days > 7:
        return warn(
            f"最近更新于 {latest}，距今 {days} 天，超过 7 天",
            f"Last updated {latest}, {days} days ago (more than 7)",
            "提交前更新关键词库。",
            "Update the keyword list before submission.",
            ev(files),
        )
    return ok(f"最近更新于 {latest}（{days} 天前）", f"Last updated {latest} ({days} days ago)")
