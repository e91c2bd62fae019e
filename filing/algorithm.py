"""The algorithm-filing (算法备案) documents, written as `filing.blocks.Doc`: the commitment
letter (算法备案承诺书), the statement on the algorithm-security responsibility
(落实算法安全主体责任基本情况, filing-practice §4.2), the algorithm security self-assessment
report of a generation/synthesis service provider (§4.3) and the public disclosure text
(拟公示内容, §4.4).

Chinese documents for the CAC's filing system, so their text is Chinese. Input is a
`FilingFacts` (its saved disclosure text included) and the questionnaire catalogue for choice
labels; nothing here queries the database. The algorithm name comes from the disclosure text
and nowhere else (§4.5: one name, identical in every document). What the portal does not hold
reads （待填写）. The section lists of §4.2 and §4.3 come from practitioners' filled templates
([P] RESP, ALGO-FIX), not from an official blank: check them against the system's current
templates before filing.
"""

from __future__ import annotations

from collections.abc import Sequence

from filing import disclosure
from filing.blocks import Doc
from filing.checks import corpus_sampling_summary, test_results_summary

# Shared with the generative-AI documents, so that both tracks report the analysers' figures,
# choice labels and clause results in the same words.
from filing.documents import (
    AUDIENCES,
    CLAUSE_RESULT,
    TODO,
    _analysis_checks,
    _choice,
    _first,
    _pct,
    label_formats,
)
from filing.facts import FilingFacts
from library.catalogue import Catalogue
from library.layouts import row_codes

RESPONSIBILITY_SECTIONS = ("一、算法安全专职机构", "二、算法安全管理制度建设", "三、附件")
REPORT_CHAPTERS = (
    "一、算法情况",
    "二、服务情况",
    "三、风险研判",
    "四、风险防控情况",
    "五、安全评估结论",
    "六、其他应当说明的相关情况",
)
# The algorithm-type question's choices, in the order of Art. 2 of the Algorithmic
# Recommendation Provisions.
ALGORITHM_TYPES = {
    "generation_synthesis": "生成合成类",
    "personalised_push": "个性化推送类",
    "ranking_selection": "排序精选类",
    "search_filtering": "检索过滤类",
    "scheduling_decision": "调度决策类",
}
LAUNCH = {
    "planned": "尚未上线（计划中）",
    "testing": "测试中",
    "launched": "已上线",
    "suspended": "已暂停",
}
RULES = "《互联网信息服务算法推荐管理规定》《互联网信息服务深度合成管理规定》"
LAWS = (
    "《中华人民共和国网络安全法》《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》"
    + RULES
    + "《生成式人工智能服务管理暂行办法》"
)
SIGNED = "　　　　年　　月　　日"


def documents(facts: FilingFacts, catalogue: Catalogue | None = None) -> list[tuple[str, Doc]]:
    """(package-relative path stem, document) in the order of filing-practice §9.3."""
    return [
        ("01-主体/算法备案承诺书", commitment_letter(facts)),
        ("01-主体/落实算法安全主体责任基本情况", responsibility(facts, catalogue)),
        ("02-算法/算法安全自评估报告", self_assessment_report(facts, catalogue)),
        ("02-算法/拟公示内容", disclosure_document(facts)),
    ]


# --- shared -----------------------------------------------------------------------------------


def algorithm_name(facts: FilingFacts) -> str:
    return disclosure.text_of(facts)["algorithm_name"] or TODO


def algorithm_type(facts: FilingFacts) -> str:
    """算法类别 as the algorithm-type question answers it (several types joined), （待填写）
    while unanswered."""
    chosen = facts.value_of("scope.algorithm_types") or []
    return "、".join(label for value, label in ALGORITHM_TYPES.items() if value in chosen) or TODO


def _role(facts: FilingFacts) -> str:
    return (
        "服务技术支持者"
        if facts.value_of("scope.provider_role") == "technical_supporter"
        else "服务提供者"
    )


def _officer_phone(facts: FilingFacts) -> str:
    """The provider's contact phone, when the contact person is the security lead."""
    p = facts.provider
    lead = (p.get("security_lead") or "").strip()
    if lead and lead == (p.get("contact_name") or "").strip() and p.get("contact_phone"):
        return p["contact_phone"]
    return TODO


def said(facts: FilingFacts, catalogue: Catalogue | None, code: str) -> tuple[str, str]:
    """What the answer to `code` says, in the documents' words, and its explanation."""
    if code not in facts.applicable:
        return "不适用", "根据服务范围不适用"
    answer = facts.answer(code)
    if answer is None:
        return "未作答", TODO
    value = answer.value
    if value is True or value is False:
        text = "是" if value else "否"
    elif isinstance(value, str) and value in CLAUSE_RESULT:
        text = CLAUSE_RESULT[value]
    else:
        text = _choice(catalogue, code, value)
        item = catalogue.by_code.get(code) if catalogue else None
        if item is not None and item.kind == "number" and item.unit_zh not in ("", "比例"):
            text += f" {item.unit_zh}"
    note = answer.note or answer.na_reason or answer.remediation_plan or answer.measures_taken
    return text, note.strip() or "—"


def said_line(facts: FilingFacts, catalogue: Catalogue | None, code: str) -> str:
    answer, note = said(facts, catalogue, code)
    return answer if note in ("—", "") else f"{answer}（{note}）"


def _answers(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None, section: str) -> None:
    """The answer table of a layout section: one row per question, its code in brackets."""
    items = [(row["q"], row["label"]) for row in facts.layout.rows(section)]
    rows = [(f"{label}（{code}）", *said(facts, catalogue, code)) for code, label in items]
    doc.table(("事项（自评估问题）", "答案", "说明"), rows, widths=(6.5, 2.5, 7))


def _system(facts: FilingFacts, value: str) -> str:
    """Whether the management-systems question lists the system `value`."""
    code = facts.role("measures.management_systems")
    chosen = facts.value(code)
    if chosen is None:
        return f"未作答（{code}）"
    return f"已建立（{code}）" if value in chosen else f"未建立（{code}）"


def _numbered(doc: Doc, items: Sequence[str]) -> None:
    """Items that carry their own numbers (一、 1.) as paragraphs: a bullet list would add a
    second marker before each."""
    for item in items:
        doc.para(item)


def _signatures(doc: Doc, facts: FilingFacts) -> None:
    p = facts.provider
    doc.table(
        ("签字人", "姓名", "签字", "日期"),
        [
            ("法定代表人", p.get("legal_representative") or TODO, "", ""),
            ("算法安全责任人", p.get("security_lead") or TODO, "", ""),
        ],
        widths=(4, 4, 4, 4),
        row_height=1.5,
    )
    doc.para(f"{p.get('name_zh') or TODO}（盖章）")
    doc.para(f"日期：{SIGNED}")


# --- 算法备案承诺书 ----------------------------------------------------------------------------


def commitment_letter(facts: FilingFacts) -> Doc:
    """The entity's commitment that the filing is true and that it keeps to the algorithm
    rules (Algorithmic Recommendation Provisions Arts. 7, 24, 26, 33; Deep Synthesis
    Provisions Arts. 7, 16–19)."""
    p = facts.provider
    name = algorithm_name(facts)
    doc = Doc("算法备案承诺书")
    doc.heading_title("算法备案承诺书")
    doc.para("国家互联网信息办公室：")
    doc.para(
        f"本单位{p.get('name_zh') or TODO}（统一社会信用代码：{p.get('credit_code') or TODO}）"
        f"就“{name}”算法（{algorithm_type(facts)}，{_role(facts)}）通过互联网信息服务算法备案系统"
        "办理备案，郑重承诺如下："
    )
    _numbered(
        doc,
        [
            "一、所填报的备案信息和所附材料真实、准确、完整，不存在隐瞒有关情况或者提供虚假材料的情形；"
            "备案信息发生变更的，自变更之日起十个工作日内办理变更手续。",
            f"二、严格遵守{LAWS}等法律法规和国家有关规定，坚持主流价值导向，不利用算法从事危害国家安全"
            "和社会公共利益、扰乱经济秩序和社会秩序、侵犯他人合法权益等法律法规禁止的活动。",
            "三、落实算法安全主体责任，建立健全算法机制机理审核、科技伦理审查、用户注册、信息发布审核、"
            "数据安全和个人信息保护、反电信网络诈骗、安全评估监测、安全事件应急处置等管理制度和技术措施，"
            "配备与算法服务规模相适应的专业人员和技术支撑。",
            "四、定期审核、评估、验证算法机制机理、模型、数据和应用结果；对生成合成内容依法添加标识，"
            "不删除、篡改、隐匿标识。",
            "五、在提供服务的网站、应用程序等显著位置标明算法备案编号并提供公示信息链接；"
            "终止服务的，自终止服务之日起二十个工作日内办理注销备案手续。",
            "六、如违反上述承诺，愿意承担相应的法律责任。",
        ],
    )
    _signatures(doc, facts)
    return doc


# --- 落实算法安全主体责任基本情况 ------------------------------------------------------------

# The answer tables of §4.2, in order (sections of the document layout).
RESPONSIBILITY_TABLES = (
    "algorithm.responsibility.staff",
    "algorithm.responsibility.safeguards",
    "algorithm.responsibility.self_assessment",
    "algorithm.responsibility.monitoring",
    "algorithm.responsibility.emergency",
    "algorithm.responsibility.violations",
    "algorithm.responsibility.other_systems",
)


def responsibility(facts: FilingFacts, catalogue: Catalogue | None = None) -> Doc:
    """落实算法安全主体责任基本情况 in the sections of filing-practice §4.2, each with what the
    self-assessment answers say."""
    p = facts.provider
    doc = Doc("落实算法安全主体责任基本情况")
    doc.heading_title("落实算法安全主体责任基本情况")
    doc.para(f"主体名称：{p.get('name_zh') or TODO}", center=True)
    doc.para(f"算法名称：{algorithm_name(facts)}（{algorithm_type(facts)}）", center=True)
    doc.para(
        "说明：下表“答案”“说明”摘自本单位在合规平台完成的安全自评估"
        f"（{facts.assessment.get('questionnaire') or '问卷'}），括号内为问题编号；"
        "标为（待填写）的内容平台未掌握，由本单位补充。"
    )

    staff, safeguards, self_assessment, monitoring, emergency, violations, others = (
        RESPONSIBILITY_TABLES
    )
    lead = facts.role("measures.content_security_lead")
    doc.heading(RESPONSIBILITY_SECTIONS[0])
    doc.heading("（一）机构设置", 2)
    doc.table(
        ("项目", "内容"),
        [
            ("机构名称", TODO),
            ("组织架构与汇报关系", TODO),
            (f"内容安全主体责任（{lead}）", said_line(facts, catalogue, lead)),
        ],
        widths=(5, 11),
    )
    doc.heading("（二）负责人基本信息", 2)
    doc.table(
        ("项目", "内容"),
        [
            ("姓名", p.get("security_lead") or TODO),
            ("职务", TODO),
            ("身份证件号码", "（待填写，仅填入备案系统，不在本文件中公开）"),
            ("联系电话", _officer_phone(facts)),
            ("电子邮箱", TODO),
            ("工作职责", TODO),
        ],
        widths=(5, 11),
    )
    doc.heading("（三）工作人员任职要求", 2)
    doc.para(f"任职要求：{TODO}")
    _answers(doc, facts, catalogue, staff)
    doc.heading("（四）工作人员配备规模", 2)
    monitors = facts.role("measures.monitoring_staff")
    doc.para(f"算法安全工作人员人数：{TODO}。监看人员配备情况见上表 {monitors}。")
    doc.heading("（五）算法安全技术保障措施", 2)
    _answers(doc, facts, catalogue, safeguards)

    doc.heading(RESPONSIBILITY_SECTIONS[1])
    doc.heading("（一）算法安全自评估制度", 2)
    doc.para(
        f"制度名称及发布时间：{TODO}。算法机制机理审核制度：{_system(facts, 'algorithm_review')}。"
    )
    _answers(doc, facts, catalogue, self_assessment)
    doc.heading("（二）算法安全监测制度", 2)
    doc.para(
        "监测范围包括信息安全、数据安全、个人信息安全和算法安全。数据安全管理制度："
        f"{_system(facts, 'data_security')}；个人信息保护制度：{_system(facts, 'pi_protection')}。"
    )
    _answers(doc, facts, catalogue, monitoring)
    doc.heading("（三）算法安全事件应急处置制度", 2)
    doc.para(f"安全事件应急处置制度：{_system(facts, 'emergency')}。")
    doc.table(
        ("项目", "内容"),
        [
            ("应急场景", TODO),
            ("处置步骤", TODO),
            ("责任人", p.get("security_lead") or TODO),
            ("24小时联系方式", TODO),
        ],
        widths=(5, 11),
    )
    _answers(doc, facts, catalogue, emergency)
    doc.heading("（四）算法违法违规处置制度", 2)
    _answers(doc, facts, catalogue, violations)
    doc.heading("（五）其他制度", 2)
    _answers(doc, facts, catalogue, others)

    doc.heading(RESPONSIBILITY_SECTIONS[2])
    _numbered(doc, _annexes(facts))
    _signatures(doc, facts)
    return doc


def _annexes(facts: FilingFacts) -> list[str]:
    def files(role: str) -> str:
        names = [e.name for e in facts.files(facts.role(role))]
        return "：" + "、".join(names) if names else "（待上传）"

    return [
        f"（1）互联网信息服务算法安全自评估报告（{algorithm_type(facts)}-{_role(facts)}）",
        "（2）拟公示内容",
        f"（3）用户服务协议{files('documents.service_agreement')}",
        f"（4）隐私政策{files('documents.privacy_policy')}",
    ]


# --- 算法安全自评估报告 -----------------------------------------------------------------------


def self_assessment_report(facts: FilingFacts, catalogue: Catalogue | None = None) -> Doc:
    """互联网信息服务算法安全自评估报告（生成合成类-服务提供者 or -服务技术支持者, after the role):
    the header table and the six body chapters of filing-practice §4.3."""
    doc = Doc("互联网信息服务算法安全自评估报告")
    doc.heading_title("互联网信息服务算法安全自评估报告")
    doc.para(f"（{algorithm_type(facts)}-{_role(facts)}）", center=True)
    _report_header(doc, facts, catalogue)
    _chapter_algorithm(doc, facts, catalogue)
    _chapter_service(doc, facts, catalogue)
    _chapter_risks(doc, facts, catalogue)
    _chapter_controls(doc, facts, catalogue)
    _chapter_conclusion(doc, facts)
    _chapter_other(doc, facts)
    return doc


def _domain(facts: FilingFacts) -> str:
    domain = disclosure.restricted_domain(facts)
    if domain:
        return f"限定领域：{domain}"
    return {"general": "通用领域"}.get(facts.value_of("scope.domain"), TODO)


def _report_header(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None) -> None:
    p, text, profile = facts.provider, disclosure.text_of(facts), facts.profile
    scale = facts.role("scope.personal_information_scale")
    users = said(facts, catalogue, scale)[0] if facts.answer(scale) else TODO
    public = facts.profile.get("public_opinion") or facts.value_of("scope.public_opinion")
    doc.table(
        ("项目", "内容"),
        [
            ("主体名称", p.get("name_zh") or TODO),
            ("统一社会信用代码", p.get("credit_code") or TODO),
            ("算法名称", algorithm_name(facts)),
            ("算法类型", algorithm_type(facts)),
            ("算法应用领域", _domain(facts)),
            ("算法使用场景", text["scenarios"] or TODO),
            ("算法上线情况", LAUNCH.get(profile.get("launch_status"), TODO)),
            ("自评估时间", facts.value_of("assessment.completed_on") or TODO),
            ("报告撰写时间", facts.today.isoformat()),
            ("算法基本情况", f"{algorithm_type(facts)}算法。{text['purpose'] or TODO}"),
            ("算法备案类型", f"{algorithm_type(facts)}（{_role(facts)}）"),
            ("拟公示内容", "见附件《拟公示内容》"),
            ("落实主体责任基本情况", "见附件《落实算法安全主体责任基本情况》"),
            ("评估算法描述—算法简介", text["principle"] or TODO),
            (
                "评估算法描述—应用范围",
                f"{_domain(facts)}；{disclosure.channels(facts) or TODO}",
            ),
            ("评估算法描述—服务群体", AUDIENCES.get(profile.get("audience"), TODO)),
            ("评估算法描述—用户数量", users),
            (
                "评估算法描述—社会影响情况",
                "具有舆论属性或者社会动员能力" if public else "不具有舆论属性或者社会动员能力",
            ),
            ("评估算法描述—软硬件设施及部署位置", TODO),
            ("评估算法描述—其他", "—"),
            ("评估算法风险描述", "、".join(row["risk"] for row in facts.layout.rows(RISKS))),
            ("真实性声明", "本单位承诺本报告所述内容真实、准确、完整。"),
            ("算法安全负责人（签字）", f"{p.get('security_lead') or TODO}　　签字："),
            ("联系电话", _officer_phone(facts)),
        ],
        widths=(4.5, 11.5),
    )


def _flow(facts: FilingFacts) -> list[str]:
    keywords = _first(facts, "keyword_list")
    filter_how = (
        "关键词库、分类模型和人工复核"
        if facts.value_of("measures.content_filter") is True
        else TODO
    )
    if keywords:
        filter_how += f"（拦截关键词{keywords.get('total', 0)}个）"
    logs = facts.value_of("incidents.log_retention_months")
    marks = [
        row["label"]
        for row in facts.layout.rows("algorithm.report.flow_labels")
        if facts.value(row["q"]) is True
    ]
    return [
        f"（1）用户输入：用户通过{disclosure.channels(facts) or TODO}提交指令（提示词）等输入信息。",
        f"（2）输入审核：对输入信息进行安全检测（{filter_how}），拦截违法不良信息，"
        "对诱导生成违法不良信息的输入拒绝回答。",
        f"（3）模型生成：{disclosure.model_basis(facts)}根据通过检测的输入生成"
        f"{disclosure.outputs(facts) or TODO}。",
        f"（4）输出审核：对生成内容进行安全检测，{filter_how}，不合格内容不予输出。",
        f"（5）结果标识：对生成合成内容添加{'和'.join(marks) if marks else TODO}。",
        f"（6）返回与留存：向用户返回结果，留存网络日志"
        f"{f'{logs}个月' if logs is not None else TODO}。",
    ]


def _models_table(doc: Doc, facts: FilingFacts) -> None:
    s, p = facts.service, facts.provider
    base = s.get("foundation_model_name")
    source = facts.value_of("scope.model_source") or facts.profile.get("foundation_model_source")
    rows = []
    if source in ("self_developed", None) or not base:
        rows.append((algorithm_name(facts), "自研", p.get("name_zh") or TODO, "—", "—", "生成合成"))
    else:
        rows.append(
            (
                base,
                "第三方（进一步训练）" if source == "fine_tuned" else "第三方（调用）",
                TODO,
                TODO,
                s.get("foundation_model_filing_number") or TODO,
                "基础模型",
            )
        )
    doc.table(
        ("模型名称", "来源", "提供方", "算法备案号", "模型备案号（上线编号）", "用途"),
        rows,
        widths=(3.5, 2.5, 3, 2.5, 3, 1.5),
    )
    if listed := facts.value_of("scope.models_used"):
        doc.para(f"使用或调用的全部模型（{facts.role('scope.models_used')}）：{listed}")


def _mcr(doc: Doc, method: str, criteria: Sequence[str], summary: str, rows) -> None:
    """Method, criteria, results with numbers (filing-practice §5 R6)."""
    doc.para("评估方法：", bold=True)
    doc.para(method)
    doc.para("判断标准：", bold=True)
    doc.bullets(criteria)
    doc.para("评估结果：", bold=True)
    doc.para(summary)
    if rows:
        doc.table(("指标", "结果", "要求", "结论"), rows, widths=(6, 3, 3, 4))


def _chapter_algorithm(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None) -> None:
    doc.heading(REPORT_CHAPTERS[0])
    doc.heading("（一）算法流程", 2)
    _numbered(doc, _flow(facts))
    doc.heading("（二）算法数据", 2)
    sampling = _first(facts, "training_sampling")
    by_type = sampling.get("size_by_type") or {}
    labels = _first(facts, "content_labels")
    tokens, foreign = facts.role("corpus.tokens"), facts.role("corpus.foreign_open_source_share")
    doc.table(
        ("项目", "内容"),
        [
            ("输入模态", "文本等指令（提示词）"),
            ("输出模态", disclosure.outputs(facts) or TODO),
            (
                "输出文件格式",
                label_formats(labels) if labels.get("by_format") else TODO,
            ),
            ("输入输出大小限制", TODO),
            (f"训练数据总量（词元，{tokens}）", facts.value(tokens) or TODO),
            ("训练数据规模（按抽检表）", sampling.get("corpus_size") or TODO),
            (
                "各来源类别规模",
                "；".join(f"{k} {v}" for k, v in by_type.items()) if by_type else TODO,
            ),
            (
                f"境外开源语料占比（{foreign}）",
                _pct(facts.value(foreign)) if facts.value(foreign) is not None else TODO,
            ),
        ],
        widths=(5.5, 10.5),
    )
    doc.heading("（三）算法模型", 2)
    _models_table(doc, facts)
    doc.heading("（四）干预策略", 2)
    keywords = _first(facts, "keyword_list")
    summary = (
        f"拦截关键词{keywords.get('total', 0)}个，覆盖附录A.1、A.2风险"
        f"{keywords.get('a1_a2_covered', 0)}/17种，最近更新于{keywords.get('latest_update') or '（未注明）'}。"
        if keywords
        else "未上传可分析的拦截关键词列表（附件4）。"
    )
    _mcr(
        doc,
        "输入审核和输出审核均采用拦截关键词库、分类模型和人工复核；对明显偏激或诱导生成违法不良信息的"
        "问题拒绝回答，对连续或多次输入违法不良信息的用户依法依约处置。",
        [
            "关键词库覆盖附录A.1、A.2全部17种安全风险，总规模不宜少于10000个，每周更新（TC260-003 8.1）。",
            "分类模型完整覆盖附录A全部31种安全风险（TC260-003 8.4）。",
        ],
        summary,
        _analysis_checks(facts, "keyword_list"),
    )
    _answers(doc, facts, catalogue, "algorithm.report.intervention")
    doc.heading("（五）结果标识", 2)
    labels_text = (
        f"标识样例核验：共{labels.get('files_checked', 0)}个文件，{labels.get('files_passed', 0)}个通过。"
        if labels
        else f"未上传可核验的标识样例文件（{facts.role('labels.samples')}）。"
    )
    doc.para(labels_text + "显式标识和隐式标识截图：（截图待附）。")
    _answers(doc, facts, catalogue, "algorithm.report.labelling")


def _chapter_service(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None) -> None:
    s, text = facts.service, disclosure.text_of(facts)
    icp = facts.role("licences.icp")
    doc.heading(REPORT_CHAPTERS[1])
    doc.heading(f"（一）{s.get('name') or TODO}", 2)
    doc.table(
        ("项目", "内容"),
        [
            ("产品名称", s.get("name") or TODO),
            ("服务简介", s.get("description") or TODO),
            ("上线时间", TODO),
            ("服务形式", disclosure.channels(facts) or TODO),
            ("入口位置（网址、应用名称）", TODO),
            ("访问量、用户数", TODO),
            (f"ICP备案或许可（{icp}）", said_line(facts, catalogue, icp)),
        ],
        widths=(5.5, 10.5),
    )
    doc.para("算法在服务中的应用情况：", bold=True)
    doc.para(f"{text['scenarios']}{text['purpose']}")


# Rows of §4.3 三、风险研判: the risk, how it shows, the questions whose answers say how it
# is handled (`q`).
RISKS = "algorithm.report.risks"


def _measures(facts: FilingFacts, catalogue: Catalogue | None, codes: Sequence[str]) -> str:
    return "；".join(f"{code} {said(facts, catalogue, code)[0]}" for code in codes)


def _chapter_risks(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None) -> None:
    doc.heading(REPORT_CHAPTERS[2])
    doc.para(
        "按算法滥用、算法漏洞、算法恶意利用及其他风险逐项研判；研判结果依据自评估答案："
        "相关措施全部落实的为“已控制”，有“否”或“不符合”答案的为“需整改”，未作答的为“待核实”。"
    )
    rows = []
    for row in facts.layout.rows(RISKS):
        name, how, codes = row["risk"], row["how"], row_codes(row)
        answers = [said(facts, catalogue, c)[0] for c in codes]
        if any(a in ("否", "不符合") for a in answers):
            verdict = "需整改"
        elif any(a == "未作答" for a in answers):
            verdict = "待核实"
        else:
            verdict = "已控制"
        rows.append((name, how, _measures(facts, catalogue, codes), verdict))
    doc.table(("风险", "表现", "对应措施（自评估答案）", "研判"), rows, widths=(3, 6, 5, 2))


def _chapter_controls(doc: Doc, facts: FilingFacts, catalogue: Catalogue | None) -> None:
    doc.heading(REPORT_CHAPTERS[3])
    doc.heading("（一）风险防范机制建设", 2)
    systems = facts.role("measures.management_systems")
    doc.para(f"已建立的管理制度（{systems}）：{said(facts, catalogue, systems)[0]}。")
    _answers(doc, facts, catalogue, "algorithm.report.prevention")
    doc.heading("（二）用户权益保护", 2)
    doc.para("截图：（截图待附：投诉举报入口、个人信息权利行使、关闭输入用于训练的选项）。")
    _answers(doc, facts, catalogue, "algorithm.report.user_rights")
    doc.heading("（三）内容生态治理", 2)
    doc.para("截图：（截图待附：内容审核后台、违规处置记录、辟谣处置）。")
    _answers(doc, facts, catalogue, "algorithm.report.content_ecosystem")
    doc.heading("（四）模型安全保障", 2)
    tests = facts.analysed("test_results")
    if tests:
        summary = test_results_summary(tests)[0] + "。"
    else:
        results = facts.role("banks.test_results")
        summary = f"未上传可分析的生成内容测试结果（{results}），无法给出测试数字。"
    _mcr(
        doc,
        "从生成内容测试题库随机抽取题目，采用人工抽检、关键词抽检和分类模型抽检评估生成内容安全性；"
        "从应拒答、非拒答测试题库分别抽取题目评估拒答情况。",
        [
            "人工抽检、关键词抽检、分类模型抽检分别抽取不少于 1000 题，每次抽检的合格率不低于 90%（TC260-003 9.3 b)–d)）。",
            "应拒答抽测不少于 300 题，拒答率不低于 95%（TC260-003 9.4 b)）。",
            "非拒答抽测不少于 300 题，拒答率不高于 5%（TC260-003 9.4 c)）。",
        ],
        summary,
        _analysis_checks(facts, "test_results"),
    )
    doc.heading("（五）数据安全防护", 2)
    sampling = facts.analysed("training_sampling")
    if sampling:
        summary = corpus_sampling_summary(sampling)[0] + "。"
    else:
        results = facts.role("corpus.sampling_results")
        summary = f"未上传可分析的语料抽检结果（{results}），无法给出抽检数字。"
    _mcr(
        doc,
        "对训练语料按来源分别开展人工抽检（随机抽样）和技术抽检（关键词与分类模型）；"
        "核查训练数据、输入信息和使用记录的安全保护措施。",
        [
            "人工抽检不少于 4000 条，合格率不低于 96%（TC260-003 9.2 a)）。",
            "技术抽检不少于全部语料的 10%，合格率不低于 98%（TC260-003 9.2 b)）。",
        ],
        summary,
        _analysis_checks(facts, "training_sampling"),
    )
    _answers(doc, facts, catalogue, "algorithm.report.data_security")


def _open_items(facts: FilingFacts) -> list[str]:
    """Measures of both algorithm documents the answers say are missing: "否" or "不符合"."""
    codes = set(facts.layout.section_codes(*RESPONSIBILITY_TABLES, RISKS))
    return sorted(c for c in codes if facts.value(c) is False or facts.value(c) == "not_conform")


def _chapter_conclusion(doc: Doc, facts: FilingFacts) -> None:
    doc.heading(REPORT_CHAPTERS[4])
    open_items = _open_items(facts)
    score = facts.self_score or {}
    overall = score.get("overall", "—")
    if open_items:
        doc.para(
            f"经自评估，本算法的主要风险已识别，{len(open_items)}项措施尚未落实"
            f"（{'、'.join(open_items)}），整改完成前不宜上线或应限制相关功能。自评得分：{overall}。"
        )
        rows = []
        for code in open_items:
            answer = facts.answers[code]
            rows.append(
                (
                    code,
                    answer.remediation_plan or answer.note or TODO,
                    answer.remediation_due or TODO,
                )
            )
        doc.table(("问题", "整改计划", "完成时限"), rows, widths=(3, 10, 3))
    else:
        doc.para(
            "经自评估，本算法的主要风险已识别并采取相应的防控措施，风险防控措施与服务规模相适应，"
            f"未发现尚未落实的措施。自评得分：{overall}。"
        )


def _chapter_other(doc: Doc, facts: FilingFacts) -> None:
    s = facts.service
    doc.heading(REPORT_CHAPTERS[5])
    items = []
    if "gai_filing" in facts.routes:
        items.append("本服务同时办理生成式人工智能服务上线备案，相关材料单独提交。")
    if "gai_registration" in facts.routes:
        items.append("本服务同时办理生成式人工智能服务登记，相关材料单独提交。")
    if number := s.get("algorithm_filing_number"):
        items.append(f"本算法已有算法备案编号{number}，本次为变更备案。")
    doc.bullets(items or ["无。"])
    _signatures(doc, facts)


# --- 拟公示内容 -------------------------------------------------------------------------------


def disclosure_document(facts: FilingFacts) -> Doc:
    """拟公示内容: the five fields and the optional 算法公示情况, on one page."""
    text = disclosure.text_of(facts)
    doc = Doc("拟公示内容")
    doc.heading_title("拟公示内容")
    doc.para(
        f"主体名称：{facts.provider.get('name_zh') or TODO}　算法类型：{algorithm_type(facts)}",
        center=True,
    )
    doc.table(
        ("项目", "内容"),
        [
            (disclosure.LABELS[name][0], text.get(name) or ("—" if name == "publicity" else TODO))
            for name in disclosure.FIELDS
        ],
        widths=(4, 12),
    )
    return doc
