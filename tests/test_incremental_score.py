"""The autosave's incremental score equals a full recomputation.

assessments.scores keeps each domain's part of the score per process and scores again only the
domains whose inputs changed. On random sequences of answers over the full questionnaire (every
question kind, gate answers that hide and show conditional questions, files with analyses that
pass, fail or are pending, clause answers complete and incomplete) and random service profiles,
the incremental result after every step must equal scoring every question from scratch, and
steps with equal input digests (scores.inputs_digest) equal scores; the same for the reviewed
score with random reviewer verdicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import scores, services
from assessments.models import Analysis, Answer, Evidence
from assessments.scores import answer_inputs, specs_for
from assessments.scoring import ReviewOutcome, ReviewVerdict, score_assessment
from library.conditions import PROFILE_FIELDS
from library.models import QuestionKind

pytestmark = pytest.mark.django_db

# The stored form of an answer of each kind, as AnswerForm.stored_value() gives it.
CLAUSE = st.fixed_dictionaries(
    {
        "value": st.sampled_from(["conform", "not_conform", "na", None]),
        "na_reason": st.sampled_from(["", "不提供该功能"]),
        "nonconformity": st.sampled_from(["", "alternative", "remediation"]),
        "alternative_measure": st.sampled_from(["", "人工复核"]),
        "alternative_proof": st.sampled_from(["", "效果相当的证明"]),
        "measures_taken": st.sampled_from(["", "临时措施"]),
        "remediation_plan": st.sampled_from(["", "整改计划"]),
        "remediation_due": st.sampled_from([None, dt.date(2027, 2, 28)]),
    }
)


def _value(q):
    if q.kind == QuestionKind.CLAUSE:
        return CLAUSE
    if q.kind == QuestionKind.YES_NO:
        return st.sampled_from([True, False, None])
    if q.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        values = [c["value"] for c in q.choices]
        if q.kind == QuestionKind.SINGLE_CHOICE:
            return st.sampled_from([*values, None])
        return st.lists(st.sampled_from(values), unique=True, max_size=len(values))
    if q.kind == QuestionKind.NUMBER:
        return st.one_of(
            st.none(), st.integers(0, 10**7), st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.95, 1.0])
        )
    if q.kind == QuestionKind.DATE:
        return st.sampled_from([None, "2026-10-01"])
    if q.kind == QuestionKind.TEXT:
        return st.sampled_from([None, "", "   ", "按季度开展安全评估"])
    # Evidence: the files of the question, each with an analysis in some state, or none.
    return st.lists(st.sampled_from(["done-pass", "done-fail", "pending", "none"]), max_size=3)


def _profile():
    fields = {}
    for name, (kind, allowed) in PROFILE_FIELDS.items():
        if kind == "list":
            fields[name] = st.lists(st.sampled_from(allowed), unique=True, min_size=1)
        elif kind == "choice":
            fields[name] = st.sampled_from(allowed)
        else:
            fields[name] = st.booleans()
    return st.fixed_dictionaries(fields)


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return services.get_catalogue(services.latest_questionnaire())


def _files(q, states, step):
    out = []
    for i, s in enumerate(states):
        e = Evidence(question_id=q.pk, name=f"{i}.pdf", sha256=f"{step:032d}{i:032d}")
        e.uploaded_at = timezone.now() + dt.timedelta(seconds=i)
        if s != "none":
            e.analysis = Analysis(
                kind=q.analyser or "content_labels",
                status="pending" if s == "pending" else "done",
                passed=None if s == "pending" else s == "done-pass",
            )
        out.append(e)
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_incremental_score_equals_full_recomputation(catalogue, data):
    questions = catalogue.questions
    gates = [q for q in questions if q.gate]
    conditional = [q for q in questions if q.applies_if]
    assert gates and conditional  # the sequences hide and show questions
    profile = data.draw(_profile(), label="profile")
    answers: dict[str, Answer] = {}
    evidence: dict[str, list[Evidence]] = {}
    full_questions, domains = specs_for(catalogue)
    steps = data.draw(st.integers(1, 20), label="steps")
    verdicts: dict[str, ReviewVerdict] = {}
    by_digest: dict[str, dict] = {}
    for step in range(steps):
        q = data.draw(
            st.one_of(st.sampled_from(gates), st.sampled_from(questions)), label="question"
        )
        value = data.draw(_value(q), label=q.code)
        if q.kind == QuestionKind.EVIDENCE:
            evidence[q.code] = _files(q, value, step)
        elif q.kind == QuestionKind.CLAUSE:
            answers[q.code] = Answer(question_id=q.pk, revision=step + 1, **value)
        else:
            answers[q.code] = Answer(question_id=q.pk, revision=step + 1, value=value)
        state = services.derive_state(catalogue, profile, answers, evidence)
        incremental = scores.score_self(state)
        full = score_assessment(full_questions, domains, answer_inputs(state))
        assert incremental == full
        assert incremental.to_json() == full.to_json()
        # An autosave whose inputs' digest is the stored one keeps the stored score: equal
        # digests (text edited, an answer hidden and shown again ...) must mean equal scores.
        digest = scores.inputs_digest(catalogue, answer_inputs(state))
        assert by_digest.setdefault(digest, full.to_json()) == full.to_json()
        # The reviewed score: a reviewer's verdict on some question now and then.
        reviewed_q = data.draw(st.sampled_from(questions), label="reviewed")
        verdict = data.draw(st.sampled_from([None, *ReviewOutcome]), label="verdict")
        if verdict is None:
            verdicts.pop(reviewed_q.code, None)
        else:
            verdicts[reviewed_q.code] = ReviewVerdict(reviewed_q.code, verdict)
        inputs = answer_inputs(state)
        reviewed = scores.score_inputs(catalogue, inputs, list(verdicts.values()))
        assert reviewed == score_assessment(full_questions, domains, inputs, verdicts.values())


def test_unchanged_domains_are_not_scored_again(catalogue, monkeypatch):
    """One answer changes one domain's inputs: the other domains come from the kept parts."""
    monkeypatch.setattr(scores, "_parts", {})  # nothing kept from other tests
    calls = []
    original = scores.score_domain
    monkeypatch.setattr(
        scores, "score_domain", lambda code, *a: calls.append(code) or original(code, *a)
    )
    profile = {
        name: list(allowed) if kind == "list" else (allowed[0] if allowed else True)
        for name, (kind, allowed) in PROFILE_FIELDS.items()
    }
    applicable = services.derive_state(catalogue, profile, {}, {}).applicable
    text = next(
        q
        for q in catalogue.questions
        if q.kind == QuestionKind.TEXT and not q.gate and q.code in applicable
    )
    answers = {}
    for value in ("第一版", "第二版"):
        answers[text.code] = Answer(question_id=text.pk, revision=1, value=value)
        scores.score_self(services.derive_state(catalogue, profile, answers, {}))
    calls.clear()
    answers[text.code] = Answer(question_id=text.pk, revision=2, value="")
    scores.score_self(services.derive_state(catalogue, profile, answers, {}))
    assert calls == [text.domain]
