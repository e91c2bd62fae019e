"""The results of an assessment as the page and (later) the dossier show them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from assessments import charts
from assessments.models import Assessment
from assessments.scoring import (
    CONCLUSION_LABELS,
    RED_LINE_LABELS,
    VERDICT_LABELS,
    ScoreResult,
)
from library.catalogue import Catalogue
from library.i18n import text_language

_lang = text_language


def label_of(labels: dict, value) -> str:
    if value is None:
        return ""
    zh, en = labels[value]
    return en if _lang() == "en" else zh


@dataclass
class Results:
    score: ScoreResult
    reviewed: ScoreResult | None
    verdict: str
    conclusion: str
    radar: SafeString
    radar_text: str
    red_lines_chart: SafeString
    red_lines_text: str
    red_lines: list[dict]
    open_items: list[dict]


def results_for(assessment: Assessment, catalogue: Catalogue) -> Results | None:
    if not assessment.self_score:
        return None
    score = ScoreResult.from_json(assessment.self_score)
    reviewed = (
        ScoreResult.from_json(assessment.reviewed_score) if assessment.reviewed_score else None
    )
    lang = _lang()
    questions = catalogue.by_code
    red_lines = [
        {
            "question": questions.get(r.code),
            "status": r.status,
            "label": label_of(RED_LINE_LABELS, r.status),
        }
        for r in score.red_lines
    ]
    open_items = [
        {"question": questions.get(o.code), "reason": o.reason, "red_line": o.red_line}
        for o in score.open_items
    ]
    return Results(
        score=score,
        reviewed=reviewed,
        verdict=label_of(VERDICT_LABELS, score.verdict),
        conclusion=label_of(CONCLUSION_LABELS, score.conclusion),
        # The SVG is built by our own code from escaped text (charts._esc), so it is safe.
        radar=mark_safe(charts.domain_chart_svg(score, lang=lang)),
        radar_text=charts.domain_chart_text(score, lang=lang),
        red_lines_chart=mark_safe(charts.red_line_chart_svg(score, lang=lang)),
        red_lines_text=charts.red_line_chart_text(score, lang=lang),
        red_lines=red_lines,
        open_items=open_items,
    )
