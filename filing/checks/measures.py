"""Service agreement, annotation rules and labels: filing-practice §8 items 18–22."""

from __future__ import annotations

from filing.checks.base import Problems, Verdict, analysis_problems, check, ev, is_no, ok, q, warn
from filing.facts import FilingFacts
from library.layouts import row_codes

# Layout section: the clauses practitioners expect in the agreement, each with the questions
# that say whether it is there.
AGREEMENT_ROWS = "checks.agreement_clauses"


@check(
    "MEASURE-01",
    "measures",
    "服务协议条款",
    "Service agreement clauses",
    "TC-5.2b, TC-7b, TC-7c, TC-7e; filing-practice §8 item 18; §5 R18",
)
def agreement(facts: FilingFacts) -> Verdict | None:
    agreement = facts.role("documents.service_agreement")
    codes_in_rows = list(facts.layout.section_codes(AGREEMENT_ROWS))
    if not any(c in facts.applicable for c in (*codes_in_rows, agreement)):
        return None
    problems = Problems()
    if agreement in facts.applicable and not facts.files(agreement):
        problems.block(
            "未上传服务协议（附件2.1）",
            "the service agreement (annex 2.1) is missing",
            q(agreement),
        )
    for row in facts.layout.rows(AGREEMENT_ROWS):
        zh, en, cs = row["label_zh"], row["label_en"], row_codes(row)
        applicable = [c for c in cs if c in facts.applicable]
        if not applicable:
            continue
        values = {c: facts.value(c) for c in applicable}
        negative = [c for c, v in values.items() if is_no(v)]
        if negative:
            problems.block(f"协议缺少“{zh}”", f"the agreement lacks '{en}'", q(*negative))
        elif all(v is None for v in values.values()):
            problems.warn(f"“{zh}”尚未作答", f"'{en}' is not answered yet", q(*applicable))
    return problems.verdict(
        "服务协议覆盖实务要求的各项条款",
        "The agreement covers the clauses practitioners expect",
        "在服务协议中补齐所缺条款，并更新对应问题的答案和附件。",
        "Add the missing clauses to the agreement and update the answers and attachment.",
    )


@check(
    "MEASURE-02",
    "measures",
    "关闭训练使用的入口",
    "Training opt-out path",
    "TC-7c-1; filing-practice §8 item 20 (4 clicks UNCONFIRMED)",
)
def opt_out(facts: FilingFacts) -> Verdict | None:
    clicks = facts.value_of("privacy.opt_out_clicks")
    if not isinstance(clicks, int | float):
        return None
    if clicks > 4:
        return warn(
            f"关闭入口需 {clicks} 次点击，超过 4 次",
            f"The opt-out takes {clicks} clicks, more than 4",
            "把关闭选项放到设置的第一层，并截图说明路径。",
            "Move the opt-out to the first settings level and screenshot the path.",
            q(facts.role("privacy.opt_out_clicks")),
        )
    return ok(f"{clicks} 次点击可关闭", f"{clicks} clicks to opt out")


# Layout section: the annotation clauses checked one by one; `blocking` ones block when they do
# not conform, the others warn.
ANNOTATION_ROWS = "checks.annotation_clauses"


@check(
    "MEASURE-03",
    "measures",
    "语料标注规则（附件3）",
    "Annotation rules (annex 3)",
    "TC-5.3; filing-practice §8 item 21; §3.3",
)
def annotation(facts: FilingFacts) -> Verdict | None:
    involved = facts.value_of("scope.annotation")
    if involved is None:
        return None
    if involved is False:
        return ok(
            "不涉及数据标注：附件3 以“不涉及”并说明理由提交",
            "No annotation: annex 3 is delivered as 'not involved' with the reason",
            q(facts.role("scope.annotation")),
        )
    problems = Problems()
    rules = facts.role("documents.annotation_rules")
    if rules in facts.applicable and not facts.files(rules):
        problems.block(
            "未上传语料标注规则（附件3）", "annex 3 (annotation rules) is missing", q(rules)
        )
    for row in facts.layout.rows(ANNOTATION_ROWS):
        code, zh, en, binding = row["q"], row["label_zh"], row["label_en"], row["blocking"]
        if code not in facts.applicable:
            continue
        value = facts.value(code)
        if value is None:
            problems.warn(f"{code}（{zh}）未作答", f"{code} ({en}) unanswered", q(code))
        elif value == "not_conform":
            (problems.block if binding else problems.warn)(
                f"{code} 不符合：{zh}", f"{code} does not conform: {en}", q(code)
            )
    return problems.verdict(
        "标注规则齐全，安全规则覆盖 31 种风险",
        "Annotation rules complete; safety rules cover the 31 risks",
        "补充标注规则：功能性与安全性分开，安全规则逐一覆盖 31 种风险，写明岗位分离、培训和审核比例。",
        "Complete the rules: functional and safety rule sets, all 31 risks, role separation, "
        "training and review ratio.",
    )


LABEL_FAMILIES = {
    "png": "image",
    "jpeg": "image",
    "webp": "image",
    "mp3": "audio",
    "wav": "audio",
    "mp4": "video",
    "text": "text",
}
MODALITY_NAMES = {
    "image": ("图片", "image"),
    "audio": ("音频", "audio"),
    "video": ("视频", "video"),
    "text": ("文本", "text"),
}


@check(
    "MEASURE-04",
    "measures",
    "各输出模态的标识样例",
    "Label samples per output modality",
    "LBL; GB 45438; filing-practice §8 item 22; §5 R17",
)
def labels(facts: FilingFacts) -> Verdict | None:
    modalities = [m for m in facts.profile.get("modalities") or [] if m in MODALITY_NAMES]
    samples = facts.role("labels.samples")
    files = facts.files(samples)
    if not modalities or (samples not in facts.applicable and not files):
        return None
    problems = Problems()
    passing = set()
    for e in analysis_problems(files, problems):
        for f in e.figures.get("files") or []:
            if f.get("passed"):
                passing.add(LABEL_FAMILIES.get(str(f.get("format")), ""))
        problems.links.extend(ev([e]))
    for m in modalities:
        if m in passing:
            continue
        zh, en = MODALITY_NAMES[m]
        if m == "text":
            problems.warn("没有带显式标识的文本样例", f"no labelled {en} sample", q(samples))
        else:
            problems.block(
                f"输出{zh}，但没有通过核验的{zh}标识样例",
                f"{en} output without a {en} sample whose labels pass",
                q(samples),
            )
    return problems.verdict(
        f"{'、'.join(MODALITY_NAMES[m][0] for m in modalities)}均有合格的标识样例",
        f"Each output modality ({', '.join(modalities)}) has a sample with valid labels",
        "每种输出模态上传至少一个带显式标识和元数据隐式标识的样例文件。",
        "Upload at least one sample per output modality carrying the explicit and the "
        "metadata label.",
    )


# Mandatory duties that are not red lines of the questionnaire, but without which the reference
# gives no ground to file: real-identity verification (DS Art. 9 [T], "no information-publishing
# service to unverified users") and minors' protection (GAI Art. 10 [T]; TC260-003 §7 a) 3)–4)
# "应" [T]). A "no" or "does not conform" blocks; unanswered or N/A is flagged. The questions
# of each duty are a layout role.
DUTY_CHECKS = {
    "real_name": (
        "checks.real_name",
        "用户真实身份信息认证",
        "real-identity verification of users",
    ),
    "minors": ("checks.minors", "未成年人保护措施", "protection of minors"),
}


def _duty(facts: FilingFacts, key: str) -> Verdict | None:
    role, zh, en = DUTY_CHECKS[key]
    codes = facts.layout.codes(role)
    applicable = [c for c in codes if c in facts.applicable]
    if not applicable:
        return None
    problems = Problems()
    for code in applicable:
        value = facts.value(code)
        if is_no(value):
            problems.block(f"{code}：{zh}未落实", f"{code}: {en} is not in place", q(code))
        elif value is None:
            problems.warn(f"{code}（{zh}）未作答", f"{code} ({en}) is not answered", q(code))
        elif value == "na":
            problems.warn(
                f"{code} 答“不适用”，须由审核员确认理由",
                f"{code} is answered 'not applicable'; a reviewer must accept the reason",
                q(code),
            )
    return problems.verdict(
        f"{zh}已落实",
        f"{en.capitalize()} is in place",
        f"落实{zh}并更新答案和证据后再提交备案。",
        f"Put {en} in place and update the answer and evidence before filing.",
    )


@check(
    "MEASURE-05",
    "measures",
    "用户真实身份信息认证",
    "Real-identity verification",
    "DS-9; POSA-5.2",
)
def real_name(facts: FilingFacts) -> Verdict | None:
    return _duty(facts, "real_name")


@check(
    "MEASURE-06",
    "measures",
    "未成年人保护",
    "Protection of minors",
    "GAI-10.3; TC-7a-3; TC-7a-4; ALG-18",
)
def minors(facts: FilingFacts) -> Verdict | None:
    return _duty(facts, "minors")
