"""Test channel and package: filing-practice §8 items 33–35."""

from __future__ import annotations

from filing import lint
from filing.checks.base import Link, Problems, Verdict, check, ok, q, warn
from filing.facts import FilingFacts


@check(
    "PKG-01",
    "package",
    "测试通道",
    "Test channel",
    "GAI-17.4; filing-practice §8 item 33; §5 R16",
)
def test_channel(facts: FilingFacts) -> Verdict | None:
    ready = facts.value("AF-15")
    if ready is None:
        return None
    if ready is False:
        return warn(
            "尚未为审核机构准备测试账号和 API 接口",
            "No test accounts or API for the reviewers yet",
            "准备启用和未启用安全策略的测试账号及鉴权固定的 API 说明，单独成文，不放入备案材料包。",
            "Prepare accounts with and without the safety strategy and a fixed-auth API "
            "description, as a separate document outside the dossier.",
            q("AF-15"),
        )
    return ok(
        "测试通道已准备（单独提交，不放入材料包）", "Test channel ready (kept out of the package)"
    )


@check(
    "PKG-02",
    "package",
    "材料中的密钥和口令",
    "Secrets in the package",
    "filing-practice §8 item 34; §3.6",
)
def secrets(facts: FilingFacts) -> Verdict | None:
    texts = [(code, text, q(code)) for code, _f, text in facts.narrative()]
    texts += [(t.name, t.text, [Link("evidence", t.evidence_id, t.name)]) for t in facts.texts]
    if not texts:
        return None
    problems = Problems()
    for where, text, links in texts:
        for hit in lint.first(lint.secrets(text), 3):
            problems.block(
                f"{where}：{hit.kind} {hit.excerpt}", f"{where}: {hit.kind} {hit.excerpt}", links
            )
    return problems.verdict(
        "说明和文本材料中没有发现密钥、口令或私钥",
        "No API keys, passwords or private keys found in answers and text files",
        "从答案和材料中删除密钥与口令（并立即轮换），测试账号只写在单独的测试通道文件中。",
        "Remove the secrets (and rotate them now); test credentials belong only in the "
        "separate test-channel document.",
    )


# Required by the route whatever the questionnaire asks (filing-practice §9.2 items 1 and 3):
# an older questionnaire version without the question blocks too, and says where to add it.
ROUTE_REQUIRED = {"FD-18", "FD-19"}
# Statements that are answers, not files: (question, zh, en).
PACKAGE_STATEMENTS = {
    "gai_registration": (
        (
            "FD-19",
            "调用已备案模型情况说明（模型名称、提供方、备案号、调用方式）",
            "statement of the called filed model (name, provider, filing number, how it is called)",
        ),
    ),
}

PACKAGE_ITEMS = {
    "gai_filing": (
        ("附件2.1 服务协议", "annex 2.1 service agreement", ("TR-06",)),
        ("附件2.2 隐私政策", "annex 2.2 privacy policy", ("PI-Q04",)),
        ("附件3 语料标注规则", "annex 3 annotation rules", ("AN-01",)),
        ("附件4 拦截关键词列表", "annex 4 keyword list", ("CS-18",)),
        ("附件5 生成内容测试题", "annex 5 generated-content bank", ("CS-23",)),
        ("附件5 应拒答测试题", "annex 5 should-refuse bank", ("CS-30",)),
        ("附件5 非拒答测试题", "annex 5 should-not-refuse bank", ("CS-31",)),
        ("生成内容评估结果", "test results", ("CS-33",)),
        ("语料抽检结果", "corpus sampling results", ("TD-11",)),
    ),
    "gai_registration": (
        (
            "与所调用模型提供方的协议（合同、授权或控制台截图）",
            "agreement with the called model's provider (contract, authorisation or console)",
            ("FD-19", "SCOPE-14", "LC-01", "SCOPE-03"),
        ),
        ("内容安全管理制度", "content-security management rules", ("FD-18",)),
        ("服务协议", "service agreement", ("TR-06",)),
        ("隐私政策", "privacy policy", ("PI-Q04",)),
        ("拦截关键词库", "keyword list", ("CS-18",)),
        ("评估测试题", "test questions", ("CS-23", "CS-30", "CS-31")),
    ),
}


@check(
    "PKG-03",
    "package",
    "材料齐全",
    "Package completeness",
    "filing-practice §8 item 35; §5 R1; §9",
)
def completeness(facts: FilingFacts) -> Verdict | None:
    route_code = next((r for r in facts.routes if r in PACKAGE_ITEMS), None)
    if route_code is None:
        return None
    problems = Problems()
    present = 0
    for zh, en, codes_ in PACKAGE_ITEMS[route_code]:
        applicable = [c for c in codes_ if c in facts.applicable]
        required = ROUTE_REQUIRED.intersection(codes_)
        if not applicable and not required:
            continue  # the questionnaire says it does not apply (e.g. no annotation: 不涉及)
        if facts.files(*codes_):
            present += 1
            continue
        if applicable:
            problems.block(f"缺少{zh}", f"{en} missing", q(applicable[0]))
        else:
            problems.block(*_not_asked(zh, en))
    for code, zh, en in PACKAGE_STATEMENTS.get(route_code, ()):
        if facts.answer(code) is not None:
            present += 1
        elif code in facts.applicable:
            problems.block(f"缺少{zh}", f"{en} missing", q(code))
        else:
            problems.block(*_not_asked(zh, en))
    return problems.verdict(
        f"所需的 {present} 项材料均已上传（备案表和附件1 由门户生成）",
        f"All {present} required materials are uploaded (the form and annex 1 are generated here)",
        "上传所缺材料；不涉及的附件以“不涉及”并说明理由提交。",
        "Upload the missing materials; a non-applicable annex is delivered as 'not involved' "
        "with the reason.",
    )


def _not_asked(zh: str, en: str) -> tuple[str, str]:
    return (
        f"缺少{zh}（本评估所用的问卷版本未收集此项：请新建评估（使用最新问卷），在“备案材料信息”中提供）",
        f"{en} missing (this questionnaire version does not ask for it: start a new assessment on "
        "the latest questionnaire and give it under Filing details)",
    )
