"""Annex 5: the three test-question banks, checked against TC260-003 §8.2 and §8.3.

One implementation serves the kinds test_bank_generated, test_bank_refuse and
test_bank_non_refuse: the kind picks the bank whose figures and checks are reported; the
other banks in the same workbook are counted too, so that refuse/non-refuse overlap shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .annex5 import (
    BANK_NAMES,
    BANKS,
    QUESTION,
    ROLES,
    Bank,
    QuestionRow,
    fold_question,
    read_questions,
)
from .categories import count_risk
from .checks import CheckSpec, Thresholds, evaluate, per_item_minimum
from .findings import Findings, RowRefs
from .inputs import DEFAULT_MAX_BYTES, Source
from .report import AnalyserResult, Check
from .risks import NON_REFUSE_ASPECTS, a1_a2_codes, aspect_of, risks
from .tabular import missing_columns_error, tables

KIND_BANK: dict[str, Bank] = {
    "test_bank_generated": "generated",
    "test_bank_refuse": "refuse",
    "test_bank_non_refuse": "non_refuse",
}

ASPECTS = tuple(name for name, _ in NON_REFUSE_ASPECTS)

# TC260-003 §8.2 d) and §8.3 c): the banks 宜 be updated at least monthly (advisory). The
# newest 更新日期 in the bank stands for its last update.
UPDATE = CheckSpec(
    "update_interval_days_max",
    "距题库最近一次更新的天数",
    "Days since the bank's last update",
    "le",
    advisory=True,
)


def _specs(bank: Bank) -> dict[str, CheckSpec]:
    zh, en = BANK_NAMES[bank]
    total = CheckSpec("total_min", f"{zh}题目总数", f"Questions in the {en}", "ge", advisory=True)
    if bank == "generated":
        return {
            "total": total,
            "core": CheckSpec(
                "per_risk_a1_a2_min",
                "A.1、A.2 各项风险的题目数",
                "Questions per A.1/A.2 risk",
                "ge",
                advisory=True,
            ),
            "other": CheckSpec(
                "per_risk_other_min",
                "A.3–A.5 各项风险的题目数",
                "Questions per A.3-A.5 risk",
                "ge",
                advisory=True,
            ),
            "covered": CheckSpec(
                "risks_covered_min", "覆盖的风险数（共 31 项）", "Risks covered (of 31)", "ge"
            ),
        }
    if bank == "refuse":
        return {
            "total": total,
            "core": CheckSpec(
                "per_risk_min",
                "A.1、A.2 各项风险的应拒答题目数",
                "Should-refuse questions per A.1/A.2 risk",
                "ge",
                advisory=True,
            ),
            "covered": CheckSpec(
                "risks_covered_min",
                "覆盖的 A.1、A.2 风险数（共 17 项）",
                "A.1 and A.2 risks covered (of 17)",
                "ge",
            ),
        }
    return {
        "total": total,
        "aspect": CheckSpec(
            "per_aspect_min",
            "各方面的非拒答题目数",
            "Should-not-refuse questions per aspect",
            "ge",
            advisory=True,
        ),
        # TC260-003 §8.3 b) 2) says 应 for covering all 13 aspects: binding, and checked
        # even where questionnaire version 1 gives no threshold for it.
        "covered": CheckSpec(
            "aspects_covered_min",
            "覆盖的方面数（共 13 项）",
            "Aspects covered (of 13)",
            "ge",
            default=len(ASPECTS),
        ),
    }


@dataclass
class _BankTally:
    total: int = 0
    per_item: Counter[str] = field(default_factory=Counter)
    category_only: Counter[str] = field(default_factory=Counter)
    unclassified: int = 0
    duplicates: int = 0
    latest: date | None = None  # newest 更新日期 in the bank
    dated: int = 0  # rows with a readable update date
    # hash(question) -> RowRefs of its first occurrence
    first_seen: dict[int, int] = field(default_factory=dict)


def analyse_test_bank(
    kind: str,
    source: Source,
    *,
    filename: str,
    thresholds: Thresholds,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_uscc: str | None = None,  # unused: uniform analyser signature
) -> AnalyserResult:
    """Analyse an annex-5 workbook or CSV for the bank named by `kind`."""
    bank = KIND_BANK[kind]
    result = AnalyserResult(kind=kind, filename=filename)
    findings = Findings(result)
    tallies = {b: _BankTally() for b in BANKS}
    used_sheets: dict[str, str] = {}
    overlap = 0
    refs = RowRefs()
    with tables(source, filename=filename, max_bytes=max_bytes) as sheets:
        rows = read_questions(
            sheets,
            default_bank=bank,
            required=("question",),
            findings=findings,
            used_sheets=used_sheets,
        )
        for row in rows:
            overlap += _count(
                row,
                tallies,
                findings,
                refs,
                report=row.bank == bank,
                report_overlap=bank != "generated",
            )
    if not used_sheets:
        raise missing_columns_error(ROLES, (QUESTION.key,))
    tally = tallies[bank]
    result.figures = _figures(bank, tally, tallies, used_sheets, overlap)
    result.checks = _checks(bank, tally, thresholds)
    if overlap and bank != "generated":
        findings.error(
            "refuse_non_refuse_overlap",
            f"有 {overlap} 道题同时出现在应拒答和非拒答题库中。",
            f"{overlap} questions appear in both the should-refuse and the should-not-refuse bank.",
        )
    return result


OTHER_REFUSAL_BANK: dict[Bank, Bank] = {"refuse": "non_refuse", "non_refuse": "refuse"}


def _count(
    row: QuestionRow,
    tallies: dict[Bank, _BankTally],
    findings: Findings,
    refs: RowRefs,
    *,
    report: bool,
    report_overlap: bool,
) -> int:
    """Count one question; returns 1 if it also sits in the other refusal bank."""
    tally = tallies[row.bank]
    key = fold_question(row.question)
    where = {"sheet": row.sheet, "row": row.row}
    _note_date(row, tally, findings if report else None, where)
    first = tally.first_seen.get(key)
    if first is not None:
        tally.duplicates += 1
        if report:
            first_zh, first_en = RowRefs.describe(refs.unpack(first), row.sheet)
            findings.warning(
                "duplicate",
                f"与{first_zh}的题目重复，不重复计数。",
                f"repeats the question of {first_en}; counted once.",
                **where,
            )
        return 0
    tally.first_seen[key] = refs.pack(row.sheet, row.row)
    tally.total += 1
    overlap = 0
    other = OTHER_REFUSAL_BANK.get(row.bank)
    twin = tallies[other].first_seen.get(key) if other else None
    if twin is not None:
        overlap = 1
    if twin is not None and report_overlap:
        twin_zh, twin_en = RowRefs.describe(refs.unpack(twin), None)
        findings.warning(
            "overlap",
            f"该题也出现在另一拒答题库的{twin_zh}。",
            f"the question also appears in the other refusal bank at {twin_en}.",
            **where,
        )
    reporting = findings if report else None
    if row.bank == "non_refuse":
        _count_aspect(row, tally, reporting, where)
    elif not count_risk(
        row.category,
        row.primary,
        per_risk=tally.per_item,
        category_only=tally.category_only,
        findings=reporting,
        where=where,
    ):
        tally.unclassified += 1
    return overlap


def _note_date(
    row: QuestionRow, tally: _BankTally, findings: Findings | None, where: dict[str, Any]
) -> None:
    if row.updated is not None and row.updated > date.today():
        # A typo must not make a stale bank look fresh.
        if findings:
            findings.warning(
                "future_date",
                f"更新日期 {row.updated.isoformat()} 晚于今天，不计入最近更新日期。",
                f"update date {row.updated.isoformat()} is in the future; not taken as the "
                "last update.",
                **where,
            )
    elif row.updated is not None:
        tally.dated += 1
        if tally.latest is None or row.updated > tally.latest:
            tally.latest = row.updated
    elif row.updated_text and findings:
        findings.warning(
            "bad_date",
            f"无法识别的更新日期“{row.updated_text}”。",
            f"unrecognised update date '{row.updated_text}'.",
            **where,
        )


def _count_aspect(
    row: QuestionRow, tally: _BankTally, findings: Findings | None, where: dict[str, Any]
) -> None:
    aspect = aspect_of(row.category) or aspect_of(row.primary) or aspect_of(row.sheet or "")
    if aspect:
        tally.per_item[aspect] += 1
        return
    tally.unclassified += 1
    if findings:
        shown = row.category or row.primary
        findings.warning(
            "unknown_aspect",
            f"类别“{shown}”不对应任何考察方面（制度、信仰、形象……），未按方面计数。",
            f"the category '{shown}' names none of the aspects (制度, 信仰, 形象 ...); not "
            "counted per aspect.",
            **where,
        )


def _items(bank: Bank) -> tuple[str, ...]:
    if bank == "non_refuse":
        return ASPECTS
    if bank == "refuse":
        return a1_a2_codes()
    return tuple(risks())


def _figures(
    bank: Bank,
    tally: _BankTally,
    tallies: dict[Bank, _BankTally],
    used_sheets: dict[str, str],
    overlap: int,
) -> dict[str, Any]:
    items = _items(bank)
    per_key = "per_aspect" if bank == "non_refuse" else "per_risk"
    per_item = {item: tally.per_item.get(item, 0) for item in items}
    if bank == "refuse":
        # Refusal questions outside A.1/A.2 are legitimate; show them, they just do not
        # count toward the 17.
        per_item |= {code: n for code, n in sorted(tally.per_item.items()) if code not in per_item}
    return {
        "bank": bank,
        "total": tally.total,
        "duplicates": tally.duplicates,
        "unclassified": tally.unclassified,
        per_key: per_item,
        "category_only": dict(sorted(tally.category_only.items())),
        "covered": sum(1 for item in items if tally.per_item.get(item, 0) > 0),
        "missing": [item for item in items if tally.per_item.get(item, 0) == 0],
        "banks_in_file": {b: tallies[b].total for b in BANKS},
        "refuse_non_refuse_overlap": overlap,
        "sheets": used_sheets,
        # Read again by the pre-filing check TB-06 against the submission date.
        "latest_update": tally.latest.isoformat() if tally.latest else None,
        "days_since_update": (date.today() - tally.latest).days if tally.latest else None,
        "dated_rows": tally.dated,
    }


def _checks(bank: Bank, tally: _BankTally, thresholds: Thresholds) -> list[Check]:
    specs = _specs(bank)
    items = _items(bank)
    counts = tally.per_item
    covered = evaluate(
        specs["covered"],
        sum(1 for item in items if counts.get(item, 0) > 0),
        thresholds,
        failing=[item for item in items if counts.get(item, 0) == 0],
    )
    checks = [evaluate(specs["total"], tally.total, thresholds)]
    if bank == "generated":
        core = a1_a2_codes()
        checks.append(per_item_minimum(specs["core"], counts, core, thresholds))
        others = [code for code in risks() if code not in core]
        checks.append(per_item_minimum(specs["other"], counts, others, thresholds))
    elif bank == "refuse":
        checks.append(per_item_minimum(specs["core"], counts, items, thresholds))
    else:
        checks.append(per_item_minimum(specs["aspect"], counts, items, thresholds))
    checks.append(covered)
    no_date = ("", "")
    if tally.latest is None:
        no_date = ("文件中没有更新日期列或日期。", "The file has no update date column or date.")
    days = (date.today() - tally.latest).days if tally.latest else None
    checks.append(evaluate(UPDATE, days, thresholds, note=no_date))
    return checks
