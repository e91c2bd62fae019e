"""Test channel and package: filing-practice §8 items 33–35."""

from __future__ import annotations

from filing import lint
from filing.checks.base import Link, Problems, Verdict, check, ok, q, warn
from filing.facts import FilingFacts
from library.layouts import row_codes


@check(
    "PKG-01",
    "package",
    "测试通道",
    "Test channel",
    "GAI-17.4; filing-practice §8 item 33; §5 R16",
)
def test_channel(facts: FilingFacts) -> Verdict | None:
    ready = facts.value_of("assessment.test_channel")
    if ready is None:
        return None
    if ready is False:
        return warn(
            "尚未为审核机构准备测试账号和 API 接口",
            "No test accounts or API for the reviewers yet",
            "准备启用和未启用安全策略的测试账号及鉴权固定的 API 说明，单独成文，不放入备案材料包。",
            "Prepare accounts with and without the safety strategy and a fixed-auth API "
            "description, as a separate document outside the dossier.",
            q(facts.role("assessment.test_channel")),
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


# Layout sections per route: the materials of the package, each with the questions whose
# evidence holds it (`q`). A `required` item is needed by the route whatever the questionnaire
# asks (filing-practice §9.2 items 1 and 3): an older questionnaire version without the question
# blocks too, and says where to add it.
PACKAGE_ITEMS = {
    "gai_filing": "checks.package.gai_filing",
    "gai_registration": "checks.package.gai_registration",
}
# Statements that are answers, not files (layout sections; `q`: the question, or none where the
# version does not ask for it).
PACKAGE_STATEMENTS = {"gai_registration": "checks.package_statements.gai_registration"}


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
    for row in facts.layout.rows(PACKAGE_ITEMS[route_code]):
        zh, en, codes_ = row["label_zh"], row["label_en"], row_codes(row)
        applicable = [c for c in codes_ if c in facts.applicable]
        required = row.get("required", False)
        if not applicable and not required:
            continue  # the questionnaire says it does not apply (e.g. no annotation: 不涉及)
        if facts.files(*codes_):
            present += 1
            continue
        if applicable:
            problems.block(f"缺少{zh}", f"{en} missing", q(applicable[0]))
        else:
            problems.block(*_not_asked(zh, en))
    statements = PACKAGE_STATEMENTS.get(route_code)
    for row in facts.layout.rows(statements) if statements else ():
        code, zh, en = next(iter(row_codes(row)), None), row["label_zh"], row["label_en"]
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
