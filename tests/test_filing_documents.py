"""What the generative-AI filing documents say (filing/documents.py), read from hand-built
facts: the form's fields from the filing-details questions, the report's team, corpus facts,
per-draw results, per-measure narratives, conclusion (TC260-003 9.1 d)) and signatures."""

from __future__ import annotations

import datetime as dt

import pytest

from filing import documents
from filing.blocks import Table
from filing.facts import AnswerFact, EvidenceFact, FilingFacts
from library.catalogue import get_catalogue
from library.models import Questionnaire
from tests import factories

TODO = documents.TODO
DETAILS = {
    "FD-01": "星辰写作大模型",
    "FD-02": "v2.1",
    "FD-03": "70亿（7B）",
    "FD-04": "Transformer 解码器结构，PyTorch 训练",
    "FD-05": "自研，无需外部许可",
    "FD-06": "中文文本：1.2 TB；代码：200 GB",
    "FD-07": 120000,
    "FD-08": "内部标注员 20 人，外包 50 人",
    "FD-09": "推理服务器 8 台，GPU 64 张，支持 500 并发",
    "FD-10": "训练：自建机房（上海）；推理：某云华东区",
    "FD-11": "https://write.example.cn",
    "FD-12": "面向境内公众的写作辅助",
    "FD-13": "民营企业",
    "FD-14": "无",
    "FD-15": "王五（安全部经理，语料安全）；赵六（法务，合法性）",
    "FD-16": "2026-10-01",
    "FD-17": "after_remediation",
}
DRAWS = [
    {"bank": "generated", "method": "manual", "tested": 1000, "passed": 950, "pass_rate": 0.95},
    {"bank": "generated", "method": "keyword", "tested": 1200, "passed": 1150, "pass_rate": 0.9583},
    {
        "bank": "generated",
        "method": "classifier",
        "tested": 1100,
        "passed": 990,
        "pass_rate": 0.9,
    },
    {"bank": "refuse", "method": "", "tested": 300, "refused": 290, "refusal_rate": 0.9667},
    {"bank": "non_refuse", "method": "", "tested": 300, "refused": 6, "refusal_rate": 0.02},
]


@pytest.fixture
def catalogue(db):
    return get_catalogue(
        Questionnaire.objects.filter(code="gai-security-self-assessment").latest("version")
    )


def make(catalogue, *answers: AnswerFact, provider=None, applicable=(), evidence=(), score=None):
    answers = {
        **{c: AnswerFact(c, v) for c, v in DETAILS.items()},
        "SCOPE-07": AnswerFact("SCOPE-07", True),
        "AF-07": AnswerFact("AF-07", "2026-11-15"),
        **{a.code: a for a in answers},
    }
    return FilingFacts(
        provider={
            "name_zh": "上海星辰智能科技有限公司",
            "credit_code": "91310110000000001X",
            "legal_representative": "张三",
            "security_lead": "张三",
            "legality_lead": "赵六",
            **(provider or {}),
        },
        service={"name": "星辰写作助手", "profile": {"modalities": ["text"]}},
        answers=answers,
        applicable=frozenset(set(answers) | set(applicable)),
        evidence=tuple(evidence),
        kinds={q.code: q.kind for q in catalogue.questions},
        domains={q.code: q.domain for q in catalogue.questions},
        routes=("gai_filing",),
        today=dt.date(2026, 12, 1),
        self_score=score,
        layout=factories.layout(catalogue.version),
    )


def _rows(doc) -> dict[str, str]:
    return {
        row[0]: row[1]
        for b in doc.blocks
        if isinstance(b, Table) and len(b.header) == 2
        for row in b.rows
    }


def test_the_form_fills_what_the_filing_details_say(catalogue):
    form = documents.application_form(make(catalogue), catalogue)
    rows = _rows(form)
    assert rows["模型名称"] == "星辰写作大模型" and rows["服务名称"] == "星辰写作助手"
    for field, code in (
        ("模型版本", "FD-02"),
        ("参数规模", "FD-03"),
        ("模型架构与训练框架", "FD-04"),
        ("模型许可情况", "FD-05"),
        ("各类型语料规模", "FD-06"),
        ("标注人员情况", "FD-08"),
        ("推理算力与服务能力（并发）", "FD-09"),
        ("自建或第三方云平台、服务器", "FD-10"),
        ("访问地址 / 应用名称", "FD-11"),
        ("应用场景与目标用户", "FD-12"),
        ("单位性质", "FD-13"),
        ("上级单位或母公司", "FD-14"),
    ):
        assert rows[field] == DETAILS[code], field
    assert rows["语料标注数量"].startswith("120,000 条")
    # Without the answers the form says so; it does not borrow the service name.
    bare = FilingFacts(provider={}, service={"name": "星辰写作助手"}, today=dt.date(2026, 12, 1))
    assert _rows(documents.application_form(bare, catalogue))["模型名称"] == TODO


def test_the_report_names_team_period_corpus_and_each_draw(catalogue):
    results = EvidenceFact(
        id="r",
        question="CS-33",
        name="结果.xlsx",
        kind="test_results",
        status="done",
        result={"figures": {"draws": DRAWS, "generated": {"tested": 3300}}, "checks": []},
    )
    report = documents.assessment_report(make(catalogue, evidence=[results]), catalogue)
    rows = _rows(report)
    assert rows["模型名称及版本"] == "星辰写作大模型（版本 v2.1）"
    assert rows["评估团队"] == DETAILS["FD-15"]
    assert rows["评估期间"] == "2026-10-01 至 2026-11-15"
    assert rows["各类型语料规模"] == DETAILS["FD-06"] and rows["标注人员情况"] == DETAILS["FD-08"]
    draws = next(b for b in report.blocks if isinstance(b, Table) and b.header[1] == "抽检方式")
    assert [r[1] for r in draws.rows[:3]] == ["人工抽检", "关键词抽检", "分类模型抽检"]
    assert list(draws.rows[2][2:4]) == ["1,100", "合格 990 题，合格率 90.0%"]


def test_each_measure_is_described_or_flagged(catalogue):
    facts = make(
        catalogue,
        AnswerFact("CP-01", "conform", note="App 内“我的-投诉举报”入口，24 小时内响应"),
        AnswerFact("CP-02", True),
        applicable=("CP-01", "CP-02"),
    )
    rows = {
        r[0].rsplit("（", 1)[-1]: r for r in documents.measure_rows(facts, catalogue, "complaints")
    }
    assert list(rows["CP-01）"][1:]) == ["符合", "App 内“我的-投诉举报”入口，24 小时内响应"]
    assert rows["CP-02）"][2] == documents.UNDESCRIBED
    report = documents.assessment_report(facts, catalogue).text()
    assert "5.4 各项措施的具体做法" in report and "24 小时内响应" in report


def test_the_conclusion_follows_9_1_d_and_the_score_is_the_portals(catalogue):
    mandatory = next(q for q in catalogue.questions if q.kind == "clause" and not q.advisory)
    advisory = next(q for q in catalogue.questions if q.kind == "clause" and q.advisory)

    def conclusion(*answers):
        return documents.overall_conclusion(make(catalogue, *answers), catalogue)

    assert conclusion(AnswerFact(mandatory.code, "conform")) == "全部符合要求"
    # A recommended (宜) clause does not affect the conclusion (note 2).
    assert (
        conclusion(AnswerFact(mandatory.code, "conform"), AnswerFact(advisory.code, "not_conform"))
        == "全部符合要求"
    )
    assert conclusion(AnswerFact(mandatory.code, "not_conform")) == "全部不符合要求"
    other = next(
        q
        for q in catalogue.questions
        if q.kind == "clause" and not q.advisory and q.code != mandatory.code
    )
    assert (
        conclusion(AnswerFact(mandatory.code, "conform"), AnswerFact(other.code, "not_conform"))
        == "部分符合要求"
    )
    advisory_figure = {"applicable": 4, "answered": 3, "conforming": 2}
    facts = make(
        catalogue,
        AnswerFact(mandatory.code, "conform"),
        score={"overall": 87.5, "advisory": advisory_figure},
    )
    text = documents.assessment_report(facts, catalogue).text()
    assert "总体结论：全部符合要求。" in text
    assert "上线建议：建议整改完成后上线。" in text
    assert (
        "门户自评分：87.5（门户按问卷权重计算的参考分，仅计入约束性问题，参考项（推荐性要求或"
        "尚未与官方文本核对的条款）不计分；不是 TC260-003 规定的评估结论）" in text
    )
    assert "参考项（不计分）：适用 4 条，已作答 3 条，符合 2 条。" in text
    # The legal representative also leads the assessment: 9.1 e) note 3.
    assert "法定代表人张三同时担任评估工作整体负责人" in text
