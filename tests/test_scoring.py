"""Scoring, verdicts and clause conclusions on small hand-made questionnaires (no database)."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from assessments.scoring import (
    CONCLUSION_LABELS,
    VERDICT_LABELS,
    AnswerInput,
    Conclusion,
    DomainSpec,
    QuestionSpec,
    RedLineStatus,
    ReviewVerdict,
    ScoreResult,
    Threshold,
    Verdict,
    declared_mismatch,
    score_assessment,
    score_pair,
)

D1 = DomainSpec("d1", "领域一", "Domain one")
D2 = DomainSpec("d2", "领域二", "Domain two")


def clause(code, weight=1, domain="d1", **kw):
    return QuestionSpec(code, domain, "clause", weight=weight, **kw)


def answers(**values):
    """answers(A="conform", B=None) -> AnswerInput list; the value "skip" marks non-applicable."""
    return [
        AnswerInput(code, applicable=False) if v == "skip" else AnswerInput(code, v)
        for code, v in values.items()
    ]


# --------------------------------------------------------------------------- weighted scores

# d1: A (clause, w3)   B (clause, w1)
# d2: C (clause, w2)   T (text, w5: never scored)   Z (clause, w0: not scored)
WEIGHTED = [
    clause("A", 3),
    clause("B", 1),
    clause("C", 2, domain="d2"),
    QuestionSpec("T", "d2", "text", weight=5, required=False),
    clause("Z", 0, domain="d2"),
]


@pytest.mark.parametrize(
    ("values", "overall", "d1", "d2"),
    [
        # everything conforms
        ({"A": "conform", "B": "conform", "C": "conform"}, 100.0, 100.0, 100.0),
        # weight 3 of 6 lost
        ({"A": "not_conform", "B": "conform", "C": "conform"}, 50.0, 25.0, 100.0),
        # N/A leaves the denominator: 3 / (3 + 2)
        ({"A": "conform", "B": "na", "C": "not_conform"}, 60.0, 100.0, 0.0),
        # not applicable leaves the denominator too
        ({"A": "conform", "B": "skip", "C": "skip"}, 100.0, 100.0, None),
        # unanswered counts as 0
        ({"A": "conform", "C": "conform"}, 83.3, 75.0, 100.0),
        # the weight-0 clause and the text question never count, failed or not
        ({"A": "conform", "B": "conform", "C": "conform", "Z": "not_conform", "T": "x"}, 100.0,
         100.0, 100.0),
        # everything N/A: no denominator at all
        ({"A": "na", "B": "na", "C": "na"}, None, None, None),
    ],
)  # fmt: skip
def test_weighted_scores(values, overall, d1, d2):
    result = score_assessment(WEIGHTED, [D1, D2], answers(**values))
    assert result.overall == overall
    assert result.domain("d1").score == d1
    assert result.domain("d2").score == d2


def test_domain_counts():
    """d1: A answered, B unanswered; d2: C not applicable, T text answered, Z unanswered (w0)."""
    result = score_assessment(WEIGHTED, [D1, D2], answers(A="conform", C="skip", T="done"))
    d1, d2 = result.domains
    assert (d1.questions, d1.applicable, d1.answered, d1.unanswered) == (2, 2, 1, 1)
    assert (d1.earned, d1.possible) == (3.0, 4.0)
    # Z is required by default, so it is reported unanswered although it is not scored
    assert (d2.questions, d2.applicable, d2.answered, d2.unanswered) == (3, 2, 1, 1)
    assert result.unanswered == ("B", "Z")


# --------------------------------------------------------------------------- kinds


def _one(question, value, partial=None):
    result = score_assessment(
        [question], [D1], [AnswerInput(question.code, value, partial=partial)]
    )
    return result.overall


CHOICES = {"own": 1, "third_party_filed": 0.5, "unfiled": 0}
MULTI = {"filter": 0.5, "manual": 0.25, "report": 0.5, "none": 0}


@pytest.mark.parametrize(
    ("question", "value", "partial", "expected"),
    [
        (QuestionSpec("Y", "d1", "yes_no", expected=True), True, None, 100.0),
        (QuestionSpec("Y", "d1", "yes_no", expected=True), False, None, 0.0),
        (QuestionSpec("Y", "d1", "yes_no", expected=False), False, None, 100.0),
        (QuestionSpec("S", "d1", "single_choice", choice_scores=CHOICES), "own", None, 100.0),
        (QuestionSpec("S", "d1", "single_choice", choice_scores=CHOICES), "third_party_filed",
         None, 50.0),
        (QuestionSpec("S", "d1", "single_choice", choice_scores=CHOICES), "unfiled", None, 0.0),
        # multiple choice: sum of the chosen scores, capped at 1
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI), ["manual"], None, 25.0),
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI), ["filter", "manual"],
         None, 75.0),
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI),
         ["filter", "manual", "report"], None, 100.0),
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI), [], None, 0.0),
        # number: every non-advisory threshold must hold; advisory ones are ignored
        (QuestionSpec("N", "d1", "number", thresholds=[("ge", 10000), ("ge", 20000, True)]),
         12000, None, 100.0),
        (QuestionSpec("N", "d1", "number", thresholds=[("ge", 10000), ("le", 20000)]),
         Decimal("9999.5"), None, 0.0),
        (QuestionSpec("N", "d1", "number", thresholds=[Threshold("eq", Decimal("0.3"))]), 0.3, None,
         100.0),
        (QuestionSpec("N", "d1", "number", thresholds=[("lt", 5), ("gt", 1)]), 5, None, 0.0),
        # partial override of an answered clause
        (clause("P"), "not_conform", 0.5, 50.0),
        (clause("P"), "conform", 0.25, 25.0),
    ],
)  # fmt: skip
def test_kinds(question, value, partial, expected):
    assert _one(question, value, partial) == expected


@pytest.mark.parametrize(
    "question",
    [
        QuestionSpec("Y", "d1", "yes_no"),  # no expected answer
        QuestionSpec("S", "d1", "single_choice"),  # no choice scores
        QuestionSpec("N", "d1", "number", thresholds=[("ge", 1, True)]),  # advisory only
        QuestionSpec("D", "d1", "date"),
        QuestionSpec("E", "d1", "evidence", weight=10),
    ],
)
def test_ungradable_questions_never_enter_the_denominator(question):
    result = score_assessment([question], [D1], [AnswerInput(question.code, None)])
    assert result.overall is None
    assert result.questions[0].fraction is None


def test_an_unscored_choice_takes_the_question_out_of_the_score():
    """PI-Q18, PI-Q25, LI-03 offer 不适用 without a score: choosing it is N/A, not a crash."""
    scored = QuestionSpec(
        "S", "d1", "single_choice", choice_scores={"yes": 1, "no": 0}, na_choices=frozenset({"na"})
    )
    other = clause("A")
    result = score_assessment(
        [scored, other], [D1], [AnswerInput("S", "na"), AnswerInput("A", "conform")]
    )
    assert result.questions[0].status == "na" and result.questions[0].fraction is None
    assert result.overall == 100.0
    failed = score_assessment(
        [scored, other], [D1], [AnswerInput("S", "no"), AnswerInput("A", "conform")]
    )
    assert failed.overall == 50.0
    info = QuestionSpec("I", "d1", "single_choice", na_choices=frozenset({"na"}))  # ungraded
    assert (
        score_assessment([info], [D1], [AnswerInput("I", "na")]).questions[0].status == "answered"
    )


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (clause("A"), "yes"),
        (QuestionSpec("Y", "d1", "yes_no", expected=True), "true"),
        (QuestionSpec("S", "d1", "single_choice", choice_scores=CHOICES), "unknown"),
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI), "filter"),
        (QuestionSpec("M", "d1", "multiple_choice", choice_scores=MULTI), ["bogus"]),
        (QuestionSpec("N", "d1", "number", thresholds=[("ge", 1)]), True),
    ],
)
def test_bad_answer_values_are_rejected(question, value):
    with pytest.raises(ValueError):
        score_assessment([question], [D1], [AnswerInput(question.code, value)])


@pytest.mark.parametrize(
    "make",
    [
        lambda: QuestionSpec("X", "d1", "clause", red_line=True, advisory=True),
        lambda: QuestionSpec("X", "d1", "essay"),
        lambda: QuestionSpec("X", "d1", "clause", weight=11),
        lambda: QuestionSpec("X", "d1", "clause", weight=-1),
        lambda: QuestionSpec("X", "d1", "single_choice", choice_scores={"a": 2}),
        lambda: QuestionSpec("X", "d1", "number", thresholds=[("gte", 1)]),
        lambda: AnswerInput("X", "conform", partial=1.5),
        lambda: ReviewVerdict("X", "rejected"),
    ],
)
def test_invalid_specs_are_rejected(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    ("questions", "domains", "given"),
    [
        ([clause("A"), clause("A")], [D1], []),  # duplicate question
        ([clause("A", domain="nope")], [D1], []),  # unknown domain
        ([clause("A")], [D1, D1], []),  # duplicate domain
        ([clause("A")], [D1], answers(B="conform")),  # answer to an unknown question
        ([clause("A")], [D1], answers(A="conform", **{"A ": "x"})),  # unknown (near miss)
    ],
)
def test_inconsistent_input_is_rejected(questions, domains, given):
    with pytest.raises(ValueError):
        score_assessment(questions, domains, given)


def test_duplicate_answer_is_rejected():
    with pytest.raises(ValueError):
        score_assessment([clause("A")], [D1], [AnswerInput("A", "conform"), AnswerInput("A", "na")])


# --------------------------------------------------------------------------- verdicts

# d1: R1 (clause, red line, w2)   R2 (yes_no expected true, red line, w1)
#     Q  (clause, w1)             V (clause, advisory, w1)
# d2: E  (evidence, red line: met when answered)   F (text, required)   O (text, optional)
VERDICT_QS = [
    clause("R1", 2, red_line=True),
    QuestionSpec("R2", "d1", "yes_no", expected=True, red_line=True),
    clause("Q"),
    clause("V", advisory=True),
    QuestionSpec("E", "d2", "evidence", weight=0, red_line=True),
    QuestionSpec("F", "d2", "text"),
    QuestionSpec("O", "d2", "text", required=False),
]
ALL_GOOD = {"R1": "conform", "R2": True, "Q": "conform", "V": "conform", "E": 2, "F": "policy"}


@pytest.mark.parametrize(
    ("change", "verdict", "failed", "pending"),
    [
        ({}, Verdict.READY, (), ()),
        # the optional text question may stay empty
        ({"O": None}, Verdict.READY, (), ()),
        # an advisory gap never changes the verdict (failed or unanswered)
        ({"V": "not_conform"}, Verdict.READY, (), ()),
        ({"V": None}, Verdict.READY, (), ()),
        # a scored question that fails: remediation
        ({"Q": "not_conform"}, Verdict.READY_AFTER_REMEDIATION, (), ()),
        ({"Q": None}, Verdict.READY_AFTER_REMEDIATION, (), ()),
        # a required text question unanswered: remediation
        ({"F": "  "}, Verdict.READY_AFTER_REMEDIATION, (), ()),
        # a failed red line forces not ready, whatever the score
        ({"R2": False}, Verdict.NOT_READY, ("R2",), ()),
        ({"R1": "not_conform", "R2": False}, Verdict.NOT_READY, ("R1", "R2"), ()),
        # an unanswered red line is not yet met: nobody files on an unverified red line
        ({"R1": None}, Verdict.NOT_READY, (), ("R1",)),
        ({"E": 0}, Verdict.NOT_READY, (), ("E",)),
        # a red line that does not apply is neither failed nor pending; one answered N/A is the
        # provider's claim and stays pending until a reviewer accepts it (issue 12)
        ({"R1": "na"}, Verdict.NOT_READY, (), ("R1",)),
        ({"R2": "skip"}, Verdict.READY, (), ()),
    ],
)
def test_verdict(change, verdict, failed, pending):
    result = score_assessment(VERDICT_QS, [D1, D2], answers(**{**ALL_GOOD, **change}))
    assert result.verdict == verdict
    assert result.failed_red_lines == failed
    assert result.pending_red_lines == pending


def test_partial_red_line_fails():
    """R (single choice, red line): a partial score is not enough for a red line."""
    q = QuestionSpec("R", "d1", "single_choice", choice_scores={"a": 1, "b": 0.5}, red_line=True)
    result = score_assessment([q], [D1], answers(R="b"))
    assert result.overall == 50.0
    assert result.verdict == Verdict.NOT_READY
    assert result.failed_red_lines == ("R",)
    assert result.domain("d1").failed_red_lines == ("R",)


def test_failed_red_line_beats_a_high_score():
    """d1: R (w1, red line) fails, nine other clauses (w10 each) conform: 98.9 and not ready."""
    qs = [clause("R", 1, red_line=True), *(clause(f"C{i}", 10) for i in range(9))]
    given = [AnswerInput("R", "not_conform"), *(AnswerInput(f"C{i}", "conform") for i in range(9))]
    result = score_assessment(qs, [D1], given)
    assert result.overall == 98.9
    assert result.verdict == Verdict.NOT_READY


def test_open_items_and_advisory_gaps():
    result = score_assessment(
        VERDICT_QS,
        [D1, D2],
        answers(**{**ALL_GOOD, "Q": None, "R1": "not_conform", "V": "not_conform", "F": None}),
    )
    assert [(o.code, o.reason, o.red_line) for o in result.open_items] == [
        ("R1", "not_conform", True),
        ("Q", "unanswered", False),
        ("F", "unanswered", False),
    ]
    assert result.advisory_gaps == ("V",)


@pytest.mark.parametrize(
    ("cut_off", "verdict"),
    [(None, Verdict.READY_AFTER_REMEDIATION), (60, Verdict.NOT_READY), (50, Verdict.READY_AFTER_REMEDIATION)],
)  # fmt: skip
def test_optional_score_cut_off(cut_off, verdict):
    """d1: A (w1) conforms, B (w1) does not: 50.0."""
    result = score_assessment(
        [clause("A"), clause("B")], [D1], answers(A="conform", B="not_conform"),
        not_ready_below=cut_off,
    )  # fmt: skip
    assert result.overall == 50.0
    assert result.verdict == verdict


# --------------------------------------------------------------------------- clause conclusion

# d1: A, B, C (clauses, w1)   V (clause, advisory)   W (clause, w0)   Y (yes_no, not a clause)
CONCLUSION_QS = [
    clause("A"),
    clause("B"),
    clause("C"),
    clause("V", advisory=True),
    clause("W", 0),
    QuestionSpec("Y", "d1", "yes_no", expected=True),
]


@pytest.mark.parametrize(
    ("values", "conclusion"),
    [
        ({"A": "conform", "B": "conform", "C": "conform"}, Conclusion.CONFORMS),
        # N/A and not applicable count as conforming
        ({"A": "conform", "B": "na", "C": "skip"}, Conclusion.CONFORMS),
        ({"A": "na", "B": "na", "C": "na"}, Conclusion.CONFORMS),
        ({"A": "conform", "B": "not_conform", "C": "conform"}, Conclusion.PARTIALLY_CONFORMS),
        # unanswered does not conform
        ({"A": "conform", "B": "conform"}, Conclusion.PARTIALLY_CONFORMS),
        ({"A": "not_conform", "B": "not_conform", "C": "na"}, Conclusion.DOES_NOT_CONFORM),
        ({}, Conclusion.DOES_NOT_CONFORM),
        # advisory, weight-0 and non-clause questions do not affect the conclusion
        ({"A": "conform", "B": "conform", "C": "conform", "V": "not_conform", "W": "not_conform",
          "Y": False}, Conclusion.CONFORMS),
    ],
)  # fmt: skip
def test_clause_conclusion(values, conclusion):
    result = score_assessment(CONCLUSION_QS, [D1], answers(**values))
    assert result.conclusion == conclusion


def test_partial_clause_does_not_conform():
    result = score_assessment(
        [clause("A"), clause("B")],
        [D1],
        [AnswerInput("A", "conform"), AnswerInput("B", "not_conform", partial=0.5)],
    )
    assert result.conclusion == Conclusion.PARTIALLY_CONFORMS


def test_no_clauses_no_conclusion():
    """d1: Y (yes_no) and V (advisory clause): no clause counts for the conclusion."""
    qs = [QuestionSpec("Y", "d1", "yes_no", expected=True), clause("V", advisory=True)]
    assert score_assessment(qs, [D1], answers(Y=True, V="conform")).conclusion is None


# --------------------------------------------------------------------------- reviews

# d1: A (clause, w2)  B (clause, w1)  R (clause, red line, w1)  N (clause, w1)
REVIEW_QS = [clause("A", 2), clause("B"), clause("R", red_line=True), clause("N")]
REVIEW_ANSWERS = answers(A="conform", B="conform", R="conform", N="na")


@pytest.mark.parametrize(
    ("reviews", "overall", "verdict", "open_codes", "failed", "pending"),
    [
        # no review yet: the reviewed score equals the self-assessed one
        ({}, 100.0, Verdict.READY, (), (), ()),
        ({"A": "accepted", "B": "accepted", "R": "accepted", "N": "accepted"}, 100.0,
         Verdict.READY, (), (), ()),
        # does not conform: 0
        ({"A": "does_not_conform"}, 50.0, Verdict.READY_AFTER_REMEDIATION, ("A",), (), ()),
        # needs revision: 0 and open
        ({"B": "needs_revision"}, 75.0, Verdict.READY_AFTER_REMEDIATION, ("B",), (), ()),
        # a red line: does not conform fails it, needs revision leaves it not yet met
        ({"R": "does_not_conform"}, 75.0, Verdict.NOT_READY, ("R",), ("R",), ()),
        ({"R": "needs_revision"}, 75.0, Verdict.NOT_READY, ("R",), (), ("R",)),
        # a rejected N/A re-enters the denominator at 0
        ({"N": "does_not_conform"}, 80.0, Verdict.READY_AFTER_REMEDIATION, ("N",), (), ()),
    ],
)  # fmt: skip
def test_reviewed_score(reviews, overall, verdict, open_codes, failed, pending):
    given = [ReviewVerdict(code, v) for code, v in reviews.items()]
    pair = score_pair(REVIEW_QS, [D1], REVIEW_ANSWERS, given)
    assert pair.self_assessed.overall == 100.0
    assert pair.self_assessed.verdict == Verdict.READY
    assert pair.self_assessed.basis == "self"
    reviewed = pair.reviewed
    assert reviewed is not None and reviewed.basis == "reviewed"
    assert reviewed.overall == overall
    assert reviewed.verdict == verdict
    assert tuple(o.code for o in reviewed.open_items) == open_codes
    assert reviewed.failed_red_lines == failed
    assert reviewed.pending_red_lines == pending


def test_accepted_keeps_the_self_assessed_fraction():
    """A (single choice, partial 0.5) accepted stays 0.5; a failed red line asked for revision
    stays failed (a review never makes a failed red line look better)."""
    qs = [
        QuestionSpec("A", "d1", "single_choice", choice_scores={"x": 1, "y": 0.5}),
        clause("R", red_line=True),
    ]
    pair = score_pair(
        qs,
        [D1],
        answers(A="y", R="not_conform"),
        [ReviewVerdict("A", "accepted"), ReviewVerdict("R", "needs_revision")],
    )
    assert pair.reviewed.overall == pair.self_assessed.overall == 25.0
    assert pair.reviewed.failed_red_lines == ("R",)
    assert pair.reviewed.verdict == Verdict.NOT_READY
    assert pair.reviewed.questions[0].review == "accepted"


def test_unreviewed_answers_are_listed():
    pair = score_pair(REVIEW_QS, [D1], REVIEW_ANSWERS, [ReviewVerdict("A", "accepted")])
    assert pair.reviewed.unreviewed == ("B", "R", "N")
    assert pair.self_assessed.unreviewed == ()


def test_score_pair_without_reviews():
    pair = score_pair(REVIEW_QS, [D1], iter(REVIEW_ANSWERS), None)
    assert pair.reviewed is None
    assert pair.self_assessed.overall == 100.0


def test_review_of_unknown_question_is_rejected():
    with pytest.raises(ValueError):
        score_assessment(REVIEW_QS, [D1], REVIEW_ANSWERS, [ReviewVerdict("X", "accepted")])


def test_review_of_unscored_red_line():
    """E (evidence, red line): a reviewer's does_not_conform fails it."""
    q = QuestionSpec("E", "d1", "evidence", red_line=True)
    result = score_assessment(
        [q], [D1], answers(E=["file.pdf"]), [ReviewVerdict("E", "does_not_conform")]
    )
    assert result.red_lines[0].status == RedLineStatus.FAILED
    assert result.verdict == Verdict.NOT_READY
    assert result.overall is None


# --------------------------------------------------------------------------- rounding, empty


@pytest.mark.parametrize(
    ("weights_conforming", "weights_failing", "expected"),
    [
        ((1,), (2,), 33.3),  # 33.333...
        ((2,), (1,), 66.7),  # 66.666...
        ((1,), (15,), 6.3),  # 6.25 rounds half up
        ((1,), (79,), 1.3),  # 1.25 rounds half up
        ((1,), (7,), 12.5),
        ((1,), (199,), 0.5),
        ((1,), (), 100.0),
        ((), (1,), 0.0),
    ],
)
def test_rounding_half_up_one_decimal(weights_conforming, weights_failing, expected):
    """Clauses only; to reach odd denominators with weights <= 10, split each weight into 10s."""

    def split(weights, prefix):
        out = []
        for n, w in enumerate(weights):
            while w > 0:
                out.append(clause(f"{prefix}{n}-{len(out)}", min(w, 10)))
                w -= min(w, 10)
        return out

    good, bad = split(weights_conforming, "G"), split(weights_failing, "B")
    given = [AnswerInput(q.code, "conform") for q in good]
    given += [AnswerInput(q.code, "not_conform") for q in bad]
    assert score_assessment(good + bad, [D1], given).overall == expected


def test_partial_fraction_rounding():
    """A (w3) at 1/3 (float 0.333...): 33.3, not a binary-float artefact."""
    q = QuestionSpec("A", "d1", "single_choice", weight=3, choice_scores={"a": 1 / 3})
    assert score_assessment([q], [D1], answers(A="a")).overall == 33.3


@pytest.mark.parametrize(("questions", "domains"), [([], []), ([], [D1, D2])])
def test_empty_questionnaire(questions, domains):
    result = score_assessment(questions, domains, [])
    assert result.overall is None
    assert all(d.score is None for d in result.domains)
    assert result.verdict == Verdict.READY
    assert result.conclusion is None
    assert result.open_items == () and result.red_lines == ()


# --------------------------------------------------------------------------- storage, labels


def test_to_json_round_trip():
    pair = score_pair(
        VERDICT_QS,
        [D1, D2],
        answers(**{**ALL_GOOD, "R2": False, "Q": None}),
        [ReviewVerdict("R1", "needs_revision")],
    )
    for result in (pair.self_assessed, pair.reviewed):
        data = result.to_json()
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        assert json.loads(text) == data
        assert data["failed_red_lines"] == ["R2"]
        assert ScoreResult.from_json(json.loads(text)) == result


def test_labels_are_bilingual_and_complete():
    assert set(VERDICT_LABELS) == set(Verdict)
    assert set(CONCLUSION_LABELS) == set(Conclusion)
    assert CONCLUSION_LABELS["conforms"][0] == "全部符合要求"
    assert CONCLUSION_LABELS["partially_conforms"][0] == "部分符合要求"
    assert CONCLUSION_LABELS["does_not_conform"][0] == "全部不符合要求"
    assert VERDICT_LABELS["ready"][1] == "Ready for filing"


# --------------------------------------------------------------------------- red lines and N/A


def test_a_red_line_answered_na_stays_unverified_until_a_reviewer_accepts_it():
    qs = [clause("R", red_line=True), clause("A")]
    given = answers(R="na", A="conform")
    self_assessed = score_assessment(qs, [D1], given)
    assert self_assessed.verdict == Verdict.NOT_READY
    assert self_assessed.pending_red_lines == ("R",)
    assert [(o.code, o.reason, o.red_line) for o in self_assessed.open_items] == [
        ("R", "na_unverified", True)
    ]
    assert self_assessed.conclusion != Conclusion.CONFORMS  # no 全部符合 on a claimed N/A
    accepted = score_assessment(qs, [D1], given, [ReviewVerdict("R", "accepted")])
    assert accepted.verdict == Verdict.READY
    assert accepted.red_lines[0].status == RedLineStatus.NOT_APPLICABLE
    assert accepted.conclusion == Conclusion.CONFORMS
    # anything short of an explicit acceptance leaves it pending or failed
    for verdict, status in [
        ("needs_revision", RedLineStatus.NOT_YET_MET),
        ("does_not_conform", RedLineStatus.FAILED),
    ]:
        reviewed = score_assessment(qs, [D1], given, [ReviewVerdict("R", verdict)])
        assert reviewed.red_lines[0].status == status
        assert reviewed.verdict == Verdict.NOT_READY
    unreviewed = score_assessment(qs, [D1], given, [ReviewVerdict("A", "accepted")])
    assert unreviewed.pending_red_lines == ("R",)


def test_na_where_it_is_not_allowed_counts_as_unanswered():
    """CS-12 / CP-01: every public service must meet them; N/A is no answer."""
    qs = [clause("R", red_line=True, na_allowed=False), clause("A")]
    result = score_assessment(qs, [D1], answers(R="na", A="conform"))
    assert result.questions[0].status == "unanswered" and result.questions[0].fraction == 0
    assert result.verdict == Verdict.NOT_READY and result.pending_red_lines == ("R",)
    assert result.conclusion == Conclusion.PARTIALLY_CONFORMS
    assert result.overall == 50.0


@pytest.mark.parametrize(
    ("declared", "computed", "mismatch"),
    [
        ("full", Conclusion.CONFORMS, False),
        ("full", Conclusion.PARTIALLY_CONFORMS, True),
        ("partial", Conclusion.PARTIALLY_CONFORMS, False),
        ("partial", Conclusion.DOES_NOT_CONFORM, True),
        ("none", Conclusion.DOES_NOT_CONFORM, False),
        ("none", Conclusion.CONFORMS, True),
        (None, Conclusion.CONFORMS, False),
        ("full", None, False),
    ],
)
def test_declared_conclusion_is_compared_with_the_computed_one(declared, computed, mismatch):
    assert declared_mismatch(declared, computed) is mismatch


# --------------------------------------------------------------------------- advisory questions

# d1: Q (clause, w1)   V (clause, advisory, w3)   N (number ≥ 10, advisory)
# d2: W (yes_no, advisory, w2)   T (text, advisory)
ADVISORY_QS = [
    clause("Q"),
    clause("V", 3, advisory=True),
    QuestionSpec("N", "d1", "number", advisory=True, thresholds=[("ge", 10)]),
    QuestionSpec("W", "d2", "yes_no", weight=2, expected=True, advisory=True),
    QuestionSpec("T", "d2", "text", advisory=True, required=False),
]
ADVISORY_VALUES = {
    "V": ["conform", "not_conform", "na", None, "skip"],
    "N": [12, 3, None, "skip"],
    "W": [True, False, None, "skip"],
    "T": ["说明", "", None, "skip"],
}


@pytest.mark.parametrize("q_value", ["conform", "not_conform", None])
def test_advisory_answers_never_move_any_score(q_value):
    """Every combination of advisory answers (and reviewer verdicts on them) gives the score of
    the binding question alone: the headline figure never rests on advisory rules."""
    binding = score_assessment([clause("Q")], [D1], answers(Q=q_value))
    for combo in itertools.product(*ADVISORY_VALUES.values()):
        given = answers(Q=q_value, **dict(zip(ADVISORY_VALUES, combo, strict=True)))
        for reviews in (None, [ReviewVerdict("V", "does_not_conform")]):
            result = score_assessment(ADVISORY_QS, [D1, D2], given, reviews)
            assert result.overall == binding.overall
            assert result.domain("d1").score == binding.domain("d1").score
            assert result.domain("d2").score is None  # advisory questions only
            assert result.verdict == binding.verdict
            assert all(q.fraction is None for q in result.questions if q.code != "Q")


def test_advisory_questions_are_counted_apart():
    result = score_assessment(
        ADVISORY_QS,
        [D1, D2],
        answers(Q="conform", V="not_conform", N=12, W=None, T="skip"),
    )
    assert result.overall == 100.0
    d1, d2 = result.domain("d1").advisory, result.domain("d2").advisory
    assert (d1.applicable, d1.answered, d1.conforming) == (2, 2, 1)
    assert (d2.applicable, d2.answered, d2.conforming) == (1, 0, 0)
    total = result.advisory
    assert (total.applicable, total.answered, total.conforming) == (3, 2, 1)
    assert result.advisory_gaps == ("V", "W")
    data = result.to_json()
    assert data["advisory"] == {"applicable": 3, "answered": 2, "conforming": 1}
    assert ScoreResult.from_json(json.loads(json.dumps(data))) == result
    # A reviewer who rejects a conforming advisory answer lowers the advisory figure only.
    reviewed = score_assessment(
        ADVISORY_QS,
        [D1, D2],
        answers(Q="conform", V="conform", N=12),
        [ReviewVerdict("V", "does_not_conform")],
    )
    assert reviewed.overall == 100.0
    assert reviewed.domain("d1").advisory.conforming == 1  # N still conforms, V no longer
