"""Algorithm filing (算法备案): filing-practice §8 items 36–38, §4.4 and §4.5.

Only when the algorithm_filing route applies; the text checked is the saved 拟公示内容, or the
portal's draft while nothing is saved (the documents print the same).
"""

from __future__ import annotations

from filing import disclosure
from filing.checks.base import Link, Problems, Verdict, block, check, ok, warn
from filing.facts import FilingFacts

ROUTE = "algorithm_filing"
PAGE = (Link("disclosure", "disclosure", "拟公示内容"),)


@check(
    "ALGO-01",
    "algorithm",
    "拟公示内容",
    "Public disclosure text",
    "filing-practice §4.4; §8 item 37",
)
def disclosure_text(facts: FilingFacts) -> Verdict | None:
    if ROUTE not in facts.routes:
        return None
    text = disclosure.text_of(facts)
    problems = Problems(links=list(PAGE))
    for f in disclosure.findings(text):  # the name against the service's is ALGO-02's
        if f.refuses_save:
            problems.block(f.message_zh, f.message_en, PAGE)
        else:
            problems.warn(f.message_zh, f.message_en, PAGE)
    if facts.disclosure is None:
        problems.warn(
            "拟公示内容尚未保存，材料中使用的是门户根据服务资料和答案起草的草稿",
            "The disclosure text was never saved: the documents use the portal's draft",
            PAGE,
        )
    return problems.verdict(
        "拟公示内容已保存，五项内容齐全，未发现个人信息、密钥或绝对化表述",
        "The disclosure text is saved, its five fields are filled, and it holds no personal "
        "data, secrets or absolute wording",
        "在“拟公示内容”页面修改并保存：删除个人信息和密钥，改写绝对化表述，补写（待填写）部分。",
        "Edit and save it on the disclosure page: remove personal data and secrets, rephrase "
        "absolute wording, fill in the （待填写） parts.",
    )


@check(
    "ALGO-02",
    "algorithm",
    "算法名称一致",
    "One algorithm name",
    "filing-practice §4.5; §8 item 36; §5 R12",
)
def algorithm_name(facts: FilingFacts) -> Verdict | None:
    if ROUTE not in facts.routes:
        return None
    service = (facts.service.get("name") or "").strip()
    name = (disclosure.text_of(facts).get("algorithm_name") or "").strip()
    if not name:
        return block(
            "拟公示内容中没有算法名称，自评估报告和承诺书无法写明算法名称",
            "The disclosure text has no algorithm name, so the report and the letter have none",
            "在“拟公示内容”页面填写算法名称。",
            "Enter the algorithm name on the disclosure page.",
            PAGE,
        )
    if not service or name == service:
        return ok(
            f"算法名称“{name}”与服务名称一致，备案材料中统一使用该名称",
            f"The algorithm name “{name}” is the service name and is used in every document",
            PAGE,
        )
    mismatch = disclosure.name_finding(name, service)
    if disclosure.same_but_for_width(name, service):
        return block(
            mismatch.message_zh,
            mismatch.message_en,
            "算法名称与服务名称须逐字一致（全角/半角、空格也算不同）：修改其中之一。",
            "The names must be identical character by character (width and spaces count): "
            "change one of them.",
            PAGE,
        )
    return warn(
        mismatch.message_zh,
        mismatch.message_en,
        "备案系统中填写的算法名称、拟公示内容和算法安全自评估报告须使用同一名称，不得使用别名；"
        "如算法另有名称，确认备案系统中也填写该名称，否则将算法名称改为服务名称。",
        "Use one name, no alias, in the filing system fields, the disclosure text and the "
        "self-assessment report; if the algorithm has its own name, enter that name in the "
        "filing system too, otherwise rename the algorithm after the service.",
        PAGE,
    )


@check(
    "ALGO-03",
    "algorithm",
    "算法安全责任人",
    "Algorithm security officer",
    "filing-practice §4.1, §4.2; §8 item 38",
)
def security_officer(facts: FilingFacts) -> Verdict | None:
    if ROUTE not in facts.routes:
        return None
    p = facts.provider
    lead = (p.get("security_lead") or "").strip()
    if not lead:
        return block(
            "单位资料中没有安全负责人，算法备案承诺书、落实主体责任和自评估报告中的算法安全责任人无从填写",
            "The provider has no security lead on file, so the algorithm security officer is "
            "missing from the letter, the responsibility statement and the report",
            "在单位资料中填写安全负责人（算法安全责任人），并准备其任职证明。",
            "Enter the security lead (algorithm security officer) in the provider details and "
            "prepare the proof of appointment.",
        )
    if not (p.get("contact_phone") or p.get("contact_email")):
        return warn(
            f"算法安全责任人为{lead}，但单位资料中没有联系电话或电子邮箱",
            f"The algorithm security officer is {lead}, but there is no contact phone or e-mail",
            "在单位资料中填写联系电话和电子邮箱（落实主体责任模板要求负责人的联系方式）。",
            "Enter a contact phone and e-mail in the provider details (the responsibility "
            "template asks for the officer's contact).",
        )
    return ok(
        f"算法安全责任人：{lead}，联系方式已填写",
        f"Algorithm security officer: {lead}, with contact details",
    )
