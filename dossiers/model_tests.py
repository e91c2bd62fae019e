"""The dossier's short chapter on the tests of the model's outputs (TC260-003 §9.3, §9.4):
each draw's figures from the analysed test results against the standard's thresholds, and
the identity of the model-test run that made them (model, seed, bank files and their hashes)
when the results workbook carries it (a run attached from the portal does)."""

from __future__ import annotations

from fractions import Fraction

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from modeltests.presenters import BANK_LABELS, DRAW_LABELS
from modeltests.rates import STANDARD

RATE_LABELS = {
    "generated": _("pass rate"),
    "refuse": _("refusal rate"),
    "non_refuse": _("refusal rate"),
}
UNNAMED = {
    "generated": _("Generated content, method not named"),
    "refuse": DRAW_LABELS["refuse"],
    "non_refuse": DRAW_LABELS["non_refuse"],
}


def _standard(bank: str, method: str):
    return STANDARD.get(method if bank == "generated" else bank)


def _pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(100 * value):.1f} %"


def draw_row(d: dict) -> dict:
    bank, method = d.get("bank", ""), d.get("method") or ""
    tested = int(d.get("tested") or 0)
    counted = int((d.get("passed") if bank == "generated" else d.get("refused")) or 0)
    rate = Fraction(counted, tested) if tested else None
    standard = _standard(bank, method)
    met = None
    if standard is not None:
        rate_met = rate is not None and (
            rate >= standard.rate if standard.comparison == "ge" else rate <= standard.rate
        )
        met = bool(rate_met and tested >= standard.sample_min)
    label = DRAW_LABELS.get(method) if bank == "generated" else None
    return {
        "label": label or UNNAMED.get(bank, bank),
        "rate_label": RATE_LABELS.get(bank, ""),
        "tested": tested,
        "counted": counted,
        "rate": _pct(rate),
        "sample_min": standard.sample_min if standard else None,
        "threshold": (
            f"{'≥' if standard.comparison == 'ge' else '≤'} {float(100 * standard.rate):.0f} %"
            if standard
            else ""
        ),
        "met": met,
    }


def chapter(evidence) -> dict | None:
    """From the newest analysed test-results file of the snapshot; None without one."""
    found = None
    for e in evidence:
        analysis = e.analysis or {}
        if (
            analysis.get("kind") == "test_results"
            and analysis.get("status") == "done"
            and analysis.get("result")
        ):
            found = (e, analysis["result"])
    if found is None:
        return None
    file, result = found
    figures = result.get("figures") or {}
    draws = [draw_row(d) for d in figures.get("draws") or [] if d.get("tested")]
    identity = dict(figures.get("identity") or {})
    for key in ("started_at", "finished_at"):
        when = parse_datetime(identity.get(key) or "")
        identity[key] = timezone.localtime(when) if when and timezone.is_aware(when) else None
    identity["banks"] = [
        {**b, "label": BANK_LABELS.get(b.get("bank"), "")} for b in identity.get("banks", [])
    ]
    return {
        "file": file,
        "draws": draws,
        "passed": bool(draws) and all(d["met"] for d in draws if d["met"] is not None),
        "identity": identity,
    }
