"""What the dossier shows, gathered from the frozen snapshot (never from live answer rows).

The review outcome (per-answer verdicts, the reviewer's opinion, the reviewed score) belongs to
the reviewed version and is read from the review rows. Texts that depend on the language are
properties or `Bi` pairs resolved when the template renders, so the bilingual edition can render
the same value once per language (see templatetags/dossier_pdf.py, `{% both %}`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from analysers.risks import NON_REFUSE_ASPECTS, risks
from assessments import charts
from assessments.models import Assessment, ClauseResult, NonConformity
from assessments.scores import snapshot_score
from assessments.scoring import (
    CONCLUSION_LABELS,
    RED_LINE_LABELS,
    VERDICT_LABELS,
    Advisory,
    RedLineStatus,
    ScoreResult,
)
from dossiers import model_tests
from dossiers.models import Dossier
from library.catalogue import Catalogue, QuestionItem, get_catalogue
from library.i18n import text_language
from library.layouts import Layout, get_layout
from library.models import QuestionKind
from providers.models import Audience, Channel, FoundationModelSource, Modality
from reviews.models import AnswerReview

# The questions whose answers belong in the "basic information" part (filing application
# form, filing-practice.md §2.1) are document-layout sections of the assessment's version
# (dossier.model, dossier.service, dossier.corpus), shown when answered.

RISK_BANKS = ("keyword_list", "test_bank_generated", "test_bank_refuse")


def _zh() -> bool:
    return text_language() == "zh"


@dataclass(frozen=True)
class Bi:
    """A text in both languages; prints the one of the language active at render time."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh if _zh() or not self.en else self.en


def _pair(labels: dict, value) -> Bi | None:
    if value is None or value not in labels:
        return None
    return Bi(*labels[value])


@dataclass
class EvidenceView:
    index: int
    name: str
    sha256: str
    size: int
    observed_on: dt.date | None
    note: str
    path: str
    analysis: dict | None

    @property
    def checks(self) -> list[dict]:
        return ((self.analysis or {}).get("result") or {}).get("checks") or []


@dataclass
class AnswerView:
    question: QuestionItem
    entry: dict
    applicable: bool
    evidence: list[EvidenceView] = field(default_factory=list)
    review: AnswerReview | None = None
    score_status: str | None = None

    @property
    def answered(self) -> bool:
        return self.entry.get("value") not in (None, "", [])

    @property
    def value_text(self) -> str:
        q, value = self.question, self.entry.get("value")
        if not self.answered:
            if q.kind == QuestionKind.EVIDENCE:
                return _("%(n)s file(s)") % {"n": len(self.evidence)} if self.evidence else "—"
            return _("(not answered)")
        if q.kind == QuestionKind.CLAUSE:
            return str(ClauseResult(value).label)
        if q.kind == QuestionKind.YES_NO:
            return _("Yes") if value else _("No")
        if q.kind == QuestionKind.SINGLE_CHOICE:
            return q.choice_label(value)
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            sep = "、" if _zh() else "; "
            return sep.join(q.choice_label(v) for v in value)
        if q.kind == QuestionKind.NUMBER:
            return f"{value} {q.unit}".strip()
        return str(value)

    @property
    def result_class(self) -> str:
        if self.question.kind == QuestionKind.CLAUSE and self.answered:
            return str(self.entry["value"])
        # Colour other answers only when they fail a requirement ("yes" is not always good).
        return "not_conform" if self.score_status == "not_conform" else ""

    @property
    def nonconformity(self) -> str:
        value = self.entry.get("nonconformity")
        return str(NonConformity(value).label) if value in NonConformity.values else ""

    @property
    def remediation_due(self) -> dt.date | None:
        return parse_date(self.entry.get("remediation_due") or "")

    @property
    def review_label(self) -> str:
        return self.review.get_verdict_display() if self.review else ""


@dataclass
class DomainView:
    code: str
    title: Bi
    description: Bi
    answers: list[AnswerView]
    not_applicable: list[QuestionItem]
    self_score: float | None
    reviewed_score: float | None
    advisory: Advisory | None = None  # the advisory questions, outside both scores


def _score(data: dict | None) -> ScoreResult | None:
    return ScoreResult.from_json(data) if data else None


def verification_url(number: str) -> str:
    return settings.SITE_URL + reverse("dossiers:verify_number", kwargs={"number": number})


def qr_svg(url: str) -> SafeString:
    qr = segno.make(url, error="m")
    # segno escapes nothing user-controlled here: the URL is ours (SITE_URL + number).
    return mark_safe(qr.svg_inline(scale=3, border=2, dark="#1f2933"))


def build_context(
    *,
    dossier: Dossier,
    assessment: Assessment,
    snapshot: dict,
    manifest: dict,
    manifest_sha256: str,
) -> dict[str, Any]:
    catalogue = get_catalogue(assessment.questionnaire)
    self_score = _score(snapshot_score(snapshot, catalogue))
    reviewed = _score(assessment.reviewed_score) if dossier.is_final else None
    if reviewed is not None and [d.code for d in reviewed.domains] != [
        d.code for d in (self_score.domains if self_score else ())
    ]:
        reviewed = None
    reviews = {
        r.question_id: r
        for r in AnswerReview.objects.filter(assessment=assessment).select_related("reviewer")
    }
    paths = {f["evidence_id"]: f["path"] for f in manifest["files"] if f.get("evidence_id")}
    entries = {a["question"]: a for a in snapshot["answers"]}
    evidence: dict[str, list[EvidenceView]] = {}
    all_evidence = []
    for i, e in enumerate(snapshot["evidence"], start=1):
        view = EvidenceView(
            index=i,
            name=e["name"],
            sha256=e["sha256"],
            size=e["size"],
            observed_on=parse_date(e.get("observed_on") or ""),
            note=e.get("note") or "",
            path=paths.get(e["id"], ""),
            analysis=e.get("analysis"),
        )
        evidence.setdefault(e["question"], []).append(view)
        all_evidence.append(view)
    statuses = {q.code: q.status for q in self_score.questions} if self_score else {}
    domains = _domains(catalogue, entries, evidence, reviews, statuses, self_score, reviewed)
    lang = "en" if dossier.edition == "en" else "zh"
    url = verification_url(dossier.number)
    return {
        "dossier": dossier,
        "assessment": assessment,
        "snapshot": snapshot,
        "provider": snapshot["provider"],
        "service": snapshot["service"],
        "questionnaire": assessment.questionnaire,
        "catalogue": catalogue,
        "submitted_at": parse_datetime(snapshot["assessment"].get("submitted_at") or ""),
        "generated_at": dossier.started_at or dossier.created_at,
        "is_final": dossier.is_final,
        "verify_url": url,
        "qr": qr_svg(url),
        "manifest": manifest,
        "manifest_sha256": manifest_sha256,
        "basic": _basic_info(snapshot, catalogue, get_layout(assessment.questionnaire), entries),
        "self_score": self_score,
        "reviewed_score": reviewed,
        "advisory": (reviewed or self_score).advisory if self_score else None,
        "verdict": _pair(VERDICT_LABELS, (reviewed or self_score).verdict) if self_score else None,
        "conclusion": _pair(CONCLUSION_LABELS, (reviewed or self_score).conclusion)
        if self_score
        else None,
        "radar": mark_safe(charts.domain_chart_svg(self_score, reviewed, lang=lang))
        if self_score
        else "",
        "radar_text": charts.domain_chart_text(self_score, reviewed, lang=lang)
        if self_score
        else "",
        "red_lines": _red_lines(self_score, reviewed, catalogue),
        "domains": domains,
        "evidence": all_evidence,
        "coverage": _coverage(catalogue, entries, statuses),
        "risk_tables": _risk_tables(all_evidence),
        "aspect_table": _aspect_table(all_evidence),
        "model_tests": model_tests.chapter(all_evidence),
        "decided_by": assessment.decided_by if dossier.is_final else None,
        "decided_at": assessment.decided_at if dossier.is_final else None,
        "review_summary": assessment.review_summary if dossier.is_final else "",
    }


def _domains(catalogue, entries, evidence, reviews, statuses, self_score, reviewed):
    out = []
    for d in catalogue.domains:
        answers, hidden = [], []
        for q in d.questions:
            entry = entries.get(q.code)
            if entry is None or not entry.get("applicable", True):
                hidden.append(q)
                continue
            answers.append(
                AnswerView(
                    question=q,
                    entry=entry,
                    applicable=True,
                    evidence=evidence.get(q.code, []),
                    review=reviews.get(q.pk),
                    score_status=statuses.get(q.code),
                )
            )
        out.append(
            DomainView(
                code=d.code,
                title=Bi(d.title_zh, d.title_en),
                description=Bi(d.description_zh, d.description_en),
                answers=answers,
                not_applicable=hidden,
                self_score=_domain_score(self_score, d.code),
                reviewed_score=_domain_score(reviewed, d.code),
                advisory=_domain_advisory(reviewed or self_score, d.code),
            )
        )
    return out


def _domain_advisory(result: ScoreResult | None, code: str) -> Advisory | None:
    if result is None:
        return None
    try:
        return result.domain(code).advisory
    except KeyError:
        return None


def _domain_score(result: ScoreResult | None, code: str) -> float | None:
    if result is None:
        return None
    try:
        return result.domain(code).score
    except KeyError:
        return None


def _red_lines(self_score, reviewed, catalogue) -> list[dict]:
    result = reviewed or self_score
    if result is None:
        return []
    return [
        {
            "question": catalogue.by_code.get(r.code),
            "code": r.code,
            "status": Bi(*RED_LINE_LABELS[r.status]),
        }
        for r in result.red_lines
        if r.status in (RedLineStatus.FAILED, RedLineStatus.NOT_YET_MET)
    ]


@dataclass
class FormRow:
    label: Bi | str
    value: Any


def _answer_rows(catalogue: Catalogue, entries: dict, codes: Iterable[str]) -> list[AnswerView]:
    rows = []
    for code in codes:
        q, entry = catalogue.by_code.get(code), entries.get(code)
        if q is not None and entry is not None and entry.get("value") not in (None, "", []):
            rows.append(AnswerView(question=q, entry=entry, applicable=True))
    return rows


def _labels(choices, values) -> list:
    return [choices(v).label for v in values if v in choices.values]


def _basic_info(snapshot: dict, catalogue: Catalogue, layout: Layout, entries: dict) -> dict:
    service, profile = snapshot["service"], snapshot["service"].get("profile") or {}
    source = profile.get("foundation_model_source")
    return {
        "modalities": _labels(Modality, profile.get("modalities", [])),
        "channels": _labels(Channel, profile.get("channels", [])),
        "audience": Audience(profile["audience"]).label
        if profile.get("audience") in Audience.values
        else "",
        "minors_allowed": profile.get("minors_allowed"),
        "public_opinion": profile.get("public_opinion"),
        # None in snapshots taken before the field existed: the row is left out
        "emotional_interaction": profile.get("emotional_interaction"),
        "foundation_source": FoundationModelSource(source).label
        if source in FoundationModelSource.values
        else "",
        "foundation_name": service.get("foundation_model_name") or "",
        "foundation_filing": service.get("foundation_model_filing_number") or "",
        "model_answers": _answer_rows(catalogue, entries, layout.section_codes("dossier.model")),
        "service_answers": _answer_rows(
            catalogue, entries, layout.section_codes("dossier.service")
        ),
        "corpus_answers": _answer_rows(catalogue, entries, layout.section_codes("dossier.corpus")),
    }


def _coverage(catalogue: Catalogue, entries: dict, statuses: dict) -> list[dict]:
    """Each cited provision, the questions citing it, and how they were answered."""
    rows: dict[str, dict] = {}
    for q in catalogue.questions:
        entry = entries.get(q.code)
        applicable = entry is not None and entry.get("applicable", True)
        status = statuses.get(q.code) if applicable else "not_applicable"
        for p in q.provisions:
            row = rows.setdefault(p.key, {"provision": p, "questions": [], "counts": Counter()})
            row["questions"].append(q.code)
            row["counts"][_bucket(status)] += 1
    return sorted(rows.values(), key=lambda r: natural_key(r["provision"].key))


def natural_key(text: str) -> tuple:
    """Numbers compared as numbers: GAI-2 before GAI-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _bucket(status: str | None) -> str:
    if status in ("conform", "answered"):
        return "conform"
    if status in ("not_conform", "partial", "needs_revision"):
        return "gap"
    if status in ("na", "not_applicable"):
        return "na"
    return "open"


def _latest_analysis(evidence: list[EvidenceView], kind: str) -> tuple[EvidenceView, dict] | None:
    found = [e for e in evidence if (e.analysis or {}).get("kind") == kind]
    for e in reversed(found):
        if e.analysis.get("status") == "done" and e.analysis.get("result"):
            return e, e.analysis["result"]
    return None


def _risk_tables(evidence: list[EvidenceView]) -> dict | None:
    """The 31 risks (rows) against the keyword list and test banks uploaded (columns)."""
    columns = []
    for kind in RISK_BANKS:
        found = _latest_analysis(evidence, kind)
        if found:
            e, result = found
            columns.append({"kind": kind, "file": e, "per_risk": result["figures"].get("per_risk")})
    columns = [c for c in columns if c["per_risk"]]
    if not columns:
        return None
    rows = [
        {
            "code": code,
            "name": Bi(risk.name_zh, risk.name_en),
            "counts": [c["per_risk"].get(code, 0) for c in columns],
        }
        for code, risk in risks().items()
    ]
    covered = [sum(1 for r in rows if r["counts"][i]) for i in range(len(columns))]
    return {"columns": columns, "rows": rows, "covered": covered}


def _aspect_table(evidence: list[EvidenceView]) -> dict | None:
    found = _latest_analysis(evidence, "test_bank_non_refuse")
    if not found:
        return None
    e, result = found
    per = result["figures"].get("per_aspect") or {}
    return {
        "file": e,
        "rows": [{"name": Bi(zh, en), "count": per.get(zh, 0)} for zh, en in NON_REFUSE_ASPECTS],
    }
