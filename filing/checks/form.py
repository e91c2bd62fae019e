"""The application form: filing-practice §8 items 5–12."""

from __future__ import annotations

import re

from filing.checks.base import Problems, Verdict, block, check, ev, ok, pct, q, warn
from filing.facts import FilingFacts

FORM_FUNCTIONS = {
    "text": ("文字生成", "text generation"),
    "image": ("图片生成", "image generation"),
    "audio": ("声音合成", "audio synthesis"),
    "video": ("视频合成", "video synthesis"),
    "code": ("代码生成或优化", "code generation or optimisation"),
}
INTERACTIVE_CHANNELS = ("web", "app", "mini_program")


def form_functions(facts: FilingFacts) -> list[tuple[str, str]]:
    """The form's six function values for the service's modalities and channels."""
    modalities = list(facts.profile.get("modalities") or [])
    channels = facts.profile.get("channels") or []
    out = []
    if "text" in modalities and any(c in INTERACTIVE_CHANNELS for c in channels):
        out.append(("人机对话", "human-machine dialogue"))
    out += [FORM_FUNCTIONS[m] for m in modalities if m in FORM_FUNCTIONS]
    return out


@check("FORM-01", "form", "主要功能", "Main functions", "filing-practice §8 item 5; §2.1")
def functions(facts: FilingFacts) -> Verdict | None:
    if "modalities" not in facts.profile:
        return None
    modalities = list(facts.profile.get("modalities") or [])
    if not modalities:
        return block(
            "服务资料未选择任何输出模态，备案表“主要功能”无法填写",
            "The service profile has no output modality; the form's main functions are empty",
            "在服务资料中选择输出模态。",
            "Choose the output modalities in the service profile.",
        )
    chosen = form_functions(facts)
    outside = [m for m in modalities if m not in FORM_FUNCTIONS]
    zh = "、".join(z for z, _ in chosen)
    en = ", ".join(e for _, e in chosen)
    if outside:
        return warn(
            f"备案表功能：{zh}；“{'、'.join(outside)}”不在备案表的六项功能中",
            f"Form functions: {en}; '{', '.join(outside)}' is not one of the form's six",
            "在备案表中就近归类（如虚拟场景归入视频合成）并在说明中写明。",
            "Map it to the nearest function of the form and explain it.",
        )
    return ok(f"备案表功能：{zh}", f"Form functions: {en}")


_VERTICAL_RE = re.compile(r"领域|垂直|行业|专业|vertical|domain", re.IGNORECASE)


@check(
    "FORM-02",
    "form",
    "通用或限定领域",
    "General or restricted domain",
    "filing-practice §8 item 6; §5 R4",
)
def domain(facts: FilingFacts) -> Verdict | None:
    scope, omissions = facts.role("scope.domain"), facts.role("banks.domain_omissions")
    answer = facts.answer(scope)
    if answer is None:
        return None
    if answer.value != "restricted":
        return ok("未限定领域（通用）", "General (no restricted domain)", q(scope))
    problems = Problems()
    if not answer.note.strip() and facts.value(omissions) is None:
        problems.block(
            "限定领域但未说明领域范围及领域外问题的处理方式",
            "restricted domain, but neither the domain nor the handling of out-of-domain "
            "questions is described",
            q(scope, omissions),
        )
    sheets = [
        name
        for e in facts.analysed("test_bank_generated", "test_results")
        for name in (e.figures.get("sheets") or {})
    ]
    if not any(_VERTICAL_RE.search(s or "") for s in sheets):
        problems.warn(
            "附件5 中没有领域测试题工作表（如“垂直领域”）",
            "annex 5 has no vertical-domain sheet",
            q(facts.role("banks.generated")),
        )
    return problems.verdict(
        "限定领域，已说明领域外处理并附领域测试题",
        "Restricted domain, out-of-domain handling described and a vertical sheet attached",
        f"在 {scope} 的说明中写明领域和领域外问题的处理，并在附件5 增加领域测试题工作表。",
        f"Describe the domain and out-of-domain handling under {scope} and add a "
        "vertical-domain sheet to annex 5.",
    )


# Source class: (words of the sampling table's type column, the layout role of the question
# whose evidence proves the class, names).
CORPUS_TYPES = {
    "open": (
        ("开源", "公开", "open"),
        "corpus.open_source_licences",
        "开源语料（许可协议）",
        "open-source (licence)",
    ),
    "self": (
        ("自采", "自有", "自行", "采集", "爬", "self", "crawl"),
        "corpus.collection_records",
        "自采语料（采集记录）",
        "self-collected (collection records)",
    ),
    "commercial": (
        ("商业", "采购", "购买", "合作", "commercial", "purchas"),
        "corpus.commercial_contracts",
        "商业语料（合同）",
        "commercial (contracts)",
    ),
}


def corpus_type(text: str) -> str | None:
    folded = (text or "").lower()
    for key, (words, *_rest) in CORPUS_TYPES.items():
        if any(w in folded for w in words):
            return key
    return None


@check(
    "FORM-03",
    "form",
    "语料来源及证明",
    "Corpus sources and their proof",
    "TC-5.1c; filing-practice §8 item 7; §5 R2",
)
def corpus_sources(facts: FilingFacts) -> Verdict | None:
    sampling = facts.analysed("training_sampling")
    register = facts.role("corpus.source_register")
    if not sampling and facts.value(register) is None:
        return None
    problems = Problems()
    if facts.value(register) is False:
        problems.block(
            f"{register} 答“否”：训练数据没有逐一登记的合法来源清单",
            f"{register} says there is no registered list of lawful sources",
            q(register),
        )
    kinds: dict[str, list[str]] = {}
    for e in sampling:
        for row in e.figures.get("per_source") or []:
            kind = corpus_type(str(row.get("type") or ""))
            if kind is None:
                problems.warn(
                    f"来源“{row.get('source')}”的类型“{row.get('type')}”无法归入开源/自采/商业",
                    f"source '{row.get('source')}' has type '{row.get('type')}', which is not "
                    "open-source, self-collected or commercial",
                    ev([e]),
                )
                continue
            kinds.setdefault(kind, []).append(str(row.get("source")))
    for kind, sources in kinds.items():
        _words, role, zh, en = CORPUS_TYPES[kind]
        code = facts.role(role)
        if not facts.files(code):
            problems.block(
                f"{zh}：{'、'.join(sources[:5])} 缺少证明材料",
                f"{en}: {', '.join(sources[:5])} without proof",
                q(code),
            )
    return problems.verdict(
        f"语料来源类别：{'、'.join(CORPUS_TYPES[k][2] for k in kinds) or '—'}，均有证明材料",
        f"Source classes: {', '.join(CORPUS_TYPES[k][3] for k in kinds) or '—'}, each with proof",
        "每类来源附上相应证明：开源许可证、采集记录与 robots 审查、商业合同与供应方承诺。",
        "Attach the matching proof per source class: licence, collection log with robots "
        "review, contract with the supplier's commitment.",
    )


@check(
    "FORM-04",
    "form",
    "境外开源语料占比",
    "Share of foreign open-source corpus",
    "TC-5.1b; filing-practice §8 item 8 (30 % UNCONFIRMED)",
)
def foreign_share(facts: FilingFacts) -> Verdict | None:
    share = facts.value_of("corpus.foreign_open_source_share")
    if not isinstance(share, int | float):
        return None
    if not 0 <= share <= 1:
        return block(
            f"境外开源语料占比填写为 {share}，应为 0 到 1 之间的小数",
            f"The foreign open-source share reads {share}; it must be a decimal from 0 to 1",
            "按“0 到 1 之间的小数”重新填写比例（如 25% 填 0.25）。",
            "Enter the share as a decimal from 0 to 1 (25 % is 0.25).",
            q(facts.role("corpus.foreign_open_source_share")),
        )
    if share > 0.3:
        return warn(
            f"境外开源语料占 {pct(share)}，超过实务中常见的 30% 上限（非官方规定）",
            f"Foreign open-source corpus is {pct(share)}, above the 30 % cap practitioners "
            "cite (not an official rule)",
            "在报告中说明境外语料的必要性和过滤措施，或提高境内语料比例。",
            "Explain why the foreign corpus is needed and how it is filtered, or raise the "
            "domestic share.",
            q(facts.role("corpus.foreign_open_source_share")),
        )
    return ok(f"境外开源语料占 {pct(share)}", f"Foreign open-source share {pct(share)}")


@check(
    "FORM-05",
    "form",
    "语料与标注数量",
    "Corpus and annotation figures",
    "filing-practice §8 item 9; §2.1",
)
def corpus_figures(facts: FilingFacts) -> Verdict | None:
    tokens_code, ratio_code = facts.role("corpus.tokens"), facts.role("annotation.verified_share")
    tokens, ratio = facts.value(tokens_code), facts.value(ratio_code)
    sampling = facts.analysed("training_sampling")
    if tokens is None and ratio is None and not sampling:
        return None
    problems = Problems()
    if tokens is None and tokens_code in facts.applicable:
        problems.warn(
            "未填写训练语料词元数", "the token count of the corpus is missing", q(tokens_code)
        )
    elif tokens is not None and not (isinstance(tokens, int | float) and tokens > 0):
        problems.warn(
            "训练语料词元数不是正数", "the token count is not a positive number", q(tokens_code)
        )
    if facts.value_of("scope.annotation") and ratio is None and ratio_code in facts.applicable:
        problems.warn(
            "开展了标注但未填写人工核验比例",
            "annotation is done but the verified share is missing",
            q(ratio_code),
        )
    elif ratio is not None and not (isinstance(ratio, int | float) and 0 <= ratio <= 1):
        problems.warn(
            "标注核验比例应为 0 到 1 之间的小数", "the verified share must be 0 to 1", q(ratio_code)
        )
    size = sum(int(e.figures.get("corpus_size") or 0) for e in sampling)
    return problems.verdict(
        f"词元数 {tokens if tokens is not None else '—'}，抽检表语料规模 {size or '—'}，"
        f"标注核验比例 {pct(ratio) if ratio is not None else '—'}",
        f"Tokens {tokens if tokens is not None else '—'}, corpus size in the sampling table "
        f"{size or '—'}, verified annotation share {pct(ratio) if ratio is not None else '—'}",
        "补齐备案表语料块的数字（存储规模、词元数、各类型规模、标注数量与核验比例）。",
        "Complete the corpus block of the form (storage size, tokens, per-type sizes, "
        "annotation counts and verified share).",
    )


@check(
    "FORM-06",
    "form",
    "服务方式",
    "Service modes",
    "TC-7b; filing-practice §8 item 11",
)
def service_modes(facts: FilingFacts) -> Verdict | None:
    if "channels" not in facts.profile:
        return None
    channels = list(facts.profile.get("channels") or [])
    if not channels:
        return block(
            "服务资料没有服务方式（网页、App、小程序、API）",
            "The service profile names no service mode (web, app, mini-program, API)",
            "在服务资料中选择服务方式。",
            "Choose the service modes in the service profile.",
        )
    api_docs = facts.role("transparency.api_documentation")
    if "api" in channels and facts.value(api_docs) != "conform":
        return warn(
            f"提供 API，但 {api_docs}（接口说明文档公开服务信息）未答“符合”",
            f"An API is offered but {api_docs} (API documentation publishes the service "
            "information) is not answered 'conforms'",
            f"准备 API 说明文档（鉴权、流式/非流式、错误码）并在 {api_docs} 附上。",
            "Prepare the API documentation (authentication, streaming, errors) and attach it "
            f"under {api_docs}.",
            q(api_docs),
        )
    zh, en = _channel_names(channels)
    return ok(f"服务方式：{'、'.join(zh)}", f"Service modes: {', '.join(en)}")


def _channel_names(channels: list[str]) -> tuple[list[str], list[str]]:
    """The channels by their labels in both languages (网页、App), never their codes."""
    from django.utils import translation

    from providers.models import Channel

    names = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names[language] = [
                str(Channel(c).label) if c in Channel.values else c for c in channels
            ]
    return names["zh-hans"], names["en"]


@check(
    "FORM-07",
    "form",
    "签字人",
    "Signatories",
    "TC-9.1e; filing-practice §8 item 12",
)
def signatories(facts: FilingFacts) -> Verdict | None:
    if not facts.provider:
        return None
    rep = facts.provider.get("legal_representative") or ""
    lead = facts.provider.get("security_lead") or ""
    legality = facts.provider.get("legality_lead") or ""
    problems = Problems()
    if not rep:
        problems.block("缺少法定代表人", "the legal representative is missing")
    if not lead:
        problems.block(
            "缺少安全评估负责人（备案表封面、承诺页和评估报告均需签字）",
            "the assessment lead is missing (signs the form's cover, commitment and the report)",
        )
    if not legality:
        problems.warn("缺少合法性评估负责人", "the legality lead is missing")
    elif legality == rep:
        problems.warn(
            "合法性评估负责人与法定代表人为同一人，报告中需加以说明",
            "the legality lead is the legal representative; say so in the report",
        )
    signers = facts.role("assessment.signatures")
    signed = facts.value(signers)
    if isinstance(signed, int | float) and signed < 3:
        problems.warn(
            f"{signers}：仅 {signed} 人签字", f"{signers}: only {signed} signatures", q(signers)
        )
    return problems.verdict(
        f"法定代表人 {rep}、评估负责人 {lead}、合法性负责人 {legality}",
        f"Legal representative {rep}, assessment lead {lead}, legality lead {legality}",
        "在单位资料中填写三位签字人。",
        "Enter the three signatories in the provider profile.",
    )


# The layout role naming the filing-details questions the form and the report print (the
# registration materials are PKG-03's).
FILING_DETAILS = "checks.filing_details"


@check(
    "FORM-08",
    "form",
    "备案表和报告的申报信息",
    "Filing details for the form and the report",
    "filing-practice §2.1, §9.1 item 1",
)
def filing_details(facts: FilingFacts) -> Verdict | None:
    """Fields the documents would print as （待填写） although a question asks for them."""
    asked = [c for c in facts.layout.codes(FILING_DETAILS) if c in facts.applicable]
    if not asked:
        return None  # an older questionnaire version, or a route without the form
    missing = [c for c in asked if facts.answer(c) is None]
    if not missing:
        return ok(f"{len(asked)} 项申报信息均已填写", f"All {len(asked)} filing details are given")
    return warn(
        f"{len(missing)} 项申报信息未填写，备案表或报告中将显示（待填写）：{'、'.join(missing)}",
        f"{len(missing)} filing details are not given; the form or the report will read "
        f"（待填写）: {', '.join(missing)}",
        "在“备案材料信息”中补充这些问题的答案。",
        "Answer these questions under Filing details.",
        q(*missing),
    )
