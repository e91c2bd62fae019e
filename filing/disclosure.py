"""The algorithm's public disclosure text (拟公示内容, filing-practice §4.4): drafted from the
service profile and the answers, edited by the provider, checked before it is published.

The CAC publishes this text (and the one sentence of 主要用途) in its filing lists, so nothing
in it may identify a person or open a system: secrets and personal data are refused on save,
absolute wording and over-long fields are warned about. By §4.5 the algorithm name must be the
same in every algorithm-filing document; the documents take it from here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.urls import reverse

from audit.models import Action
from audit.services import record
from filing import lint
from filing.checks.form import form_functions
from filing.facts import DISCLOSURE_FIELDS, FilingFacts
from filing.models import Disclosure
from library.i18n import text_language
from providers.models import AIService

FIELDS = DISCLOSURE_FIELDS
REQUIRED = FIELDS[:5]  # 算法公示情况 is optional (选填)
LABELS = {
    "algorithm_name": ("算法名称", "Algorithm name"),
    "principle": ("算法基本原理", "Basic principle"),
    "mechanism": ("算法运行机制", "Operating mechanism"),
    "scenarios": ("算法应用场景", "Application scenarios"),
    "purpose": ("算法目的意图", "Purpose and intent"),
    "publicity": ("算法公示情况（选填）", "Publicity (optional)"),
}
# The portal's own limits, not the filing system's (which publishes none): they keep the
# 拟公示内容 to the one page it is, and 目的意图 to the one sentence the CAC list prints.
LIMITS = {
    "algorithm_name": 50,
    "principle": 400,
    "mechanism": 500,
    "scenarios": 300,
    "purpose": 120,
    "publicity": 300,
}
TODO = "（待填写）"


# --- drafting -------------------------------------------------------------------------------

OUTPUTS = {
    "text": "文本",
    "image": "图片",
    "audio": "音频",
    "video": "视频",
    "code": "代码",
    "virtual_scene": "虚拟场景",
}
MODEL_KINDS = {
    "text": "大语言模型",
    "image": "图像生成模型",
    "audio": "语音合成模型",
    "video": "视频生成模型",
    "code": "代码生成模型",
    "virtual_scene": "虚拟场景生成模型",
}
CHANNELS = {
    "web": "网站",
    "app": "移动应用程序",
    "mini_program": "小程序",
    "api": "应用程序编程接口（API）",
}
AUDIENCES = {"public_cn": "境内公众用户", "enterprise_cn": "境内企业用户"}


def _joined(values, names: Mapping[str, str]) -> str:
    return "、".join(names[v] for v in values if v in names)


def outputs(facts: FilingFacts) -> str:
    return _joined(facts.profile.get("modalities") or [], OUTPUTS)


def channels(facts: FilingFacts) -> str:
    return _joined(facts.profile.get("channels") or [], CHANNELS)


def restricted_domain(facts: FilingFacts) -> str:
    """The restricted domain as the domain question's note names it, "" for a general
    service."""
    answer = facts.answer(facts.role("scope.domain"))
    if answer is None or answer.value != "restricted":
        return ""
    return answer.note.strip().rstrip("。")


def model_basis(facts: FilingFacts) -> str:
    """Which model the algorithm runs on, as the profile and the model-source answer say."""
    s, p = facts.service, facts.provider
    kinds = _joined(facts.profile.get("modalities") or [], MODEL_KINDS) or "生成式模型"
    base = s.get("foundation_model_name") or ""
    number = s.get("foundation_model_filing_number") or ""
    filed = f"（备案号 {number}）" if number else ""
    source = facts.value_of("scope.model_source") or facts.profile.get("foundation_model_source")
    if source == "fine_tuned" and base:
        return f"以基础模型“{base}”{filed}为基础，由{p.get('name_zh') or '本单位'}使用自有数据进一步训练形成的{kinds}"
    if source in ("call_filed_only", "third_party") and base:
        return f"通过接口调用的已备案基础模型“{base}”{filed}"
    return f"{p.get('name_zh') or '本单位'}自主研发的{kinds}"


def _filtering(facts: FilingFacts) -> str:
    if facts.value_of("measures.content_filter") is True:
        return "采用拦截关键词库、分类模型和人工复核相结合的方式"
    return TODO


def _labelling(facts: FilingFacts) -> str:
    marks = [
        row["label"]
        for row in facts.layout.rows("algorithm.report.flow_labels")
        if facts.value(row["q"]) is True
    ]
    return f"并添加{'和'.join(marks)}" if marks else ""


def draft(facts: FilingFacts) -> dict[str, str]:
    """The portal's draft of every field, from the service profile and the answers. Parts the
    portal holds nothing for read （待填写）, which `findings` points out."""
    s = facts.service
    out = outputs(facts) or TODO
    functions = "、".join(zh for zh, _en in form_functions(facts))
    domain = restricted_domain(facts)
    scene = f"{domain}领域的{functions or '内容生成'}" if domain else (functions or TODO)

    principle = (
        f"本算法基于{model_basis(facts)}。模型采用深度学习方法，在大规模训练数据上学习"
        f"{out}的内在规律和表达方式，根据用户输入的指令及上下文，生成与之相应的{out}内容。"
    )
    mechanism = (
        f"用户通过{channels(facts) or TODO}输入文本等指令；系统先对输入信息进行安全检测"
        f"（{_filtering(facts)}），拦截违法不良信息；通过检测的输入由模型处理并生成{out}；"
        f"生成内容经输出安全检测{_labelling(facts)}后返回用户。"
    )
    if facts.value_of("incidents.input_detection") == "conform":
        mechanism += (
            "对连续或多次输入违法不良信息的用户，依法依约采取警示、限制功能、暂停服务等处置。"
        )
    audience = AUDIENCES.get(facts.profile.get("audience"), TODO)
    scenarios = f"面向{audience}，通过{channels(facts) or TODO}提供{scene}服务。"
    if description := (s.get("description") or "").strip():
        scenarios += description if description.endswith("。") else description + "。"
    purpose = f"应用于{scene}场景，根据用户输入的文本等指令，生成{out}。"
    return {
        "algorithm_name": (s.get("name") or "").strip(),
        "principle": principle,
        "mechanism": mechanism,
        "scenarios": scenarios,
        "purpose": purpose,
        "publicity": _publicity(facts),
    }


def _publicity(facts: FilingFacts) -> str:
    """Where the answers say the principle, purpose and mechanism are shown; an API has no
    "prominent place", its documentation is where (TC260-003 7 b) 3))."""
    if facts.value_of("transparency.algorithm_disclosed") is not True:
        return ""
    used = facts.profile.get("channels") or []
    places = []
    if screens := _joined([c for c in used if c != "api"], CHANNELS):
        places.append(f"{screens}的显著位置")
    if "api" in used:
        places.append("接口说明文档中")
    where = "和".join(places) or "服务的显著位置"
    return f"已在{where}公示本算法的基本原理、目的意图和主要运行机制。"


def text_of(facts: FilingFacts) -> dict[str, str]:
    """What the documents print: the saved text, else the draft."""
    return dict(facts.disclosure) if facts.disclosure is not None else draft(facts)


# --- findings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    field: str
    kind: str  # mobile, id_number, bank_card, email, landline, secret, absolute, too_long,
    # placeholder, purpose_form, empty, name_mismatch
    excerpt: str  # the matched text, masked: never a whole number, address or secret
    message_zh: str
    message_en: str

    @property
    def refuses_save(self) -> bool:
        """Secrets and personal data are never saved into a text the regulator publishes."""
        return self.kind in PERSONAL or self.kind == "secret"

    @property
    def message(self) -> str:
        return self.message_en if text_language() == "en" else self.message_zh

    @property
    def label(self) -> str:
        zh, en = LABELS[self.field]
        return en if text_language() == "en" else zh


# kind: (zh, en) names of the personal data found
PERSONAL = {
    "mobile": ("手机号码", "mobile number"),
    "id_number": ("居民身份证号码", "resident ID number"),
    "bank_card": ("银行卡号", "bank card number"),
    "email": ("电子邮箱地址", "e-mail address"),
}

_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Numbers must stand alone: a digit or Latin letter beside them makes them part of a code (a
# credit code, a filing number, a key), not a card or a phone number.
_CARD_RE = re.compile(
    r"(?<![0-9A-Za-z-])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{4}(?:[ -]?\d{1,3})?(?![0-9A-Za-z-])"
)
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
_LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)\s?|（0\d{2,3}）|0\d{2,3}[ -])\d{7,8}(?!\d)")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    """GB 11643-1999 check character of a resident ID number (ISO 7064 MOD 11-2)."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def _birth_date(number: str) -> bool:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= dt.date.today().year


def is_resident_id(number: str) -> bool:
    number = number.upper()
    return (
        len(number) == 18
        and number[:17].isdigit()
        and _birth_date(number)
        and id_check_character(number[:17]) == number[17]
    )


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _masked(kind: str, text: str) -> str:
    if kind == "email":
        local, _at, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    d = text if kind == "id_number" else _digits(text)
    keep = {"mobile": (3, 4), "id_number": (3, 2), "bank_card": (4, 4), "landline": (3, 2)}
    head, tail = keep[kind]
    d = d[-11:] if kind == "mobile" else d  # drop a +86 prefix
    return d[:head] + "*" * max(3, len(d) - head - tail) + d[len(d) - tail :]


def personal_data(text: str) -> Iterator[tuple[str, str]]:
    """(kind, masked text) of personal data in `text`. A number taken by one kind is not
    reported again as another (an ID number holds what looks like a mobile number). Full-width
    digits and dashes count: NFKC first."""
    text = unicodedata.normalize("NFKC", text)
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return not any(m.start() < end and start < m.end() for start, end in taken)

    for m in _ID_RE.finditer(text):
        if is_resident_id(m.group(0)):
            taken.append(m.span())
            yield "id_number", _masked("id_number", m.group(0))
    for m in _CARD_RE.finditer(text):
        digits = _digits(m.group(0))
        # An ID-shaped number with a wrong check character is neither an ID nor a card.
        id_shaped = len(digits) == 18 and _birth_date(digits)
        if free(m) and not id_shaped and luhn_ok(digits):
            taken.append(m.span())
            yield "bank_card", _masked("bank_card", m.group(0))
    for kind, pattern in (("mobile", _MOBILE_RE), ("landline", _LANDLINE_RE)):
        for m in pattern.finditer(text):
            if free(m):
                taken.append(m.span())
                yield kind, _masked(kind, m.group(0))
    for m in _EMAIL_RE.finditer(text):
        yield "email", _masked("email", m.group(0))


def same_but_for_width(a: str, b: str) -> bool:
    """Different strings that read the same: full/half width, spaces or case apart."""

    def normal(name: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()

    return a != b and normal(a) == normal(b)


def name_finding(name: str, service_name: str) -> Finding | None:
    """§4.5: one algorithm name in every document, and the portal's system fields and package
    use the service name."""
    name, service_name = name.strip(), service_name.strip()
    if not name or not service_name or name == service_name:
        return None
    near = same_but_for_width(name, service_name)
    how_zh = "仅全角/半角、空格或大小写不同" if near else "不同"
    how_en = "differs only in width, spaces or case" if near else "differs"
    return Finding(
        "algorithm_name",
        "name_mismatch",
        name,
        f"算法名称“{name}”与服务名称“{service_name}”{how_zh}：备案系统、拟公示内容和"
        "自评估报告须使用同一名称",
        f"The algorithm name “{name}” {how_en} from the service name “{service_name}”: "
        "the filing system, the disclosure and the report must use one name",
    )


def field_findings(name: str, text: str) -> Iterator[Finding]:
    label_zh, label_en = LABELS[name]
    text = text or ""
    if not text.strip():
        if name in REQUIRED:
            yield Finding(name, "empty", "", f"{label_zh}未填写", f"{label_en} is empty")
        return
    for kind, masked in personal_data(text):
        if kind == "landline":
            yield Finding(
                name,
                kind,
                masked,
                f"{label_zh}中有电话号码 {masked}：如为个人电话请删除，单位客服热线可保留",
                f"{label_en} holds the phone number {masked}: remove it if it is a person's; "
                "a company hotline may stay",
            )
            continue
        zh, en = PERSONAL[kind]
        yield Finding(
            name,
            kind,
            masked,
            f"请删除{label_zh}中的{zh} {masked}：拟公示内容将向社会公开，不得含有个人信息",
            f"Remove the {en} {masked} from {label_en}: the text is published and must not "
            "hold personal data",
        )
    for hit in lint.secrets(text):
        yield Finding(
            name,
            "secret",
            hit.excerpt,
            f"请删除{label_zh}中的密钥或口令（{hit.kind}）{hit.excerpt}，并立即更换该密钥",
            f"Remove the secret ({hit.kind}) {hit.excerpt} from {label_en} and rotate it now",
        )
    terms = sorted({hit.kind for hit in lint.absolute_terms(text)})
    if terms:
        quoted = "、".join(f"“{t}”" for t in terms)
        yield Finding(
            name,
            "absolute",
            "、".join(terms),
            f"{label_zh}使用了绝对化或夸大的表述 {quoted}，审核中常被要求修改",
            f"{label_en} uses absolute or boastful wording ({', '.join(terms)}), which "
            "reviewers send back",
        )
    if TODO in text:
        yield Finding(
            name,
            "placeholder",
            TODO,
            f"{label_zh}中仍有“{TODO}”：门户缺少这部分信息，请补写",
            f"{label_en} still holds “{TODO}”: the portal lacks this part, write it in",
        )
    length = len(text.strip())
    if length > LIMITS[name]:
        yield Finding(
            name,
            "too_long",
            str(length),
            f"{label_zh}共 {length} 字，超过建议的 {LIMITS[name]} 字（拟公示内容以一页为宜）",
            f"{label_en} has {length} characters, over the suggested {LIMITS[name]} "
            "(the text should fit one page)",
        )
    if name == "purpose" and not ("应用于" in text and "生成" in text):
        yield Finding(
            name,
            "purpose_form",
            "",
            "目的意图宜写成一句“应用于…场景，根据…，生成…”（网信办公示名单的“主要用途”）",
            "Write the purpose as the one sentence “应用于…场景，根据…，生成…” that the CAC "
            "list prints as its main use",
        )


def findings(fields: Mapping[str, str], *, service_name: str | None = None) -> list[Finding]:
    """Every problem of the text, field by field in form order. With `service_name`, an
    algorithm name that differs from it is one (§4.5: one name in every document)."""
    out = [f for name in FIELDS for f in field_findings(name, fields.get(name) or "")]
    if service_name and (
        mismatch := name_finding(fields.get("algorithm_name") or "", service_name)
    ):
        out.append(mismatch)
    return out


def refusals(fields: Mapping[str, str]) -> dict[str, list[str]]:
    """field -> messages of the findings that stop a save (secrets, personal data)."""
    out: dict[str, list[str]] = {}
    for f in findings(fields):
        if f.refuses_save:
            out.setdefault(f.field, []).append(f.message)
    return out


# --- the saved text -------------------------------------------------------------------------


@dataclass(frozen=True)
class Current:
    """The text a page shows: the saved one, or the portal's draft when nothing is saved."""

    fields: dict[str, str]
    saved: Disclosure | None

    @property
    def revision(self) -> int:
        return self.saved.revision if self.saved is not None else 0

    @property
    def is_saved(self) -> bool:
        return self.saved is not None


def saved_of(service) -> Disclosure | None:
    """The service's Disclosure or None, from the row select_related put there if any."""
    try:
        return service.disclosure
    except ObjectDoesNotExist:
        return None


def current(service, facts: FilingFacts) -> Current:
    """The service's saved text, or the draft while nothing is saved."""
    return as_current(saved_of(service), facts)


def as_current(saved: Disclosure | None, facts: FilingFacts) -> Current:
    if saved is None:
        return Current(draft(facts), None)
    return Current({name: getattr(saved, name) for name in FIELDS}, saved)


def card_context(assessment, facts: FilingFacts) -> dict:
    """What templates/filing/_disclosure_card.html reads as `disclosure_card`. No query."""
    text = text_of(facts)
    found = findings(text, service_name=facts.service.get("name"))
    if facts.disclosure is not None:
        status = "saved"
    elif any(TODO in text[name] or not text[name] for name in REQUIRED):
        status = "not_written"  # the portal lacks facts for a full draft
    else:
        status = "drafted"
    return {
        "status": status,
        "applies": "algorithm_filing" in facts.routes,
        "algorithm_name": text["algorithm_name"],
        "findings": len(found),
        "refused": sum(1 for f in found if f.refuses_save),
        "url": reverse("filing:disclosure", kwargs={"assessment": assessment.public_id}),
    }


class Conflict(Exception):
    """Someone saved the text after the user loaded it; `saved` is their version."""

    def __init__(self, saved):
        super().__init__("the disclosure text was changed in the meantime")
        self.saved = saved


@transaction.atomic
def disclosure_save(
    *, service: AIService, fields: Mapping[str, str], revision: int, user, assessment=None
) -> Disclosure:
    """Store the text if `revision` is still the saved one (0: none saved yet); refuse secrets
    and personal data whatever the caller checked. Returns the Disclosure, unchanged (and not
    audited) when the text is the same."""
    refused = refusals(fields)
    if refused:
        raise ValidationError(refused)
    # Lock the service row, not the disclosure: two first saves would otherwise both find no
    # row to lock and race to insert.
    AIService.objects.select_for_update().filter(pk=service.pk).first()
    saved = Disclosure.objects.filter(service=service).first()
    if (saved.revision if saved else 0) != revision:
        raise Conflict(saved)
    text = {name: (fields.get(name) or "").strip() for name in FIELDS}
    before = {name: getattr(saved, name) for name in FIELDS} if saved else None
    if before == text:
        return saved
    if saved is None:
        saved = Disclosure(service=service, revision=1)
    else:
        saved.revision += 1
    for name, value in text.items():
        setattr(saved, name, value)
    saved.updated_by = user
    saved.full_clean()
    saved.save()
    changed = [n for n in FIELDS if before is None or before[n] != text[n]]
    record(
        Action.DISCLOSURE_CHANGED,
        actor=user,
        obj=saved,
        assessment=assessment,
        provider=service.provider,
        summary=saved.algorithm_name,
        before={n: before[n] for n in changed} if before else None,
        after={n: text[n] for n in changed},
    )
    return saved


__all__ = [
    "FIELDS",
    "Conflict",
    "Current",
    "Finding",
    "card_context",
    "current",
    "disclosure_save",
    "draft",
    "findings",
    "personal_data",
    "text_of",
]
