"""Building assessments with realistic answers and evidence: for the dossier tests,
bench/bench_dossier.py and the demo assessments of providers/demo.py (`make run`). Uses the
test helpers of tests/factories.py, so it runs where the source tree is (not for production)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone

from analysers.risks import NON_REFUSE_ASPECTS, a1_a2_codes, risk_label, risks
from library.layouts import get_layout

JUSTIFICATION = (
    "本单位已制定《生成式人工智能服务安全管理制度》（2026年第3版），明确由安全评估负责人牵头，"
    "法务、算法、运营等部门共同落实。相关措施已在生产环境上线运行，运行日志按月归档并由内审部门抽查，"
    "最近一次抽查（2026年9月）未发现偏差。证明材料见所附制度文件、系统截图及日志摘录。"
)
REMEDIATION = (
    "已启动整改：1）补充完善相关制度条款并经管理层审议；2）完成技术措施开发与灰度测试；"
    "3）整改完成后由第三方机构复核，并将复核报告补充至备案材料。"
)


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def keyword_list(total: int = 10500) -> bytes:
    rows = [["关键词", "违规类型", "更新日期"]]
    today = timezone.localdate().isoformat()
    n = 0
    for code in a1_a2_codes():
        for _ in range(200 if code.startswith("A.1") else 100):
            rows.append([f"词{n}", risk_label(code), today])
            n += 1
    while n < total:
        rows.append([f"词{n}", risk_label("A.1 f"), today])
        n += 1
    return _csv(rows)


def generated_bank() -> bytes:
    rows = [["序号", "题目", "风险类别", "模型的答案"]]
    n = 0
    for code in risks():
        for _ in range(50 if code in a1_a2_codes() else 20):
            rows.append([n, f"生成题{n}", risk_label(code), "回答"])
            n += 1
    while n < 2000:
        rows.append([n, f"生成题{n}", risk_label("A.5 b"), "回答"])
        n += 1
    return _csv(rows)


def refuse_bank() -> bytes:
    rows = [["题目", "风险类别"]]
    for code in a1_a2_codes():
        rows += [[f"拒答{code}-{i}", risk_label(code)] for i in range(30)]
    return _csv(rows)


def non_refuse_bank() -> bytes:
    rows = [["题目", "考察方面"]]
    for name, _en in NON_REFUSE_ASPECTS:
        rows += [[f"非拒答{name}{i}", f"中国{name}"] for i in range(40)]
    return _csv(rows)


# The sample upload of each annex source (the layout's annexes.annex4 rows, and the annex5
# rows by the bank they hold).
ANALYSED_EVIDENCE = {
    "keywords": ("附件4-拦截关键词列表.csv", keyword_list),
    "generated": ("附件5-生成内容测试题.csv", generated_bank),
    "refuse": ("附件5-应拒答测试题.csv", refuse_bank),
    "non_refuse": ("附件5-非拒答测试题.csv", non_refuse_bank),
}


def _annex_sources(layout) -> list[tuple[str, str]]:
    """(question, sample kind) of every upload the annexes are built from."""
    found = [(row["q"], "keywords") for row in layout.rows("annexes.annex4")]
    return found + [
        (row["q"], row["bank"]) for row in layout.rows("annexes.annex5") if "bank" in row
    ]


def make_assessment(
    service, user, *, realistic: bool = True, gaps: int = 3, answers: dict | None = None
):
    """A submitted-ready draft of the full questionnaire: annex files analysed, every required
    question answered, long justifications, and `gaps` clauses not conforming with a plan.

    `answers` (question code -> value as the form takes it: "yes"/"no", a choice, a list of
    choices, a number or date as text) are saved first, in their order, so that scope answers
    decide which questions apply; every other required question gets the sample answer."""
    from assessments import services
    from assessments.analysis import run_analysis
    from assessments.models import Answer
    from tests import factories

    assessment, _created = services.assessment_start(service=service, user=user)
    for code, value in (answers or {}).items():
        factories.answer(assessment, code, user, value=value)
    catalogue = services.get_catalogue(assessment.questionnaire)
    layout = get_layout(assessment.questionnaire)
    for code, kind in _annex_sources(layout):
        name, make = ANALYSED_EVIDENCE[kind]
        if code in catalogue.by_code:
            evidence = factories.attach(assessment, code, user, name=name, content=make())
            evidence.observed_on = timezone.localdate() - dt.timedelta(days=3)
            evidence.save(update_fields=["observed_on"])
            if hasattr(evidence, "analysis"):
                run_analysis(evidence.analysis.pk)
    factories.fill_required(assessment, user)
    if realistic:
        Answer.objects.filter(assessment=assessment).update(note=JUSTIFICATION)
        clauses = Answer.objects.filter(
            assessment=assessment, question__kind="clause", value="conform"
        ).order_by("question__position")
        for answer in clauses[:gaps]:
            answer.value = "not_conform"
            answer.nonconformity = "remediation"
            answer.measures_taken = "已完成风险评估，临时加强人工审核。"
            answer.remediation_plan = REMEDIATION
            answer.remediation_due = timezone.localdate() + dt.timedelta(days=60)
            answer.save()
    services.refresh_assessment(assessment)
    if realistic and layout.code("checks.report.conclusion_question") not in (answers or {}):
        _declare_computed_conclusion(assessment)
    return assessment


def _declare_computed_conclusion(assessment) -> None:
    """The declared conclusion is the one the clause results give, as a careful provider does
    (REPORT-08 blocks a mismatch)."""
    from assessments import services
    from assessments.models import Answer
    from assessments.scoring import DECLARED_CONCLUSIONS

    computed = (assessment.self_score or {}).get("conclusion")
    declared = next((k for k, v in DECLARED_CONCLUSIONS.items() if v == computed), None)
    question = get_layout(assessment.questionnaire).code("checks.report.conclusion_question")
    answer = Answer.objects.filter(assessment=assessment, question__code=question).first()
    if declared is None or answer is None or answer.value == declared:
        return
    answer.value = declared
    answer.save(update_fields=["value"])
    services.refresh_assessment(assessment)


def approve(assessment, user, reviewer, *, summary: str = ""):
    """Submit, then approve as the brief says the review workflow will (status updates)."""
    from assessments import services
    from assessments.models import Assessment

    services.assessment_submit(assessment=assessment, user=user)
    # The status machine (assessments.transitions) goes through review first.
    Assessment.objects.filter(pk=assessment.pk).update(status="in_review", assigned_to=reviewer)
    Assessment.objects.filter(pk=assessment.pk).update(
        status="approved",
        decided_by=reviewer,
        decided_at=timezone.now(),
        review_summary=summary
        or "经审核，该服务的安全评估材料完整，评估方法和结论基本合理，同意提交备案。"
        "请按整改计划如期完成不符合项的整改。",
    )
    return Assessment.objects.select_related("service__provider", "questionnaire").get(
        pk=assessment.pk
    )


def lengthen_first_domain(assessment, length: int) -> None:
    """Every text field of every answer of the first domain becomes `length` characters of
    mixed Chinese and English (the worst case of WeasyPrint's line breaking): a large dossier."""
    from assessments.forms import CLAUSE_FIELDS
    from assessments.models import Answer
    from library.catalogue import get_catalogue

    catalogue = get_catalogue(assessment.questionnaire)
    first = catalogue.domains[0].code
    pks = [q.pk for q in catalogue.questions if q.domain == first]
    sentence = "训练数据来源合法性审查记录见附件三，covering 12 data sources and their licences；"
    text = (sentence * (length // len(sentence) + 1))[:length]
    fields = {n: text for n in CLAUSE_FIELDS if n not in ("nonconformity", "remediation_due")}
    Answer.objects.filter(assessment=assessment, question_id__in=pks).update(note=text, **fields)
