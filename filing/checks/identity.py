"""Route and identity: filing-practice §8 items 1–4."""

from __future__ import annotations

import re
import unicodedata

from filing.checks.base import Link, Problems, Verdict, block, check, ev, ok, q, warn
from filing.facts import FilingFacts
from library import scope
from providers import codes

ROUTE_NAMES = {
    "gai_filing": ("生成式人工智能（大模型）上线备案", "generative-AI (large-model) filing"),
    "gai_registration": ("生成式人工智能服务登记", "generative-AI registration"),
    "algorithm_filing": ("算法备案", "algorithm filing"),
    "anthropomorphic_assessment": (
        "拟人化互动服务安全评估报告（报省级网信部门）",
        "anthropomorphic-service security assessment report to the provincial CAC",
    ),
    "none": ("无需备案", "no filing"),
}
ROLES = {"technical_supporter": ("服务技术支持者", "technical supporter")}


def base_model_needed(facts: FilingFacts) -> bool:
    return facts.value_of("scope.model_source") in ("fine_tuned", "call_filed_only") or (
        facts.profile.get("foundation_model_source") == "third_party"
    )


@check("ROUTE-01", "identity", "备案路线", "Filing route", "filing-practice §8 item 1; §1")
def route(facts: FilingFacts) -> Verdict | None:
    if not facts.routes:
        return None
    if "undetermined" in facts.routes:
        missing = facts.route_missing or facts.layout.codes("scope.route_gates")
        return block(
            "备案路线待定：服务对象、角色或模型来源尚未回答（" + "、".join(missing) + "）",
            "Route undetermined: the audience, role or model source is not answered ("
            + ", ".join(missing)
            + ")",
            "回答所列范围问题后再检查。",
            "Answer the scope questions listed, then check again.",
            q(*missing),
        )
    found = {
        c.question: c for c in scope.contradictions(facts.layout, facts.profile, _values(facts))
    }
    source, audience = facts.role("scope.model_source"), facts.role("scope.audience")
    if source in found:
        return block(
            f"服务资料中的模型来源与 {source} 的答案矛盾，备案与登记路线无法确定",
            f"The model source in the service profile contradicts the answer to {source}: "
            "filing or registration cannot be decided",
            f"统一服务资料中的模型来源与 {source} 的答案；如在第三方模型上做过训练，应答“进一步训练”。",
            f"Make the model source of the service profile and the answer to {source} agree; if "
            "the third-party model was trained further, answer 'further trained'.",
            q(source),
        )
    zh = "、".join(ROUTE_NAMES[r][0] for r in facts.routes if r in ROUTE_NAMES)
    en = ", ".join(ROUTE_NAMES[r][1] for r in facts.routes if r in ROUTE_NAMES)
    if audience in found:
        return warn(
            f"服务资料中的服务对象与 {audience} 的答案矛盾；按 {audience} 的答案确定路线：{zh}",
            f"The audience in the service profile contradicts the answer to {audience}; the route "
            f"follows the answer: {en}",
            f"核对并统一服务资料中的服务对象与 {audience} 的答案。",
            f"Check the service profile's audience against {audience} and make them agree.",
            q(audience),
        )
    return ok(f"适用路线：{zh}", f"Route: {en}", q(*facts.layout.codes("scope.route_gates")))


def _values(facts: FilingFacts) -> dict:
    return {code: a.value for code, a in facts.answers.items() if a.answered}


@check(
    "ROUTE-02",
    "identity",
    "算法备案（双备案）",
    "Algorithm filing as well",
    "filing-practice §8 item 1; §1; GAI-17.3",
)
def algorithm_filing(facts: FilingFacts) -> Verdict | None:
    if "algorithm_filing" not in facts.routes:
        return None
    number = facts.service.get("algorithm_filing_number")
    if number:
        return ok(f"已有算法备案编号 {number}", f"Algorithm filing number {number} is on file")
    role_zh, role_en = ROLES.get(
        facts.value_of("scope.provider_role"), ("服务提供者", "service provider")
    )
    return warn(
        f"本服务还须以“{role_zh}”身份办理算法备案（生成合成类），服务资料中尚无算法备案编号",
        f"An algorithm filing (generation/synthesis type) in the role '{role_en}' is needed as "
        "well; the service profile has no algorithm filing number yet",
        "算法备案材料（承诺书、落实主体责任、算法安全自评估报告、拟公示内容）单独准备，不要混入大模型备案材料；取得编号后填入服务资料。",
        "Prepare the algorithm-filing documents separately from this dossier; enter the "
        "number in the service profile once issued.",
        q(facts.role("scope.provider_role"), facts.role("scope.public_opinion")),
    )


_NUMBER_RE = re.compile(r"[A-Za-z]+-[A-Za-z0-9.]+-\d{6,}(?:S\d+)?|网信算备\d+号?")


def filing_numbers(facts: FilingFacts) -> list[tuple[str, str]]:
    """(where, number) of every filing number the portal holds."""
    found = []
    for key in ("foundation_model_filing_number", "gai_filing_number", "algorithm_filing_number"):
        if facts.service.get(key):
            found.append((key, str(facts.service[key]).strip()))
    models_used = facts.role("scope.models_used")
    listed = facts.value(models_used)
    if isinstance(listed, str):
        found += [(models_used, m.group(0)) for m in _NUMBER_RE.finditer(listed)]
    return found


@check(
    "MODEL-01",
    "identity",
    "基础模型已备案",
    "Foundation model is filed",
    "TC-6a; filing-practice §8 item 2; §5 R11",
)
def base_model_filed(facts: FilingFacts) -> Verdict | None:
    if not base_model_needed(facts):
        return None
    filed, models_used = (
        facts.role("lifecycle.filed_foundation_model"),
        facts.role("scope.models_used"),
    )
    if facts.value(filed) == "not_conform":
        return block(
            f"{filed} 答“不符合”：使用了未经备案的基础模型",
            f"{filed} says the foundation model is not filed",
            "改用已备案的基础模型，或由基础模型提供方先完成备案。",
            "Switch to a filed foundation model, or have its provider file it first.",
            q(filed),
        )
    # The same number in the profile and in the list of models is one model, named once.
    numbers = list(
        dict.fromkeys(
            n
            for where, n in filing_numbers(facts)
            if where in ("foundation_model_filing_number", models_used) and "网信算备" not in n
        )
    )
    if not numbers:
        return block(
            "使用或调用第三方基础模型，但未给出其备案号",
            "A third-party foundation model is used or called, but its filing number is missing",
            f"在服务资料中填写基础模型的备案号，并在 {models_used} 列出全部所用模型及备案号。",
            "Enter the foundation model's filing number in the service profile and list every "
            f"model with its number under {models_used}.",
            q(models_used),
        )
    name = facts.service.get("foundation_model_name") or ""
    return ok(
        f"基础模型 {name} 备案号：{'、'.join(numbers)}（是否在网信办已备案名单中须人工核对）",
        f"Foundation model {name}, filing number {', '.join(numbers)} (whether it appears in "
        "the CAC's published list is checked by hand)",
        q(models_used),
    )


@check(
    "MODEL-02",
    "identity",
    "备案编号格式",
    "Filing number formats",
    "filing-practice §6.3; §8 item 2",
)
def number_formats(facts: FilingFacts) -> Verdict | None:
    numbers = filing_numbers(facts)
    if not numbers:
        return None
    problems = Problems()
    models_used = facts.role("scope.models_used")
    for where, number in numbers:
        links = q(models_used) if where == models_used else []
        try:
            if "网信算备" in number:
                codes.validate_algorithm_filing_number(number)
            else:
                codes.validate_gai_filing_number(number)
        except codes.CodeError:
            problems.block(
                f"“{number}”不符合备案编号格式", f"'{number}' is not a valid filing number", links
            )
            continue
        if where == "foundation_model_filing_number" and codes.GAI_REGISTRATION_RE.fullmatch(
            number
        ):
            problems.warn(
                f"基础模型编号“{number}”是登记（上线编号）格式，基础模型应有备案号",
                f"the foundation model number '{number}' is a registration number; a "
                "foundation model needs a filing number",
            )
    distinct = len({number for _where, number in numbers})
    return problems.verdict(
        f"{distinct} 个编号格式正确",
        "the number is well-formed" if distinct == 1 else f"{distinct} numbers are well-formed",
        "按网信办公布的格式核对编号（省份-名称-日期[序号]，登记号带 S，算法备案为 网信算备+21 位数字+号）。",
        "Check the numbers against the CAC's formats (Province-Name-date[serial], S for "
        "registrations, 网信算备 + 21 digits + 号 for algorithms).",
    )


@check(
    "MODEL-03",
    "identity",
    "基础模型证明材料",
    "Proof of the foundation model",
    "filing-practice §8 item 2; §9.2",
)
def base_model_proof(facts: FilingFacts) -> Verdict | None:
    if not base_model_needed(facts):
        return None
    models_used, filed = (
        facts.role("scope.models_used"),
        facts.role("lifecycle.filed_foundation_model"),
    )
    files = facts.files(*facts.layout.codes("checks.foundation_model_proof"))
    if files:
        return ok(
            f"已上传 {len(files)} 份证明材料", f"{len(files)} proof files uploaded", ev(files)
        )
    return block(
        "没有基础模型的调用合同或控制台截图、提供方备案公示截图",
        "No contract or console screenshot for the foundation model and no screenshot of its "
        "provider's filing notice",
        f"在 {models_used} 或 {filed} 下上传合同/授权、控制台截图和提供方的备案公示截图。",
        "Upload the contract or authorisation, a console screenshot and the provider's filing "
        f"notice under {models_used} or {filed}.",
        q(models_used, filed),
    )


@check(
    "ENTITY-01",
    "identity",
    "统一社会信用代码",
    "Unified Social Credit Code",
    "filing-practice §8 item 3; GB 32100-2015",
)
def credit_code(facts: FilingFacts) -> Verdict | None:
    uscc = facts.provider.get("credit_code") or ""
    if not facts.provider:
        return None
    problems = Problems()
    try:
        codes.validate_uscc(uscc)
    except codes.CodeError as exc:
        problems.block(f"信用代码“{uscc}”无效：{exc.message}", f"credit code '{uscc}': {exc}")
    provider_code = facts.service.get("provider_code") or ""
    if provider_code and not problems.blocks:
        try:
            codes.validate_provider_code(provider_code, uscc=uscc)
        except codes.CodeError as exc:
            problems.block(
                f"服务提供者编码“{provider_code}”与信用代码不符：{exc.message}",
                f"provider code '{provider_code}' does not match the credit code: {exc}",
            )
    for e in facts.analysed("content_labels"):
        for c in e.checks:
            if c.get("key") == "producer_matches" and c.get("passed") is False:
                problems.block(
                    f"样例文件的隐式标识 ContentProducer 不是本单位的编码（{e.name}）",
                    f"the implicit label's ContentProducer in '{e.name}' is another "
                    "organisation's code",
                    ev([e]),
                )
    return problems.verdict(
        f"信用代码 {uscc} 校验位正确",
        f"Credit code {uscc} has a valid check character",
        "按营业执照更正信用代码和服务提供者编码，并重新生成样例文件的隐式标识。",
        "Correct the credit code and provider code from the business licence and regenerate "
        "the labelled samples.",
    )


_ORG_RE = re.compile(r"[\u4e00-\u9fffA-Za-z（）()·]{2,40}?(?:股份有限公司|有限责任公司|有限公司)")
_ORG_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")


def _norm_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _core(name: str) -> str:
    core = re.sub(r"\(.*?\)", "", _norm_name(name))
    for suffix in _ORG_SUFFIXES:
        if core.endswith(suffix):
            return core[: -len(suffix)]
    return core


def organisation_names(facts: FilingFacts) -> list[tuple[str, list[Link]]]:
    """Organisation names written in evidence file names and notes and in the answers."""
    found = []
    for e in facts.evidence:
        for text in (e.name, e.note):
            found += [(m.group(0), ev([e])) for m in _ORG_RE.finditer(text)]
    for code, _field, text in facts.narrative():
        found += [(m.group(0), q(code)) for m in _ORG_RE.finditer(text)]
    return found


@check(
    "ENTITY-02",
    "identity",
    "单位全称一致",
    "Entity name identical everywhere",
    "filing-practice §8 item 3; §5 R12",
)
def entity_name(facts: FilingFacts) -> Verdict | None:
    name = facts.provider.get("name_zh") or ""
    found = organisation_names(facts)
    identity = facts.role("licences.identity_consistent")
    consistent = facts.value(identity)
    if not name or (not found and consistent is None):
        return None
    problems = Problems()
    if consistent is False:
        problems.block(
            f"{identity} 答“否”：营业执照、ICP 备案与备案材料中的单位名称或信用代码不一致",
            f"{identity} says the name or credit code differs between licence, ICP filing and "
            "documents",
            q(identity),
        )
    target, core = _norm_name(name), _core(name)
    seen = set()
    for written, links in found:
        if written in seen:
            continue
        seen.add(written)
        normal = _norm_name(written)
        if written.endswith(name):
            continue
        if normal.endswith(target):
            problems.warn(
                f"“{written}”与“{name}”仅括号全角/半角或空格不同",
                f"'{written}' differs from '{name}' only in bracket width or spacing",
                links,
            )
        elif core and len(core) >= 2 and core in normal and not normal.endswith(target):
            problems.warn(
                f"“{written}”疑似本单位名称的另一种写法（营业执照名称为“{name}”）",
                f"'{written}' looks like another spelling of '{name}' (the licence name)",
                links,
            )
    return problems.verdict(
        f"材料中出现的本单位名称均为“{name}”",
        f"Every mention of the provider reads '{name}'",
        "各文件统一使用营业执照上的单位全称（含括号的全角/半角），不要自行简称。",
        "Use the exact name of the business licence everywhere, brackets included.",
    )
