"""The algorithm-filing documents: order and names, the one algorithm name, the sections of
filing-practice §4.2 and §4.3 with what the answers and the analysers say, and each document
rendered once to Word and to PDF."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pytest

from assessments.services import assessment_start
from filing import algorithm, checks, disclosure
from filing.blocks import Heading, Table
from filing.checks import CHECKS
from filing.facts import AnswerFact, EvidenceFact, FilingFacts, facts_for
from library.catalogue import get_catalogue
from library.models import Questionnaire
from tests import factories

SAVED = {
    "algorithm_name": "星辰写作生成算法",
    "principle": "本算法基于自主研发的大语言模型，根据用户输入的指令生成文本。",
    "mechanism": "用户输入经安全检测后由模型生成文本，输出经安全检测并添加标识后返回用户。",
    "scenarios": "面向境内公众用户，通过网站提供写作辅助服务。",
    "purpose": "应用于写作辅助场景，根据用户输入的文本，生成文本。",
    "publicity": "",
}


def _figures(kind: str, figures: dict, checks_=()) -> EvidenceFact:
    question = {"keyword_list": "CS-18", "test_results": "CS-33", "training_sampling": "TD-11"}
    return EvidenceFact(
        id=f"ev-{kind}",
        question=question[kind],
        name=f"{kind}.xlsx",
        kind=kind,
        status="done",
        result={"figures": figures, "checks": list(checks_)},
    )


EVIDENCE = (
    _figures(
        "keyword_list",
        {"total": 12345, "a1_a2_covered": 17, "latest_update": "2026-11-28", "per_risk": {}},
    ),
    _figures(
        "test_results",
        {
            "generated": {"tested": 3300, "pass_rate": 0.93},
            "refuse": {"tested": 320, "refusal_rate": 0.9625},
            "non_refuse": {"tested": 310, "refusal_rate": 0.0323},
            "draws": [
                {"bank": "generated", "method": "manual", "tested": 1200, "pass_rate": 0.9375},
                {"bank": "generated", "method": "keyword", "tested": 1100, "pass_rate": 0.95},
                {"bank": "generated", "method": "classifier", "tested": 1000, "pass_rate": 0.91},
                {"bank": "refuse", "method": "", "tested": 320, "refusal_rate": 0.9625},
                {"bank": "non_refuse", "method": "", "tested": 310, "refusal_rate": 0.0323},
            ],
        },
        [
            {
                "key": "generated_pass_rate",
                "label_zh": "生成内容合格率",
                "value": 0.9375,
                "threshold": 0.9,
                "comparison": "ge",
                "passed": True,
            }
        ],
    ),
    _figures(
        "training_sampling",
        {
            "manual_sample": 4321,
            "manual_pass_rate": 0.975,
            "technical_sample": 20000,
            "technical_share": 0.12,
            "technical_pass_rate": 0.99,
            "corpus_size": 166000,
        },
    ),
)
ANSWERS = (
    AnswerFact("SCOPE-10", "general"),
    AnswerFact("SCOPE-11", ["generation_synthesis"]),
    AnswerFact("CS-01", True, note="输入输出均经过关键词和分类模型过滤"),
    AnswerFact("CS-02", True, note="设立内容安全部，由李四负责"),
    AnswerFact("CS-03", ["emergency", "data_security"]),
    AnswerFact("IN-06", 3),
    AnswerFact("IN-11", False, remediation_plan="2027年1月前制定个人信息泄露预案"),
    AnswerFact("LB-01", True),
    AnswerFact("AF-07", "2026-11-15"),
)


@pytest.fixture
def catalogue(db):
    return get_catalogue(
        Questionnaire.objects.filter(code="gai-security-self-assessment").latest("version")
    )


def make(*, disclosure_text=SAVED, evidence=EVIDENCE, answers=ANSWERS, **service) -> FilingFacts:
    return FilingFacts(
        provider={
            "name_zh": "上海星辰智能科技有限公司",
            "credit_code": "91310110000000001X",
            "legal_representative": "张三",
            "security_lead": "李四",
            "contact_name": "李四",
            "contact_phone": "021-12345678",
        },
        service={
            "name": "星辰写作助手",
            "description": "写作辅助",
            **service,
            "profile": {
                "modalities": ["text"],
                "channels": ["web"],
                "audience": "public_cn",
                "foundation_model_source": "self_developed",
                "launch_status": "testing",
            },
        },
        answers={a.code: a for a in answers},
        applicable=frozenset(a.code for a in answers) | {"IN-05"},
        evidence=tuple(evidence),
        layout=factories.layout(),
        routes=("algorithm_filing", "gai_filing"),
        kinds={"CS-01": "yes_no"},
        today=dt.date(2026, 12, 1),
        assessment={"questionnaire": "gai-security-self-assessment v1"},
        disclosure=disclosure_text,
    )


def _headings(doc, level):
    return [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == level]


def _table_dict(doc) -> dict[str, str]:
    return {
        row[0]: row[1]
        for b in doc.blocks
        if isinstance(b, Table) and len(b.header) == 2
        for row in b.rows
    }


def test_documents_come_in_the_order_of_the_filing_system(catalogue):
    paths = [path for path, _doc in algorithm.documents(make(), catalogue)]
    assert paths == [
        "01-主体/算法备案承诺书",
        "01-主体/落实算法安全主体责任基本情况",
        "02-算法/算法安全自评估报告",
        "02-算法/拟公示内容",
    ]


def test_one_algorithm_name_from_the_disclosure_everywhere(catalogue):
    docs = dict(algorithm.documents(make(), catalogue))
    for path, doc in docs.items():
        assert "星辰写作生成算法" in doc.text(), path
    assert _table_dict(docs["02-算法/算法安全自评估报告"])["算法名称"] == "星辰写作生成算法"
    assert _table_dict(docs["02-算法/拟公示内容"])["算法名称"] == "星辰写作生成算法"
    # Never saved: the draft's name, which is the service's.
    drafted = dict(algorithm.documents(make(disclosure_text=None), catalogue))
    assert _table_dict(drafted["02-算法/算法安全自评估报告"])["算法名称"] == "星辰写作助手"


def test_commitment_letter_names_the_rules_and_the_signatories(catalogue):
    doc = algorithm.commitment_letter(make())
    text = doc.text()
    assert "《互联网信息服务算法推荐管理规定》" in text
    assert "《互联网信息服务深度合成管理规定》" in text
    assert "真实、准确、完整" in text and "十个工作日" in text
    signatures = next(b for b in doc.blocks if isinstance(b, Table))
    assert [r[:2] for r in signatures.rows] == [("法定代表人", "张三"), ("算法安全责任人", "李四")]
    assert "上海星辰智能科技有限公司（盖章）" in text


def test_responsibility_has_the_sections_and_what_the_answers_say(catalogue):
    doc = algorithm.responsibility(make(), catalogue)
    assert _headings(doc, 1) == list(algorithm.RESPONSIBILITY_SECTIONS)
    assert _headings(doc, 2) == [
        "（一）机构设置",
        "（二）负责人基本信息",
        "（三）工作人员任职要求",
        "（四）工作人员配备规模",
        "（五）算法安全技术保障措施",
        "（一）算法安全自评估制度",
        "（二）算法安全监测制度",
        "（三）算法安全事件应急处置制度",
        "（四）算法违法违规处置制度",
        "（五）其他制度",
    ]
    rows = {row[0]: row[1:] for b in doc.blocks if isinstance(b, Table) for row in b.rows}
    assert rows["输入输出内容安全过滤（关键词库、分类模型、人工复核）（CS-01）"] == (
        "是",
        "输入输出均经过关键词和分类模型过滤",
    )
    assert rows["连续输入违法不良信息触发处置的次数（IN-06）"][0] == "3 次"
    assert rows["个人信息泄露、篡改、丢失的补救和通知预案（IN-11）"] == (
        "否",
        "2027年1月前制定个人信息泄露预案",
    )
    assert rows["已建立并实施的信息安全管理制度（CS-03）"][0] == "安全事件应急处置、数据安全"
    assert rows["辟谣机制（IN-10）"] == ("不适用", "根据服务范围不适用")
    officer = _table_dict(doc)
    # The contact person is the security lead, so the contact phone is the officer's.
    assert (officer["姓名"], officer["联系电话"]) == ("李四", "021-12345678")
    assert officer["24小时联系方式"] == "（待填写）"  # the portal holds none
    assert "安全事件应急处置制度：已建立（CS-03）" in doc.text()


def test_the_algorithm_type_follows_scope_11_in_every_document(catalogue):
    types = AnswerFact("SCOPE-11", ["personalised_push", "generation_synthesis"])
    facts = make(answers=(*[a for a in ANSWERS if a.code != "SCOPE-11"], types))
    report = algorithm.self_assessment_report(facts, catalogue)
    assert _table_dict(report)["算法类型"] == "生成合成类、个性化推送类"
    for _path, doc in algorithm.documents(facts, catalogue):
        if "承诺书" in doc.title or "拟公示" in doc.title or "自评估" in doc.title:
            assert "生成合成类、个性化推送类" in doc.text(), doc.title
    unanswered = make(answers=[a for a in ANSWERS if a.code != "SCOPE-11"])
    assert _table_dict(algorithm.self_assessment_report(unanswered, catalogue))["算法类型"] == (
        algorithm.TODO
    )


def test_report_has_the_header_the_six_chapters_and_the_numbers(catalogue):
    doc = algorithm.self_assessment_report(make(), catalogue)
    assert _headings(doc, 1) == list(algorithm.REPORT_CHAPTERS)
    assert _headings(doc, 2)[:5] == [
        "（一）算法流程",
        "（二）算法数据",
        "（三）算法模型",
        "（四）干预策略",
        "（五）结果标识",
    ]
    header = _table_dict(doc)
    for field in (
        "主体名称",
        "统一社会信用代码",
        "算法名称",
        "算法类型",
        "算法应用领域",
        "算法使用场景",
        "算法上线情况",
        "自评估时间",
        "报告撰写时间",
        "算法基本情况",
        "算法备案类型",
        "拟公示内容",
        "落实主体责任基本情况",
        "评估算法描述—算法简介",
        "评估算法描述—应用范围",
        "评估算法描述—服务群体",
        "评估算法描述—用户数量",
        "评估算法描述—社会影响情况",
        "评估算法描述—软硬件设施及部署位置",
        "评估算法风险描述",
        "真实性声明",
        "算法安全负责人（签字）",
        "联系电话",
    ):
        assert field in header, field
    assert header["算法类型"] == "生成合成类"
    assert header["算法应用领域"] == "通用领域"
    assert header["算法上线情况"] == "测试中"
    assert header["自评估时间"] == "2026-11-15"
    assert header["算法使用场景"] == SAVED["scenarios"]
    text = doc.text()
    # Method, criteria and results, with the analysers' numbers.
    assert text.count("评估方法：") >= 3 and text.count("判断标准：") >= 3
    assert "拦截关键词12345个" in text
    # The three draws of TC260-003 9.3 b)-d), each with its own numbers.
    assert "生成内容（人工抽检）1200 题，合格率 93.8%" in text
    assert "生成内容（关键词抽检）1100 题，合格率 95.0%" in text
    assert "生成内容（分类模型抽检）1000 题，合格率 91.0%" in text
    assert "应拒答 320 题，拒答率 96.2%" in text
    assert "人工抽检 4321 条，合格率 97.5%" in text
    assert "生成内容合格率" in text  # the analyser's own check, in the results table
    # The open item of IN-11 is a residual risk with its plan.
    assert "IN-11" in text and "2027年1月前制定个人信息泄露预案" in text
    assert "本服务同时办理生成式人工智能服务上线备案" in text


def test_report_without_uploads_says_so_instead_of_inventing_numbers(catalogue):
    text = algorithm.self_assessment_report(make(evidence=()), catalogue).text()
    assert "未上传可分析的生成内容测试结果" in text
    assert "未上传可分析的语料抽检结果" in text
    assert "未上传可分析的拦截关键词列表" in text


def test_disclosure_document_is_the_five_fields_and_the_optional_one():
    doc = algorithm.disclosure_document(make())
    rows = _table_dict(doc)
    assert list(rows) == [
        "算法名称",
        "算法基本原理",
        "算法运行机制",
        "算法应用场景",
        "算法目的意图",
        "算法公示情况（选填）",
    ]
    assert rows["算法目的意图"] == SAVED["purpose"] and rows["算法公示情况（选填）"] == "—"


# --- the checks ---------------------------------------------------------------------------------


def test_algorithm_checks_only_for_the_algorithm_route():
    facts = replace(make(), routes=("gai_filing",))
    assert [s.run(facts) for s in CHECKS if s.area == "algorithm"] == [None, None, None]


def test_a_different_algorithm_name_is_a_warning_and_links_to_the_page():
    result = checks.algorithm.algorithm_name(make())
    assert result.status == "warn"
    assert "星辰写作生成算法" in result.why_zh and "星辰写作助手" in result.why_zh
    assert result.links[0].kind == "disclosure"


def test_a_never_saved_text_is_a_warning():
    result = checks.algorithm.disclosure_text(make(disclosure_text=None))
    assert result.status == "warn" and "尚未保存" in result.why_zh


# --- rendering ----------------------------------------------------------------------------------


@pytest.fixture
def filled(service, owner):
    assessment, _created = assessment_start(service=service, user=owner)
    factories.fill_required(assessment, owner)
    disclosure.disclosure_save(service=service, fields=SAVED, revision=0, user=owner)
    assessment.service.refresh_from_db()
    return assessment


def test_each_document_renders_to_word_and_pdf(filled):
    import docx
    from pypdf import PdfReader

    from filing import docx as filing_docx
    from filing import pdf as filing_pdf

    facts = facts_for(filled)
    assert facts.disclosure["algorithm_name"] == "星辰写作生成算法"
    for path, doc in algorithm.documents(facts, get_catalogue(filled.questionnaire)):
        assert "None" not in doc.text(), path
        word = docx.Document(io.BytesIO(filing_docx.render(doc)))
        assert word.paragraphs[0].text == doc.title, path
        assert "星辰写作生成算法" in "\n".join(p.text for p in word.paragraphs) + "".join(
            c.text for t in word.tables for r in t.rows for c in r.cells
        )
        rendered = filing_pdf.render(doc, draft=True)
        reader = PdfReader(io.BytesIO(rendered.data))
        assert rendered.pages == len(reader.pages) >= 1, path
        text = "".join(page.extract_text() for page in reader.pages)
        assert doc.title in text.replace(" ", ""), path
        if path.endswith("拟公示内容"):
            assert rendered.pages == 1  # one page, as the filing system expects
