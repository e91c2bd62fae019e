"""The bridge between stored assessments and the pure scorer (assessments.scoring)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from assessments.scoring import (
    AnswerInput,
    DomainSpec,
    QuestionSpec,
    ScoreResult,
    Threshold,
    score_assessment,
)
from library.catalogue import Catalogue
from library.models import QuestionKind

if TYPE_CHECKING:
    from assessments.services import State


@lru_cache(maxsize=16)
def specs_for(catalogue: Catalogue) -> tuple[tuple[QuestionSpec, ...], tuple[DomainSpec, ...]]:
    questions = tuple(
        QuestionSpec(
            code=q.code,
            domain=q.domain,
            # An artefact an analyser measures conforms or not, like a yes/no answer.
            kind=QuestionKind.YES_NO if is_measured(q) else q.kind,
            weight=q.weight,
            red_line=q.red_line,
            advisory=q.advisory,
            required=q.required,
            expected=True
            if is_measured(q)
            else (q.expected if q.kind == QuestionKind.YES_NO else None),
            choice_scores={c["value"]: c["score"] for c in q.choices if "score" in c},
            na_choices=frozenset(c["value"] for c in q.choices if "score" not in c),
            na_allowed=q.na_allowed,
            thresholds=tuple(
                Threshold(t["comparison"], t["value"], bool(t.get("advisory")))
                for t in q.thresholds
            )
            if q.kind == QuestionKind.NUMBER
            else (),
        )
        for q in catalogue.questions
    )
    domains = tuple(DomainSpec(d.code, d.title_zh, d.title_en) for d in catalogue.domains)
    return questions, domains


def is_measured(q) -> bool:
    return q.kind == QuestionKind.EVIDENCE and bool(q.analyser)


def measured_value(evidence) -> bool | None:
    """The latest artefact decides: passed → True, failed → False, pending or none → None.
    A result with no binding check (only recommended numbers) is no failure."""
    analysed = [e for e in evidence or () if hasattr(e, "analysis")]
    if not analysed:
        return None
    analysis = max(analysed, key=lambda e: e.uploaded_at).analysis
    if analysis.status == "pending":
        return None
    return analysis.passed is not False


def answer_inputs(state: State) -> list[AnswerInput]:
    inputs = []
    for q in state.catalogue.questions:
        if is_measured(q):
            value = measured_value(state.evidence.get(q.code))
        elif q.kind == QuestionKind.EVIDENCE:
            value = len(state.evidence.get(q.code, ())) or None
        elif state.complete[q.code]:
            value = state.values.get(q.code)
        else:
            value = None  # an incomplete answer (an N/A without its reason) counts as open
        inputs.append(AnswerInput(q.code, value, applicable=q.code in state.applicable))
    return inputs


def score_self(state: State) -> ScoreResult:
    questions, domains = specs_for(state.catalogue)
    return score_assessment(questions, domains, answer_inputs(state))


def snapshot_inputs(snapshot: dict, catalogue: Catalogue) -> list[AnswerInput]:
    """The answers of a submission as the scorer sees them, read from its frozen snapshot."""
    answers = {a["question"]: a for a in snapshot["answers"]}
    evidence: dict[str, list[dict]] = {}
    for item in snapshot["evidence"]:
        evidence.setdefault(item["question"], []).append(item)
    applicable = set(snapshot.get("applicable") or ())
    inputs = []
    for q in catalogue.questions:
        entry = answers.get(q.code, {})
        is_applicable = q.code in applicable if applicable else entry.get("applicable", False)
        if is_measured(q):
            analysed = [e["analysis"] for e in evidence.get(q.code, []) if e.get("analysis")]
            last = analysed[-1] if analysed else None
            value = (
                None
                if last is None or last["status"] == "pending"
                else (last["passed"] is not False)
            )
        elif q.kind == QuestionKind.EVIDENCE:
            value = len(evidence.get(q.code, ())) or None
        else:
            value = entry.get("value") if entry.get("complete") else None
        inputs.append(AnswerInput(q.code, value, applicable=is_applicable))
    return inputs
