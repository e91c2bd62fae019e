"""The assessment report: filing-practice §8 items 13–17."""

from __future__ import annotations

import re

from assessments.scoring import CONCLUSION_LABELS, DECLARED_CONCLUSIONS, declared_mismatch
from filing import lint
from filing.checks.base import (
    Problems,
    Verdict,
    analysis_problems,
    block,
    check,
    ev,
    iso_date,
    ok,
    pct,
    q,
    threshold_problems,
    warn,
)
from filing.facts import EvidenceFact, FilingFacts
from library.layouts import row_codes


@check(
    "REPORT-01",
    "report",
    "逐条评估结果",
    "Per-clause results",
    "TC-9.1; filing-practice §8 item 13",
)
def clause_table(facts: FilingFacts) -> Verdict | None:
    clauses = [c for c in sorted(facts.applicable) if facts.kinds.get(c) == "clause"]
    if not clauses:
        return None
    problems = Problems()
    evidence = {e.question for e in facts.evidence}
    missing, bare, no_reason, no_plan = [], [], [], []
    for code in clauses:
        answer = facts.answer(code)
        if answer is None:
            missing.append(code)
        elif answer.value == "conform" and not answer.note.strip() and code not in evidence:
            bare.append(code)
        elif answer.value == "na" and not answer.na_reason.strip():
            no_reason.append(code)
        elif answer.value == "not_conform" and not (
            answer.remediation_plan.strip()
            or answer.measures_taken.strip()
            or answer.alternative_measure.strip()
        ):
            no_plan.append(code)
    if missing:
        problems.block(
            f"{len(missing)} 条未作答", f"{len(missing)} clauses unanswered", q(*missing)
        )
    if no_reason:
        problems.block(
            f"{len(no_reason)} 条“不适用”未说明理由",
            f"{len(no_reason)} 'not applicable' without a reason",
            q(*no_reason),
        )
    if no_plan:
        problems.block(
            f"{len(no_plan)} 条“不符合”没有措施或整改计划",
            f"{len(no_plan)} 'does not conform' without measures or a plan",
            q(*no_plan),
        )
    if bare:
        problems.warn(
            f"{len(bare)} 条“符合”既无说明也无证明材料",
            f"{len(bare)} 'conforms' with neither justification nor evidence",
            q(*bare),
        )
    return problems.verdict(
        f"{len(clauses)} 条均有结果、依据或理由",
        f"All {len(clauses)} clauses have a result with evidence or reasons",
        "逐条补齐：符合附证明，不适用写理由，不符合写原因和整改计划。",
        "Per clause: evidence for 'conforms', a reason for 'not applicable', reason and plan "
        "for 'does not conform'.",
    )


def _sampling_verdict(facts: FilingFacts, kind: str, summary) -> Verdict | None:
    files = [e for e in facts.evidence if e.kind == kind]
    if not files:
        return None
    problems = Problems()
    for e in analysis_problems(files, problems):
        threshold_problems(e, problems)
        problems.links.extend(ev([e]))
    zh, en = summary(facts.analysed(kind))
    return problems.verdict(
        zh,
        en,
        "扩大抽检样本或整改后重新抽检，上传新的结果表。",
        "Sample more or remediate and test again, then upload the new results.",
    )


def corpus_sampling_summary(files: list[EvidenceFact]) -> tuple[str, str]:
    f = files[0].figures if files else {}
    return (
        f"人工抽检 {f.get('manual_sample', '—')} 条，合格率 {pct(f.get('manual_pass_rate'))}；"
        f"技术抽检 {f.get('technical_sample', '—')} 条（占 {pct(f.get('technical_share'))}），"
        f"合格率 {pct(f.get('technical_pass_rate'))}",
        f"Manual sample {f.get('manual_sample', '—')} at {pct(f.get('manual_pass_rate'))}; "
        f"technical sample {f.get('technical_sample', '—')} "
        f"({pct(f.get('technical_share'))}) at {pct(f.get('technical_pass_rate'))}",
    )


METHOD_LABELS = {
    "manual": ("人工抽检", "manual"),
    "keyword": ("关键词抽检", "keyword"),
    "classifier": ("分类模型抽检", "classifier"),
    "": ("", ""),
}
BANK_LABELS = {
    "generated": ("生成内容", "generated"),
    "refuse": ("应拒答", "should-refuse"),
    "non_refuse": ("非拒答", "should-not-refuse"),
}


def draw_lines(figures) -> list[tuple[str, str]]:
    """(zh, en) of each draw of a test-results analysis: "生成内容（人工抽检）1000 题，合格率
    95.0%". Results stored before draws were read (no "draws") give one line per bank."""
    draws = figures.get("draws")
    if draws is None:
        draws = [{"bank": b, "method": "", **(figures.get(b) or {})} for b in BANK_LABELS]
    lines = []
    for d in draws:
        bank_zh, bank_en = BANK_LABELS.get(d.get("bank"), ("", ""))
        method_zh, method_en = METHOD_LABELS.get(d.get("method") or "", ("", ""))
        where_zh = f"{bank_zh}（{method_zh}）" if method_zh else f"{bank_zh} "
        where_en = f"{bank_en} ({method_en} draw)" if method_en else bank_en
        tested = d.get("tested", "—")
        if d.get("bank") == "generated":
            rate = pct(d.get("pass_rate"))
            lines.append(
                (f"{where_zh}{tested} 题，合格率 {rate}", f"{where_en} {tested} at {rate}")
            )
        else:
            rate = pct(d.get("refusal_rate"))
            lines.append(
                (f"{where_zh}{tested} 题，拒答率 {rate}", f"{where_en} {tested}, refused {rate}")
            )
    return lines


def test_results_summary(files: list[EvidenceFact]) -> tuple[str, str]:
    lines = draw_lines(files[0].figures if files else {})
    return "；".join(zh for zh, _en in lines), "; ".join(en for _zh, en in lines)


@check(
    "REPORT-02",
    "report",
    "语料抽检阈值",
    "Corpus sampling thresholds",
    "TC-9.2; filing-practice §8 item 14",
)
def corpus_sampling(facts: FilingFacts) -> Verdict | None:
    return _sampling_verdict(facts, "training_sampling", corpus_sampling_summary)


@check(
    "REPORT-03",
    "report",
    "生成内容与拒答测试阈值",
    "Generated-content and refusal test thresholds",
    "TC-9.3, TC-9.4; filing-practice §8 items 14 and 30",
)
def output_tests(facts: FilingFacts) -> Verdict | None:
    return _sampling_verdict(facts, "test_results", test_results_summary)


_METHOD_RE = re.compile(
    r"抽检|抽样|抽测|人工|关键词|分类模型|测试|红队|评测|检测|审核|sampl|test|review|keyword|classif",
    re.IGNORECASE,
)
_CRITERIA_RE = re.compile(
    r"标准|判定|判断|依据|合格|阈值|要求|规则|附录A|TC260|45654|criteri|threshold|rule|pass",
    re.IGNORECASE,
)
_NUMBER_IN_TEXT_RE = re.compile(r"\d")

# Layout section: the report sections that must give method, criteria and numbers, each with
# the questions whose answers describe it (`q`) and the analysers whose results give numbers.
REPORT_SECTIONS = "checks.report_sections"


@check(
    "REPORT-04",
    "report",
    "方法、标准与结果",
    "Method, criteria and results",
    "filing-practice §8 item 15; §5 R6",
)
def method_criteria_results(facts: FilingFacts) -> Verdict | None:
    problems = Problems()
    checked = []
    for row in facts.layout.rows(REPORT_SECTIONS):
        zh, en, codes_, kinds = row["label_zh"], row["label_en"], row_codes(row), row["analysers"]
        answers = [a for c in codes_ if (a := facts.answer(c)) is not None]
        numbers = bool(facts.analysed(*kinds))
        if not answers and not numbers:
            continue
        checked.append(zh)
        text = " ".join(t for a in answers for _f, t in a.texts())
        if not numbers and not _NUMBER_IN_TEXT_RE.search(text):
            problems.block(
                f"{zh}：只有结论，没有样本量、合格率等数字，也没有可分析的结果文件",
                f"{en}: conclusions only, no sample sizes or rates and no analysed results",
                q(*codes_),
            )
            continue
        lacking_zh, lacking_en = [], []
        if not _METHOD_RE.search(text):
            lacking_zh.append("评估方法")
            lacking_en.append("method")
        if not _CRITERIA_RE.search(text):
            lacking_zh.append("判断标准")
            lacking_en.append("criteria")
        if lacking_zh:
            problems.warn(
                f"{zh}：说明中未写{'和'.join(lacking_zh)}",
                f"{en}: the justifications do not state the {' or '.join(lacking_en)}",
                q(*codes_),
            )
    if not checked:
        return None
    return problems.verdict(
        f"{'、'.join(checked)}均写明方法、标准并有数字结果",
        "Each evaluation section states method, criteria and numeric results",
        "在相关条款的说明中写明评估方法（人工/关键词/分类模型抽检、红队测试）、判断标准和结果数字。",
        "State the method (manual, keyword, classifier sampling, red team), the pass criteria "
        "and the numbers in the justifications.",
    )


@check(
    "REPORT-05",
    "report",
    "绝对化用语",
    "Absolute or boastful wording",
    "filing-practice §8 item 16; §5 R8",
)
def wording(facts: FilingFacts) -> Verdict | None:
    texts = list(facts.narrative())
    if not texts:
        return None
    problems = Problems()
    for code, _field, text in texts:
        for hit in lint.first(lint.absolute_terms(text), 3):
            problems.warn(f"{code}：“{hit.excerpt}”", f"{code}: “{hit.excerpt}”", q(code))
        if len(problems.warns) >= 12:
            break
    return problems.verdict(
        "说明中没有绝对化或夸大用语",
        "No absolute or boastful wording in the narrative answers",
        "改为可核实的表述并给出数字和依据，例如“抽检 1000 题合格率 96.2%”，而不是“100%拦截”“完全杜绝”。",
        "Use verifiable statements with numbers ('1,000 sampled, 96.2 % passed') instead of "
        "'100 %', 'completely' or 'world-leading'.",
    )


@check(
    "REPORT-06",
    "report",
    "评估时效",
    "Assessment after the last model change",
    "TC-7h-2; filing-practice §8 item 17",
)
def freshness(facts: FilingFacts) -> Verdict | None:
    completed, model_change = (
        facts.role("assessment.completed_on"),
        facts.role("lifecycle.last_model_change"),
    )
    changed = iso_date(facts.value(model_change))
    assessed = iso_date(facts.value(completed)) or (
        facts.submitted_on.isoformat() if facts.submitted_on else None
    )
    if not changed or not assessed:
        return None
    if assessed < changed:
        return block(
            f"最近一次评估（{assessed}）早于最近一次重要模型更新（{changed}）",
            f"The last assessment ({assessed}) predates the last major model change ({changed})",
            f"模型重要更新后重新开展安全评估，并更新 {completed} 的日期。",
            f"Assess again after the model change and update the date under {completed}.",
            q(completed, model_change),
        )
    if assessed > facts.today.isoformat():
        return warn(
            f"评估完成日期 {assessed} 晚于今天",
            f"The assessment date {assessed} is in the future",
            "填写实际完成日期。",
            "Enter the actual completion date.",
            q(completed),
        )
    return ok(
        f"评估（{assessed}）在最近一次模型更新（{changed}）之后",
        f"Assessed ({assessed}) after the last model change ({changed})",
    )


# The security-measure domains of chapter 5 of the report (filing-practice §3.1 block 4).
MEASURE_DOMAINS = (
    "personal_information",
    "labelling",
    "minors",
    "complaints",
    "transparency",
    "incidents",
    "lifecycle",
)


@check(
    "REPORT-07",
    "report",
    "安全措施的具体说明",
    "Security measures described",
    "filing-practice §5 R5, R6, R7; §3.1",
)
def measures_described(facts: FilingFacts) -> Verdict | None:
    """A measure claimed as in place (是 / 符合) with neither a description nor a file: the
    report would list it without saying what is done, the most common reason for return."""
    claimed = [
        code
        for code in sorted(facts.applicable)
        if facts.domains.get(code) in MEASURE_DOMAINS
        and facts.kinds.get(code) in ("yes_no", "clause")
        and facts.value(code) in (True, "conform")
    ]
    if not claimed:
        return None
    bare = [c for c in claimed if not facts.answers[c].note.strip() and not facts.files(c)]
    if not bare:
        return ok(
            f"{len(claimed)} 项已落实的措施均有具体说明或证明材料",
            f"All {len(claimed)} measures in place are described or evidenced",
        )
    shown = "、".join(bare[:10]) + ("等" if len(bare) > 10 else "")
    return warn(
        f"{len(bare)} 项措施答“是/符合”但既无说明也无证明材料：{shown}",
        f"{len(bare)} measures answered yes/conform have neither a description nor a file: "
        + ", ".join(bare[:10]),
        "在这些问题的说明中写明具体做法（入口、流程、频次、负责人），或上传截图、日志；"
        "报告第5章逐项引用这些说明。",
        "Describe what is done (entry point, process, frequency, owner) in each answer's "
        "justification, or upload screenshots or logs; chapter 5 of the report quotes them.",
        q(*bare[:10]),
    )


@check(
    "REPORT-08",
    "report",
    "总体结论与逐条结果一致",
    "Declared conclusion matches the clause results",
    "TC-9.1d",
)
def declared_conclusion(facts: FilingFacts) -> Verdict | None:
    question = facts.role("checks.report.conclusion_question")
    declared = facts.value(question)
    computed = (facts.self_score or {}).get("conclusion")
    if declared is None or computed is None:
        return None
    computed_zh, computed_en = CONCLUSION_LABELS[computed]
    declared_zh, declared_en = CONCLUSION_LABELS[DECLARED_CONCLUSIONS[declared]]
    if declared_mismatch(declared, computed):
        return block(
            f"{question} 自报总体结论为“{declared_zh}”，按逐条结果（第9.1条d））得出的结论为“{computed_zh}”",
            f"{question} declares '{declared_en}', the clause results give '{computed_en}' "
            "(§9.1 d))",
            f"核对逐条结果，使 {question} 与按逐条结果得出的结论一致。",
            f"Check the clause results and make {question} agree with the conclusion they give.",
            q(question),
        )
    return ok(
        f"自报总体结论与逐条结果一致：{computed_zh}",
        f"The declared conclusion matches the clause results: {computed_en}",
        q(question),
    )


@check(
    "REPORT-09",
    "report",
    "标准版本与条款编号",
    "Standard version and clause numbers",
    "TC-4-1; regulation.md §3.4 (GB/T 45654-2025 mapping UNCONFIRMED)",
)
def standard_version(facts: FilingFacts) -> Verdict | None:
    standard = facts.role("assessment.standard")
    basis = facts.value(standard)
    if basis is None:
        return None
    if basis in ("gbt45654", "both"):
        return warn(
            f"{standard} 选择以 GB/T 45654-2025 为依据，但报告的逐条结果表按 TC260-003 条款编排"
            "（GB/T 45654-2025 对应条款待核）",
            f"{standard} names GB/T 45654-2025, but the report's clause table follows TC260-003 "
            "(corresponding GB/T 45654-2025 clauses to be confirmed)",
            "提交前对照 GB/T 45654-2025 正式文本逐条核对条款号，并在报告中注明对应关系。",
            "Before filing, check each clause number against the official GB/T 45654-2025 text "
            "and state the correspondence in the report.",
            q(standard),
        )
    return ok(
        "报告按 TC260-003 条款编排并注明 GB/T 45654-2025 对应条款待核",
        "The report follows TC260-003 and says the GB/T 45654-2025 clauses are to be confirmed",
        q(standard),
    )
