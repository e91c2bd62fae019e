"""Validating an implicit-label value: GB 45438 Appendix E JSON and the provider code.

Accepts the wrapped form {"AIGC": {...}} and the bare 7-key object; which one is normative
per container is UNCONFIRMED (reference §5.4), so both pass and the form is reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from providers.codes import CodeError, normalise_uscc, validate_provider_code, validate_uscc

KEYS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
# Tencent Cloud's documentation treats these three as mandatory; the rest may be empty.
REQUIRED_KEYS = ("Label", "ContentProducer", "ProduceID")
LABEL_VALUES = {"1", "2", "3"}
MAX_PAYLOAD_CHARS = 64 * 1024


def allowed_char(ch: str) -> bool:
    """0x21, 0x23-0x5B, 0x5D-0x7E, plus '"' which JSON can only hold escaped (\\")."""
    return 0x21 <= ord(ch) <= 0x7E and ch != "\\"


@dataclass
class PayloadReport:
    form: str | None = None  # "wrapped" | "bare" | None (unparseable)
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (code, zh, en)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    producer_code_valid: bool | None = None
    producer_matches: bool | None = None

    @property
    def valid(self) -> bool:
        return self.form is not None and not self.problems

    def problem(self, code: str, zh: str, en: str) -> None:
        self.problems.append((code, zh, en))


def check_payload(raw: str, expected_uscc: str | None) -> PayloadReport:
    report = PayloadReport()
    data = _parse(raw, report)
    if data is None:
        return report
    _check_keys(data, report)
    _check_producer(data.get("ContentProducer"), expected_uscc, report)
    return report


def _parse(raw: str, report: PayloadReport) -> dict[str, Any] | None:
    text = raw.strip().strip("\x00")
    if len(text) > MAX_PAYLOAD_CHARS:
        report.problem("payload_too_long", "标识内容过长。", "the label value is too long.")
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        report.problem(
            "not_json", "标识内容不是合法的 JSON。", "the label value is not valid JSON."
        )
        return None
    if isinstance(data, str):
        report.problem(
            "json_in_string",
            "标识内容是被再次编码成字符串的 JSON。",
            "the label value is JSON encoded twice (a JSON string holding JSON).",
        )
        return None
    if not isinstance(data, dict):
        report.problem(
            "not_object", "标识内容不是 JSON 对象。", "the label value is not a JSON object."
        )
        return None
    if set(data) == {"AIGC"} and isinstance(data["AIGC"], dict):
        inner = data["AIGC"]
        if set(inner) == {"AIGC"}:
            report.problem(
                "double_wrapped",
                "AIGC 对象被包装了两次。",
                'the object is wrapped twice ({"AIGC": {"AIGC": …}}).',
            )
            return None
        report.form = "wrapped"
        return inner
    if "AIGC" in data:
        report.problem(
            "bad_wrapper",
            "AIGC 对象的结构不正确。",
            'the "AIGC" wrapper is malformed (it must be the only key and hold an object).',
        )
        return None
    report.form = "bare"
    return data


def _check_keys(data: dict[str, Any], report: PayloadReport) -> None:
    for key in KEYS:
        if key not in data:
            if key in REQUIRED_KEYS:
                report.problem(
                    "missing_key", f"缺少必填字段 {key}。", f"the mandatory key {key} is missing."
                )
            else:
                report.notes.append(
                    (
                        "missing_optional_key",
                        f"缺少字段 {key}（是否可省略尚未确认）。",
                        f"the key {key} is missing (whether it may be left out is unconfirmed).",
                    )
                )
    extra = sorted(set(data) - set(KEYS))
    if extra:
        report.notes.append(
            (
                "extra_keys",
                f"存在标准以外的字段：{', '.join(extra)}。",
                f"keys outside the standard: {', '.join(extra)}.",
            )
        )
    for key in KEYS:
        value = data.get(key)
        if key not in data:
            continue
        if not isinstance(value, str):
            report.problem(
                "not_string",
                f"字段 {key} 的值必须是字符串。",
                f"the value of {key} must be a string.",
            )
            continue
        report.fields[key] = value
        if key in REQUIRED_KEYS and not value:
            report.problem(
                "empty_value", f"必填字段 {key} 为空。", f"the mandatory key {key} is empty."
            )
        bad = next((ch for ch in value if not allowed_char(ch)), None)
        if bad is not None:
            report.problem(
                "charset",
                f"字段 {key} 含有不允许的字符 {bad!r}（只允许 0x21、0x23–0x5B、0x5D–0x7E）。",
                f"the value of {key} holds the character {bad!r}, outside 0x21, 0x23-0x5B, 0x5D-0x7E.",
            )
    label = data.get("Label")
    if isinstance(label, str) and label and label not in LABEL_VALUES:
        report.problem(
            "label_value",
            f"Label 的值“{label}”无效（应为 1、2 或 3）。",
            f"Label is '{label}'; it must be 1, 2 or 3.",
        )


_CODE_MESSAGES = {
    "length": ("服务提供者编码应为 27 位。", "a provider code has 27 characters."),
    "charset": (
        "服务提供者编码只能包含数字和大写字母。",
        "a provider code holds only digits and upper-case letters.",
    ),
    "format": (
        "服务提供者编码应以格式代码 00 开头。",
        "a provider code starts with the format code 00.",
    ),
    "subject": (
        "第 3、4 位应为 11（以统一社会信用代码绑定的组织）。",
        "characters 3-4 must be 11 (an organisation bound by its credit code).",
    ),
    "service_type": (
        "第 23 位服务类型应为 1 或 2。",
        "character 23, the service type, must be 1 or 2.",
    ),
    "check_character": (
        "内嵌的统一社会信用代码校验位错误。",
        "the embedded credit code has a wrong check character.",
    ),
    "forbidden_letter": (
        "内嵌的统一社会信用代码含有 I、O、Z、S、V。",
        "the embedded credit code holds one of I, O, Z, S, V.",
    ),
    "division": (
        "内嵌的统一社会信用代码第 3–8 位不是行政区划代码。",
        "characters 3-8 of the embedded credit code are not a division code.",
    ),
}


def _check_producer(value: Any, expected_uscc: str | None, report: PayloadReport) -> None:
    if not isinstance(value, str) or not value:
        return
    try:
        code = validate_provider_code(value)
    except CodeError as exc:
        report.producer_code_valid = False
        reason = exc.code
        if reason == "embedded_uscc":
            reason = _embedded_reason(value)
        zh, en = _CODE_MESSAGES.get(
            reason, ("服务提供者编码无效。", "the provider code is invalid.")
        )
        report.problem(
            "producer_code",
            f"ContentProducer“{value}”不是有效的服务提供者编码：{zh}",
            f"ContentProducer '{value}' is not a valid provider code: {en}",
        )
        return
    report.producer_code_valid = True
    if expected_uscc:
        embedded = code[4:22]
        report.producer_matches = embedded == normalise_uscc(expected_uscc)
        if not report.producer_matches:
            report.problem(
                "producer_mismatch",
                f"ContentProducer 中的统一社会信用代码 {embedded} 与本服务提供者不一致。",
                f"ContentProducer holds the credit code {embedded}, not this provider's.",
            )


def _embedded_reason(value: str) -> str:
    try:
        validate_uscc(value.strip().upper()[4:22])
    except CodeError as exc:
        return exc.code
    return "embedded_uscc"
