"""Pre-filing checks, the filing documents (Word) and the clean annex 4/5 workbooks.

The checks are pure functions of FilingFacts: each gets a passing and a failing case built by
hand (table below). Pages, downloads and documents run against real assessments.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import openpyxl
import pytest
from django.urls import reverse

from analysers.annex5 import iter_question_rows
from analysers.keywords import iter_keyword_rows
from analysers.risks import a1_a2_codes, risks
from assessments.services import assessment_start, assessment_submit
from filing import annexes, checks
from filing.checks import CHECKS, run_checks
from filing.documents import REPORT_CHAPTERS
from filing.facts import AnswerFact, EvidenceFact, FilingFacts, TextSample, facts_for
from providers.codes import uscc_check_character
from tests import artefacts, factories

FIRST17 = "91310110000000001"
USCC = FIRST17 + uscc_check_character(FIRST17)
WRONG_USCC = FIRST17 + ("0" if uscc_check_character(FIRST17) != "0" else "1")
ALGO_NUMBER = "网信算备" + "3101100000000" + "0124001" + "1" + "号"
FILED = "Beijing-WenXinYiYan-20230821"
TODAY = dt.date(2026, 12, 1)

PROVIDER = {
    "name_zh": "甲科技有限公司",
    "credit_code": USCC,
    "legal_representative": "张三",
    "security_lead": "李四",
    "legality_lead": "王五",
}
PROFILE = {
    "modalities": ["text"],
    "channels": ["web"],
    "audience": "public_cn",
    "foundation_model_source": "self_developed",
}


def A(code, value, **kwargs) -> AnswerFact:
    return AnswerFact(code=code, value=value, **kwargs)


def C(key, passed, *, advisory=False, value=1, threshold=2) -> dict:
    return {
        "key": key,
        "label_zh": key,
        "label_en": key,
        "value": value,
        "threshold": threshold,
        "comparison": "ge",
        "passed": passed,
        "advisory": advisory,
    }


def E(question, kind="", *, status="done", figures=None, checks=(), errors=(), name=None, **kw):
    result = None
    if kind and status == "done":
        result = {
            "figures": figures or {},
            "checks": list(checks),
            "errors": [{"code": c} for c in errors],
        }
    return EvidenceFact(
        id=f"ev-{question}",
        question=question,
        name=name or f"{question}.xlsx",
        kind=kind,
        status=status if kind else "",
        result=result,
        **kw,
    )


def make(
    *answers,
    evidence=(),
    provider=None,
    service=None,
    profile=None,
    routes=(),
    kinds=None,
    domains=None,
    applicable=(),
    texts=(),
) -> FilingFacts:
    answers = {a.code: a for a in answers}
    svc = {"name": "甲对话助手", **(service or {})}
    svc["profile"] = {**PROFILE, **(profile or {})}
    return FilingFacts(
        provider={**PROVIDER, **(provider or {})},
        service=svc,
        answers=answers,
        applicable=frozenset(set(answers) | {e.question for e in evidence} | set(applicable)),
        evidence=tuple(evidence),
        routes=tuple(routes),
        kinds=kinds or {},
        domains=domains or {},
        texts=tuple(texts),
        today=TODAY,
        layout=factories.layout(),
    )


SAMPLING = E(
    "TD-11",
    "training_sampling",
    figures={"per_source": [{"source": "开源语料A", "type": "开源", "size": 100}]},
)
BANKS_ALL = {"generated": 31, "refuse": 17, "non_refuse": 17}
DISCLOSURE = {
    "algorithm_name": "甲对话助手",
    "principle": "本算法基于自主研发的大语言模型，根据用户输入的指令生成文本。",
    "mechanism": "用户输入经安全检测后由模型生成文本，输出经安全检测并添加标识后返回。",
    "scenarios": "面向境内公众用户，通过网站提供人机对话服务。",
    "purpose": "应用于人机对话场景，根据用户输入的文本，生成文本回复。",
    "publicity": "",
}

# code: (passing facts, failing facts, status of the failing facts)
CASES = {
    "ROUTE-01": (
        make(A("SCOPE-03", "self_developed"), routes=("gai_filing",)),
        make(A("SCOPE-03", "call_filed_only"), routes=("gai_registration",)),
        "block",
    ),
    "MEASURE-05": (
        make(A("TR-09", True)),
        make(A("TR-09", False)),
        "block",
    ),
    "MEASURE-06": (
        make(A("MN-01", True), A("MN-02", "conform")),
        make(A("MN-01", True), A("MN-02", "not_conform")),
        "block",
    ),
    "REPORT-08": (
        replace(make(A("AF-05", "partial")), self_score={"conclusion": "partially_conforms"}),
        replace(make(A("AF-05", "full")), self_score={"conclusion": "partially_conforms"}),
        "block",
    ),
    "REPORT-09": (make(A("AF-03", "tc260_003")), make(A("AF-03", "gbt45654")), "warn"),
    "ROUTE-02": (
        make(routes=("algorithm_filing",), service={"algorithm_filing_number": ALGO_NUMBER}),
        make(routes=("algorithm_filing",)),
        "warn",
    ),
    "MODEL-01": (
        make(A("SCOPE-03", "fine_tuned"), service={"foundation_model_filing_number": FILED}),
        make(A("SCOPE-03", "fine_tuned")),
        "block",
    ),
    "MODEL-02": (
        make(service={"gai_filing_number": FILED}),
        make(service={"foundation_model_filing_number": "Beijing-Foo-2023082"}),
        "block",
    ),
    "MODEL-03": (
        make(A("SCOPE-03", "fine_tuned"), evidence=[E("SCOPE-14", name="合同.pdf")]),
        make(A("SCOPE-03", "fine_tuned")),
        "block",
    ),
    "ENTITY-01": (make(), make(provider={"credit_code": WRONG_USCC}), "block"),
    "ENTITY-02": (
        make(evidence=[E("TR-06", name="甲科技有限公司服务协议.pdf")]),
        make(A("LI-04", False)),
        "block",
    ),
    "FORM-01": (make(), make(profile={"modalities": []}), "block"),
    "FORM-02": (make(A("SCOPE-10", "general")), make(A("SCOPE-10", "restricted")), "block"),
    "FORM-03": (
        make(A("TD-01", True), evidence=[SAMPLING, E("TD-06", name="许可.pdf")]),
        make(A("TD-01", True), evidence=[SAMPLING]),
        "block",
    ),
    "FORM-04": (make(A("TD-05", 0.1)), make(A("TD-05", 0.5)), "warn"),
    "FORM-05": (
        make(A("IS-02", 10**9), A("SCOPE-07", True), A("AN-03", 0.5)),
        make(A("IS-02", -5)),
        "warn",
    ),
    "FORM-06": (make(), make(profile={"channels": ["api"]}), "warn"),
    "FORM-07": (make(), make(provider={"security_lead": ""}), "block"),
    "FORM-08": (
        make(A("FD-01", "星辰写作大模型"), A("FD-02", "v1")),
        make(A("FD-01", "星辰写作大模型"), applicable=("FD-02",)),
        "warn",
    ),
    "REPORT-01": (
        make(A("TD-02", "conform", note="有评估记录"), kinds={"TD-02": "clause"}),
        make(A("TD-02", "na"), kinds={"TD-02": "clause"}),
        "block",
    ),
    "REPORT-02": (
        make(evidence=[E("TD-11", "training_sampling", checks=[C("manual_sample_min", True)])]),
        make(evidence=[E("TD-11", "training_sampling", checks=[C("manual_sample_min", False)])]),
        "block",
    ),
    "REPORT-03": (
        make(evidence=[E("CS-33", "test_results", checks=[C("refuse_rate_min", True)])]),
        make(evidence=[E("CS-33", "test_results", checks=[C("refuse_rate_min", False)])]),
        "block",
    ),
    "REPORT-04": (
        make(A("TD-10", "conform", note="人工抽检4000条，按附录A判定，合格率97%")),
        make(A("TD-10", "conform", note="已充分过滤")),
        "block",
    ),
    "REPORT-05": (
        make(A("CS-12", "conform", note="抽测拒答率96.2%")),
        make(A("CS-12", "conform", note="100%拦截违法信息，完全杜绝风险")),
        "warn",
    ),
    "REPORT-06": (
        make(A("AF-07", "2026-11-01"), A("LC-06", "2026-10-01")),
        make(A("AF-07", "2026-09-01"), A("LC-06", "2026-10-01")),
        "block",
    ),
    "MEASURE-01": (
        make(A("TR-07", "conform"), evidence=[E("TR-06", name="协议.pdf")]),
        make(A("TR-07", "not_conform"), evidence=[E("TR-06", name="协议.pdf")]),
        "block",
    ),
    "MEASURE-02": (make(A("PI-Q12", 3)), make(A("PI-Q12", 6)), "warn"),
    "MEASURE-03": (
        make(A("SCOPE-07", True), A("AN-12", "conform"), evidence=[E("AN-01")]),
        make(A("SCOPE-07", True), A("AN-12", "not_conform"), evidence=[E("AN-01")]),
        "block",
    ),
    "MEASURE-04": (
        make(
            profile={"modalities": ["image"]},
            evidence=[
                E("LB-10", "content_labels", figures={"files": [{"format": "png", "passed": True}]})
            ],
        ),
        make(
            profile={"modalities": ["image"]},
            evidence=[
                E(
                    "LB-10",
                    "content_labels",
                    figures={"files": [{"format": "text", "passed": True}]},
                )
            ],
        ),
        "block",
    ),
    "KW-01": (
        make(evidence=[E("CS-18", "keyword_list")]),
        make(evidence=[E("CS-18", "keyword_list", status="failed", error="bad workbook")]),
        "block",
    ),
    "KW-02": (
        make(evidence=[E("CS-18", "keyword_list", figures={"a1_a2_missing": []})]),
        make(evidence=[E("CS-18", "keyword_list", figures={"a1_a2_missing": ["A.1 a"]})]),
        "block",
    ),
    "KW-03": (
        make(evidence=[E("CS-18", "keyword_list", checks=[C("total_min", True)])]),
        make(evidence=[E("CS-18", "keyword_list", checks=[C("total_min", False, advisory=True)])]),
        "warn",
    ),
    "KW-04": (
        make(evidence=[E("CS-18", "keyword_list", figures={"latest_update": "2026-11-28"})]),
        make(evidence=[E("CS-18", "keyword_list", figures={"latest_update": "2026-10-01"})]),
        "warn",
    ),
    "TB-01": (
        make(evidence=[E("CS-23", "test_bank_generated", figures={"banks_in_file": BANKS_ALL})]),
        make(
            evidence=[
                E("CS-23", "test_bank_generated", figures={"banks_in_file": {"generated": 5}})
            ]
        ),
        "block",
    ),
    "TB-02": (
        make(evidence=[E("CS-23", "test_bank_generated")]),
        make(evidence=[E("CS-23", "test_bank_generated", figures={"unclassified": 3})]),
        "warn",
    ),
    "TB-03": (
        make(evidence=[E("CS-30", "test_bank_refuse", checks=[C("risks_covered_min", True)])]),
        make(evidence=[E("CS-30", "test_bank_refuse", checks=[C("risks_covered_min", False)])]),
        "block",
    ),
    "TB-04": (
        make(evidence=[E("CS-33", "test_results", figures={"generated": {"tested": 5}})]),
        make(evidence=[E("CS-33", "test_results", figures={"generated": {"empty_answers": 2}})]),
        "warn",
    ),
    "REPORT-07": (
        make(
            A("CP-02", True, note="首页底部设投诉入口"),
            kinds={"CP-02": "yes_no"},
            domains={"CP-02": "complaints"},
        ),
        make(A("CP-02", True), kinds={"CP-02": "yes_no"}, domains={"CP-02": "complaints"}),
        "warn",
    ),
    "TB-06": (
        make(
            evidence=[
                E("CS-23", "test_bank_generated", figures={"latest_update": "2026-11-28"}),
                E("CS-30", "test_bank_refuse", figures={"latest_update": "2026-11-20"}),
            ]
        ),
        make(
            evidence=[
                E("CS-23", "test_bank_generated", figures={"latest_update": "2026-11-28"}),
                E("CS-30", "test_bank_refuse", figures={"latest_update": "2026-09-30"}),
            ]
        ),
        "warn",
    ),
    "TB-05": (
        make(evidence=[E("CS-30", "test_bank_refuse")]),
        make(evidence=[E("CS-30", "test_bank_refuse", figures={"refuse_non_refuse_overlap": 2})]),
        "block",
    ),
    "PKG-01": (make(A("AF-15", True)), make(A("AF-15", False)), "warn"),
    "PKG-02": (
        make(A("TR-09", True, note="密码：采用加盐哈希存储")),
        make(A("AF-15", True, note="测试账号 test01，密码：Abc123!xyz")),
        "block",
    ),
    "PKG-03": (
        make(routes=("gai_filing",), evidence=[E("TR-06")]),
        make(routes=("gai_filing",), applicable=("TR-06",)),
        "block",
    ),
    # The algorithm route's disclosure text (filing-practice §4.4, §4.5, §8 items 36-38).
    "ALGO-01": (
        replace(make(routes=("algorithm_filing",)), disclosure=DISCLOSURE),
        replace(
            make(routes=("algorithm_filing",)),
            disclosure={**DISCLOSURE, "scenarios": "客服电话 13812345678"},
        ),
        "block",
    ),
    "ALGO-02": (
        replace(make(routes=("algorithm_filing",)), disclosure=DISCLOSURE),
        replace(
            make(routes=("algorithm_filing",)),
            disclosure={**DISCLOSURE, "algorithm_name": "甲 对话助手"},
        ),
        "block",
    ),
    "ALGO-03": (
        make(routes=("algorithm_filing",), provider={"contact_phone": "021-12345678"}),
        make(routes=("algorithm_filing",), provider={"security_lead": ""}),
        "block",
    ),
}
SPECS = {spec.code: spec for spec in CHECKS}


def test_every_check_has_a_case():
    assert sorted(CASES) == sorted(SPECS)


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_passes(code):
    passing, _failing, _status = CASES[code]
    result = SPECS[code].run(passing)
    assert result is not None and result.status == "pass", result
    assert result.code == code and result.title_zh and result.title_en and result.source


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_fails(code):
    _passing, failing, status = CASES[code]
    result = SPECS[code].run(failing)
    assert result is not None and result.status == status, result
    assert result.why_zh and result.why_en and result.fix_zh and result.fix_en


def test_registration_needs_the_content_rules_and_the_called_model_statement():
    """filing-practice §9.2 items 1 and 3: PKG-03 blocks the registration package without them,
    also on a questionnaire version that does not ask for them."""
    from filing.checks.package import completeness

    statement = A("FD-19", "调用乙大模型（备案号 Beijing-Yi-202401010001）")
    full = make(
        statement,
        evidence=[E("FD-18"), E("FD-19"), E("TR-06"), E("PI-Q04"), E("CS-18"), E("CS-23")],
        routes=("gai_registration",),
    )
    assert completeness(full).status == "pass"
    no_rules = make(
        statement,
        evidence=[E("FD-19"), E("TR-06"), E("PI-Q04"), E("CS-18"), E("CS-23")],
        routes=("gai_registration",),
    )
    result = completeness(no_rules)
    assert result.status == "block" and "内容安全管理制度" in result.why_zh
    no_statement = make(
        evidence=[E("FD-18"), E("FD-19"), E("TR-06"), E("PI-Q04"), E("CS-18"), E("CS-23")],
        routes=("gai_registration",),
        applicable=("FD-19",),
    )
    result = completeness(no_statement)
    assert result.status == "block" and "调用已备案模型情况说明" in result.why_zh
    older = make(evidence=[E("TR-06"), E("PI-Q04")], routes=("gai_registration",))
    result = completeness(older)
    assert result.status == "block" and "新建评估" in result.why_zh


def test_a_check_without_data_returns_nothing():
    empty = FilingFacts(provider={}, service={}, today=TODAY)
    report = run_checks(empty)
    assert report.results == []
    assert len(report.not_checked) == len(CHECKS)


def test_an_undetermined_route_blocks_and_links_the_scope_questions():
    facts = replace(make(routes=("undetermined",)), route_missing=("SCOPE-02",))
    result = SPECS["ROUTE-01"].run(facts)
    assert result.status == "block" and "SCOPE-02" in result.why_zh
    assert [link.ref for link in result.links] == ["SCOPE-02"]


def test_an_audience_contradicting_scope_01_is_a_visible_warning():
    facts = make(A("SCOPE-01", False), routes=("none",), profile={"audience": "public_cn"})
    result = SPECS["ROUTE-01"].run(facts)
    assert result.status == "warn" and "SCOPE-01" in result.why_zh
    assert "无需备案" in result.why_zh


def test_bracket_width_is_flagged_not_fixed():
    facts = make(
        provider={"name_zh": "甲科技（北京）有限公司"},
        evidence=[E("TR-06", name="甲科技(北京)有限公司服务协议.pdf")],
    )
    result = checks.entity_name(facts)
    assert result.status == "warn" and "全角" in result.why_zh
    assert result.links[0].kind == "evidence"


def test_secrets_in_text_evidence_are_found_and_masked():
    secret = "sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2"
    facts = make(texts=[TextSample("ev-1", "AF-15", "测试通道.txt", f"key: {secret}")])
    result = checks.secrets(facts)
    assert result.status == "block"
    assert secret not in result.why_en and "sk-a1B" in result.why_en


def test_report_orders_blocks_first_within_an_area():
    facts = make(A("TD-05", 0.1), A("SCOPE-10", "restricted"), A("IS-02", -1))
    form = next(g for g in run_checks(facts).by_area() if g["code"] == "form")
    statuses = [r.status for r in form["results"]]
    assert statuses == sorted(statuses, key=checks.STATUS_ORDER.get)
    assert statuses[0] == "block"


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def draft(service, owner):
    assessment, _ = assessment_start(service=service, user=owner)
    return assessment


@pytest.fixture
def submitted(service, owner):
    assessment, _ = assessment_start(service=service, user=owner)
    factories.fill_required(assessment, owner)
    factories.answer(assessment, "TD-10", owner, note="已充分过滤，100%拦截。")
    return assessment_submit(assessment=assessment, user=owner)


def _url(name, assessment, **kwargs):
    return reverse(name, kwargs={"assessment": assessment.public_id, **kwargs})


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer"])
def test_members_see_the_checks(draft, personas, client_for, persona):
    response = client_for(personas[persona]).get(_url("filing:checks", draft))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ROUTE-01" in body
    assert (
        reverse(
            "filing:document", kwargs={"assessment": draft.public_id, "document": "report.docx"}
        )
        in body
    )


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("reviewer", 404)])
def test_outsiders_do_not_see_the_checks(draft, personas, client_for, persona, status):
    assert client_for(personas[persona]).get(_url("filing:checks", draft)).status_code == status
    url = _url("filing:document", draft, document="report.docx")
    assert client_for(personas[persona]).get(url).status_code == status


def test_unknown_document_is_404(draft, owner_client):
    assert owner_client.get(_url("filing:document", draft, document="x.pdf")).status_code == 404


def test_checks_link_to_the_answer(submitted, owner_client):
    body = owner_client.get(_url("filing:checks", submitted)).content.decode()
    # REPORT-05 found the boastful wording of TD-10 and links to its answer.
    assert "REPORT-05" in body
    assert f"{submitted.get_absolute_url()}?domain=training_data#q-TD-10" in body


@pytest.mark.parametrize(
    ("persona", "status"), [("reviewer", 200), ("owner", 403), ("outsider", 403)]
)
def test_reviewer_page_is_for_reviewers(submitted, personas, client_for, persona, status):
    client = client_for(personas[persona])
    assert client.get(_url("filing:review_checks", submitted)).status_code == status
    url = _url("filing:review_document", submitted, document="annex4.xlsx")
    assert client.get(url).status_code == status


def test_reviewer_partial_for_htmx(submitted, reviewer_client):
    response = reviewer_client.get(_url("filing:review_checks", submitted), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="filing-checks"' in body and "<html" not in body
    assert reverse("reviews:detail", kwargs={"assessment": submitted.public_id}) in body


def test_drafts_do_not_exist_for_reviewers(draft, reviewer_client):
    assert reviewer_client.get(_url("filing:review_checks", draft)).status_code == 404


def test_provider_page_query_count_is_constant(
    draft, owner, owner_client, django_assert_num_queries
):
    url = _url("filing:checks", draft)
    owner_client.get(url)  # warms the per-process questionnaire catalogue
    # session, user, assessment (+service, provider, questionnaire, previous), membership,
    # answers, evidence with analyses, the route packages
    with django_assert_num_queries(7):
        owner_client.get(url)
    factories.fill_required(draft, owner)
    factories.attach(draft, "TR-06", owner, name="甲科技有限公司服务协议.pdf")
    with django_assert_num_queries(7):
        response = owner_client.get(url)
    assert response.context["filing"]["report"].results


def test_reviewer_page_query_count_is_constant(
    submitted, reviewer_client, django_assert_num_queries
):
    url = _url("filing:review_checks", submitted)
    reviewer_client.get(url)
    # session, user, assessment (+ related), membership check; the snapshot holds the rest
    with django_assert_num_queries(4):
        reviewer_client.get(url)


# --- Word documents --------------------------------------------------------------------------


def _docx(client, url):
    import docx

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return docx.Document(io.BytesIO(b"".join(response.streaming_content)))


def test_report_has_the_chapters_in_order_and_the_clause_table(submitted, owner_client):
    document = _docx(owner_client, _url("filing:document", submitted, document="report.docx"))
    chapters = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert chapters == list(REPORT_CHAPTERS)
    assert any(
        p.style.name == "Heading 2" and p.text == "3.3 评估结果" for p in document.paragraphs
    )
    clause_table = next(
        t for t in document.tables if t.rows[0].cells[-1].text.startswith("证明材料")
    )
    catalogue = facts_for(submitted).kinds
    clauses = [c for c, kind in catalogue.items() if kind == "clause"]
    assert len(clause_table.rows) == len(clauses) + 1
    first = clause_table.rows[1].cells
    assert first[2].text in ("符合", "不符合", "不适用")
    header = clause_table.rows[0]._tr.trPr
    assert header is not None and header.xml.count("tblHeader") == 1
    # Method, criteria and numeric results of the corpus chapter come from the analysers.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "人工抽检 4000 条" in text
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    signatures = document.tables[-1]
    assert [r.cells[0].text for r in signatures.rows[1:]] == [
        "法定代表人",
        "评估工作整体负责人",
        "合法性评估负责人",
    ]


def test_application_form_carries_the_profile(submitted, owner_client, provider):
    document = _docx(owner_client, _url("filing:document", submitted, document="application.docx"))
    cells = {
        r.cells[0].text: r.cells[1].text
        for t in document.tables
        for r in t.rows
        if len(r.cells) == 2
    }
    assert cells["单位全称（与营业执照一致）"] == provider.name_zh
    assert cells["统一社会信用代码"] == provider.credit_code
    assert "☑人机对话" in cells["主要功能"] and "☑文字生成" in cells["主要功能"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][0] == "一、基本信息"


def test_reviewer_downloads_the_report(submitted, reviewer_client):
    document = _docx(
        reviewer_client, _url("filing:review_document", submitted, document="report.docx")
    )
    assert document.paragraphs[0].text == "生成式人工智能服务安全评估报告"


# --- annexes ----------------------------------------------------------------------------------


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def _source(name, data, bank=None):
    return annexes.Source(name, lambda: io.BytesIO(data), bank)


def test_keyword_rows_stream_with_normalised_categories():
    name, data = artefacts.keyword_list()
    rows = list(iter_keyword_rows(data, filename=name))
    assert len(rows) == 17 and rows[0].code == "A.1 a" and rows[0].updated == dt.date(2026, 11, 20)


def test_annex4_is_clean_and_has_coverage():
    data = _csv(
        [
            ["关键词", "违规类型"],
            ["词一", "A.1 a) 煽动颠覆国家政权、推翻社会主义制度"],
            ["词一 ", "A1a"],  # the same keyword again
            ["ＡＢＣ", "民族歧视内容"],
            ["abc", "A.2 a"],  # duplicate after NFKC and case folding
            ["=cmd", "A.9"],  # unknown category, formula-looking text
        ]
    )
    out = io.BytesIO()
    stats = annexes.build_annex4([_source("附件4.csv", data)], out, max_bytes=10**6)
    assert (stats.rows_read, stats.written, stats.duplicates, stats.uncategorised) == (5, 3, 2, 1)
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["拦截关键词列表", "覆盖情况", "说明"]
    rows = list(workbook["拦截关键词列表"].iter_rows(min_row=2, values_only=True))
    keywords = [r[1] for r in rows]
    assert len(keywords) == len(set(keywords)) == 3
    assert rows[0][3] == "A.1 a) 煽动颠覆国家政权、推翻社会主义制度"
    assert rows[1][2].startswith("A.2 ") and rows[1][3].startswith("A.2 a)")
    assert rows[2][1] == "'=cmd" and rows[2][5]
    coverage = list(workbook["覆盖情况"].iter_rows(min_row=2, values_only=True))
    assert len(coverage) == len(risks()) + 1
    assert coverage[0][:4] == ("A.1 a", "A.1 a) 煽动颠覆国家政权、推翻社会主义制度", 1, 200)


def test_annex5_merges_answers_and_removes_duplicates_and_overlap():
    bank = _csv(
        [["题库类型", "题目", "风险类别", "更新日期"]]
        + [["生成类", f"生成题{code}", code, "2026-11-01"] for code in risks()]
        + [["生成类", "生成题A.1 a", "A.1 a", "2026-11-20"]]  # duplicate, changed later
        + [["应拒答", f"拒答题{code}", code] for code in a1_a2_codes()]
        + [["非拒答", "共同题", "民族"], ["应拒答", "共同题", "A.2 a"]]  # overlap
    )
    results = _csv(
        [
            ["题库类型", "题目", "风险类别", "模型的答案", "研判结果"],
            ["生成类", "生成题A.1 a", "A.1 a", "回答", "合格"],
        ]
    )
    out = io.BytesIO()
    stats = annexes.build_annex5(
        [_source("附件5.csv", bank, "generated"), _source("结果.csv", results)],
        out,
        max_bytes=10**6,
    )
    assert stats.overlap == 1 and stats.duplicates == 2
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["生成类", "拒答", "非拒答", "覆盖情况", "说明"]
    questions = [
        r[1]
        for title in ("生成类", "拒答", "非拒答")
        for r in workbook[title].iter_rows(min_row=2, values_only=True)
    ]
    assert len(questions) == len(set(questions)) == len(risks()) + len(a1_a2_codes()) + 1
    first = next(workbook["生成类"].iter_rows(min_row=2, values_only=True))
    assert first[1:7] == (
        "生成题A.1 a",
        "A.1 包含违反社会主义核心价值观的内容",
        "A.1 a) 煽动颠覆国家政权、推翻社会主义制度",
        "回答",
        "合格",
        "2026-11-20",  # the newest date of the question survives the clean-up
    )


def test_annex5_rows_stream_from_the_analysers():
    name, data = artefacts.test_results()
    banks = {row.bank for row in iter_question_rows(data, filename=name, default_bank=None)}
    assert banks == {"generated", "refuse", "non_refuse"}


def test_annex_downloads_from_the_uploads(submitted, owner_client):
    for slug, first_sheet in (("annex4.xlsx", "拦截关键词列表"), ("annex5.xlsx", "生成类")):
        response = owner_client.get(_url("filing:document", submitted, document=slug))
        assert response.status_code == 200
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert workbook.sheetnames[0] == first_sheet
        values = [r[1] for r in workbook[first_sheet].iter_rows(min_row=2, values_only=True)]
        assert values and len(values) == len(set(values))


@pytest.mark.parametrize("share", [12000, 30, -0.1])
def test_a_foreign_share_outside_zero_to_one_blocks(share):
    result = SPECS["FORM-04"].run(make(A("TD-05", share)))
    assert result.status == "block"
    assert "0.25" in result.fix_en


def test_a_filing_number_given_twice_is_named_and_counted_once():
    """The profile's foundation-model number repeated in the list of models (SCOPE-14) is one
    model: the checks name it once and count one number."""
    facts = make(
        A("SCOPE-03", "fine_tuned"),
        A("SCOPE-14", f"乙大模型（备案号 {FILED}）"),
        service={"foundation_model_filing_number": FILED},
    )
    named = SPECS["MODEL-01"].run(facts)
    assert named.status == "pass" and named.why_zh.count(FILED) == 1, named.why_zh
    counted = SPECS["MODEL-02"].run(facts)
    assert counted.status == "pass" and counted.why_zh.startswith("1 个"), counted.why_zh
    assert counted.why_en == "the number is well-formed"
