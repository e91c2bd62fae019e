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
