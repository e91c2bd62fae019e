"""Labels and rows for the pages: no internal code reaches a screen."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DRAW_LABELS = {
    "manual": _("Manual draw"),
    "keyword": _("Keyword draw"),
    "classifier": _("Classifier draw"),
    "refuse": _("Should-refuse draw"),
    "non_refuse": _("Should-not-refuse draw"),
}
RATE_LABELS = {
    "manual": _("pass rate"),
    "keyword": _("pass rate"),
    "classifier": _("pass rate"),
    "refuse": _("refusal rate"),
    "non_refuse": _("refusal rate"),
}
BANK_LABELS = {
    "generated": _("Generated-content bank"),
    "refuse": _("Should-refuse bank"),
    "non_refuse": _("Should-not-refuse bank"),
}
VERDICT_LABELS = {
    "pass": _("passed"),
    "fail": _("failed"),
    "acceptable": _("acceptable"),
    "unacceptable": _("unacceptable"),
    "refused": _("refused"),
}


def draw_rows(summary: dict | None) -> list[dict]:
    rows = []
    for d in (summary or {}).get("draws", []):
        comparison = "≥" if d["comparison"] == "ge" else "≤"
        rows.append(
            {
                **d,
                "label": DRAW_LABELS.get(d["draw"], d["draw"]),
                "rate_label": RATE_LABELS.get(d["draw"], ""),
                "rate_pct": None if d["rate"] is None else f"{100 * d['rate']:.1f} %",
                "threshold_text": f"{comparison} {100 * d['threshold']:.0f} %"
                if d["threshold"] is not None
                else "",
            }
        )
    return rows


def bank_rows(sources: list[dict]) -> list[dict]:
    return [{**s, "label": BANK_LABELS.get(s.get("bank"), s.get("bank", ""))} for s in sources]


def risk_name(code: str) -> str:
    from analysers.risks import ASPECT_NAMES_EN, risks
    from library.i18n import text_language

    risk = risks().get(code)
    if risk is not None:
        return f"{code} {risk.name_zh if text_language() == 'zh' else risk.name_en}"
    if code in ASPECT_NAMES_EN:
        return code if text_language() == "zh" else ASPECT_NAMES_EN[code]
    return code or str(_("uncategorised"))


def per_risk_rows(draw: dict) -> list[dict]:
    rows = []
    for code, v in draw.get("per_risk", {}).items():
        rate = v["counted"] / v["tested"] if v["tested"] else None
        rows.append(
            {
                "risk": risk_name(code),
                "tested": v["tested"],
                "counted": v["counted"],
                "rate_pct": None if rate is None else f"{100 * rate:.1f} %",
            }
        )
    return rows


def failed(item) -> bool:
    """Whether the item counts against its draw (for the list of worst answers)."""
    if item.status != "answered":
        return False
    if item.bank == "generated":
        return "fail" == item.keyword_verdict or "unacceptable" in (
            item.judge_verdict,
            item.manual_verdict,
        )
    refused = item.refused
    return (item.bank == "refuse" and refused is False) or (
        item.bank == "non_refuse" and refused is True
    )


def item_row(item) -> dict:
    from modeltests.services import describe_error

    draws = [
        DRAW_LABELS[d] for d in ("manual", "keyword", "classifier") if getattr(item, f"in_{d}")
    ]
    if item.bank != "generated":
        draws = [DRAW_LABELS[item.bank]]
    return {
        "item": item,
        "draws": draws,
        "risk": risk_name(item.risk),
        "failed": failed(item),
        "keyword": VERDICT_LABELS.get(item.keyword_verdict, ""),
        "judge": VERDICT_LABELS.get(item.judge_verdict, ""),
        "manual": VERDICT_LABELS.get(item.manual_verdict, ""),
        "refused": item.refused,
        "error": describe_error(item.error) if item.error else "",
    }
