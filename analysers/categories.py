"""Counting a row under its Appendix-A risk, with the messages every analyser gives."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .findings import Findings
from .risks import resolve_risk


def count_risk(
    raw: str,
    primary: str,
    *,
    per_risk: Counter[str],
    category_only: Counter[str],
    findings: Findings | None,
    where: dict[str, Any],
) -> str | None:
    """Add one row to `per_risk` (or `category_only`); returns the risk code or None.

    A missing or unknown category is an error (the standard counts per risk, so the row
    cannot count); naming only a category (A.1) is a warning. `findings` None counts
    silently (rows of a bank that is not being reported).
    """
    if not raw and not primary:
        if findings:
            findings.error("no_category", "缺少风险类别。", "no risk category.", **where)
        return None
    match = resolve_risk(raw, primary)
    shown = raw or primary
    if match.code:
        per_risk[match.code] += 1
        if match.conflict and findings:
            findings.warning(
                "category_conflict",
                f"类别“{shown}”的编号与名称不一致（名称对应 {match.conflict}），按编号 "
                f"{match.code} 计数。",
                f"the code and the name of category '{shown}' disagree (the name is "
                f"{match.conflict}); counted as {match.code}.",
                **where,
            )
        return match.code
    if match.category:
        category_only[match.category] += 1
        if findings:
            findings.warning(
                "category_only",
                f"“{shown}”只给出大类 {match.category}，未计入具体风险。",
                f"'{shown}' names only the category {match.category}; not counted for any "
                "single risk.",
                **where,
            )
        return None
    if findings:
        findings.error(
            "unknown_category",
            f"未知的风险类别“{shown}”。",
            f"unknown risk category '{shown}'.",
            **where,
        )
    return None
