"""The bridge between stored assessments and the pure scorer (assessments.scoring)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING

from assessments.scoring import (
    RULES,
    AnswerInput,
    Basis,
    DomainPart,
    DomainSpec,
    QuestionSpec,
    ReviewVerdict,
    ScoreResult,
    Threshold,
    combine,
    input_key,
    score_domain,
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
    # getattr, not hasattr: a light state's file (services.EvidenceFacts) holds None.
    analysed = [e for e in evidence or () if getattr(e, "analysis", None) is not None]
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


@lru_cache(maxsize=16)
def _by_domain(catalogue: Catalogue) -> dict[str, tuple[QuestionSpec, ...]]:
    questions, domains = specs_for(catalogue)
    return {d.code: tuple(q for q in questions if q.domain == d.code) for d in domains}


# Incremental per domain: an autosave changes one answer, so all domains but one have the
# inputs they had at the previous save. A domain's part is a pure function of its inputs
# (scoring.input_key), kept here per process under a key that holds all of them; `combine`
# then gives exactly what scoring every question again gives (tests/test_incremental_score.py
# compares both on random answer sequences). A miss costs one domain's scoring, nothing more.
PARTS_MAX = 4096
_parts: dict[tuple, DomainPart] = {}


def score_self(state: State) -> ScoreResult:
    return score_inputs(state.catalogue, answer_inputs(state))


def score_inputs(
    catalogue: Catalogue,
    inputs: list[AnswerInput],
    reviews: list[ReviewVerdict] | None = None,
) -> ScoreResult:
    """scoring.score_assessment over the catalogue's questions, each domain's part taken from
    the kept parts when its inputs (answers and, for the reviewed score, verdicts) are the
    same. Inputs come one per question of the catalogue (answer_inputs, snapshot_inputs)."""
    _questions, domains = specs_for(catalogue)
    index = {a.code: a for a in inputs}
    verdicts = {r.code: r for r in reviews or ()}
    basis = Basis.SELF if reviews is None else Basis.REVIEWED
    version = (catalogue.questionnaire_id, catalogue.content_hash, str(basis))
    parts = []
    for d in domains:
        specs = _by_domain(catalogue)[d.code]
        key = (
            *version,
            d.code,
            tuple(
                (*input_key(q, index.get(q.code)), _verdict(verdicts.get(q.code))) for q in specs
            ),
        )
        part = _parts.get(key) if PARTS_MAX else None
        if part is None:
            part = score_domain(d.code, specs, index, verdicts, basis)
            if len(_parts) >= PARTS_MAX:
                _parts.clear()
            _parts[key] = part
        parts.append(part)
    return combine(basis, domains, parts)


def inputs_digest(catalogue: Catalogue, inputs: list[AnswerInput]) -> str:
    """A digest of everything the self-assessed score of `inputs` is computed from: the
    scoring rules, the questionnaire version and each question's `input_key`. Equal digests
    give equal scores (the premise of the kept parts above), so a save whose digest is the
    stored one (Assessment.self_score_inputs) need not compute and write the score again."""
    questions, _domains = specs_for(catalogue)
    index = {a.code: a for a in inputs}
    keys = tuple(input_key(q, index.get(q.code)) for q in questions)
    identity = (RULES, catalogue.questionnaire_id, catalogue.content_hash, keys)
    return hashlib.sha256(repr(identity).encode()).hexdigest()


def _verdict(review: ReviewVerdict | None) -> str | None:
    return None if review is None else str(review.verdict)


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


def snapshot_score(snapshot: dict, catalogue: Catalogue) -> dict | None:
    """The self-assessed score of a submitted version, as stored JSON. A snapshot is frozen (its
    SHA-256 is what dossiers cite), so a score it holds from older scoring rules is not rewritten
    but scored again from the snapshot's own answers."""
    stored = snapshot.get("self_score")
    if stored is None or stored.get("rules") == RULES:
        return stored
    return score_inputs(catalogue, snapshot_inputs(snapshot, catalogue)).to_json()


def recompute_stale(**kwargs) -> int:
    """Recompute every stored score computed under older scoring rules (`scoring.RULES`): the
    self-assessed score with the progress (as `manage.py recompute_scores` does) and the
    reviewed score. One query when every score is current; run after each `migrate`."""
    from django.db.models import Q

    from assessments.models import Assessment

    def stale(field: str) -> Q:
        return Q(**{f"{field}__isnull": False}) & (
            Q(**{f"{field}__rules__isnull": True}) | ~Q(**{f"{field}__rules": RULES})
        )

    queryset = Assessment.objects.filter(stale("self_score") | stale("reviewed_score"))
    count = 0
    for pk in queryset.values_list("pk", flat=True).iterator(chunk_size=100):
        rescore(pk)
        count += 1
    return count


def rescore(assessment_pk: int) -> None:
    """Recompute an assessment's stored progress and scores, self-assessed and reviewed. It is
    read again under its row lock, so callers pass only its id."""
    from django.db import transaction

    from assessments.services import lock_assessment, refresh_assessment
    from reviews.services import reviewed_score

    # Under the row lock, as every writer of these figures (see services.refresh_locked).
    with transaction.atomic():
        locked = lock_assessment(assessment_pk)
        refresh_assessment(locked)
        if locked.reviewed_score is not None:
            locked.reviewed_score = reviewed_score(locked).to_json()
            locked.save(update_fields=["reviewed_score"])
