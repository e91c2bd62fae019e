"""library.conditions: the applicability grammar of docs/library-format.md, checked when the YAML
is loaded and evaluated without eval; and Catalogue.applicable(), which hides the dependants of
a gate that does not itself apply."""

from __future__ import annotations

import pytest

from library import conditions
from library.catalogue import get_catalogue
from library.conditions import ConditionError
from library.models import Questionnaire

GATES = {"SCOPE-01", "SCOPE-03", "SCOPE-09"}

# --- validate(): accepted forms -----------------------------------------------------------

VALID = [
    pytest.param({"field": "profile.audience", "equals": "public_cn"}, id="equals-choice"),
    pytest.param({"field": "profile.public_opinion", "equals": True}, id="equals-bool"),
    pytest.param({"field": "profile.minors_allowed", "equals": False}, id="equals-bool-false"),
    pytest.param({"field": "profile.audience", "in": ["public_cn", "enterprise_cn"]}, id="in"),
    pytest.param({"field": "profile.modalities", "contains": "image"}, id="contains-list"),
    pytest.param({"field": "profile.channels", "contains": "api"}, id="contains-channels"),
    pytest.param({"field": "answer.SCOPE-01", "equals": True}, id="answer-equals"),
    pytest.param({"field": "answer.SCOPE-03", "in": ["self_developed"]}, id="answer-in"),
    pytest.param({"field": "answer.SCOPE-09", "contains": "medical"}, id="answer-contains"),
    pytest.param({"field": "answer.SCOPE-01", "answered": True}, id="answer-answered"),
    pytest.param({"field": "answer.SCOPE-01", "answered": False}, id="answer-not-answered"),
    pytest.param({"all": [{"field": "profile.public_opinion", "equals": True}]}, id="all-single"),
    pytest.param(
        {
            "any": [
                {"field": "profile.audience", "in": ["public_cn"]},
                {"field": "answer.SCOPE-01", "equals": True},
            ]
        },
        id="any",
    ),
    pytest.param({"not": {"field": "profile.provides_api", "equals": True}}, id="not"),
    pytest.param(
        {
            "all": [
                {"any": [{"field": "profile.audience", "in": ["public_cn"]}]},
                {"not": {"field": "answer.SCOPE-03", "equals": "call_filed_only"}},
            ]
        },
        id="nested",
    ),
]


@pytest.mark.parametrize("condition", VALID)
def test_validate_accepts(condition):
    conditions.validate(condition, known_answers=GATES)  # does not raise


# --- validate(): rejected forms, with the reason in the message ---------------------------

INVALID = [
    pytest.param({"field": "profile.turnover", "equals": 1}, "unknown field", id="unknown-profile"),
    pytest.param({"field": "service.audience", "equals": 1}, "unknown field", id="unknown-scope"),
    pytest.param({"field": "audience", "equals": "public_cn"}, "unknown field", id="no-scope"),
    pytest.param(
        {"field": "profile.audience", "equals": "everyone"},
        "'everyone' is not a value of 'profile.audience'",
        id="wrong-choice-value",
    ),
    pytest.param(
        {"field": "profile.audience", "in": ["public_cn", "mars"]},
        "'mars' is not a value",
        id="wrong-choice-in-list",
    ),
    pytest.param(
        {"field": "profile.modalities", "contains": "smell"},
        "'smell' is not a value",
        id="wrong-list-value",
    ),
    pytest.param(
        {"field": "profile.public_opinion", "equals": "yes"},
        "is true or false",
        id="non-bool-for-bool",
    ),
    pytest.param(
        {"field": "profile.public_opinion", "equals": 1}, "is true or false", id="int-for-bool"
    ),
    pytest.param(
        {"field": "profile.audience", "contains": "public_cn"},
        "'contains' needs a list field",
        id="contains-on-choice",
    ),
    pytest.param(
        {"field": "profile.public_opinion", "contains": True},
        "'contains' needs a list field",
        id="contains-on-bool",
    ),
    pytest.param(
        {"field": "profile.audience", "in": "public_cn"}, "'in' takes a list", id="in-not-list"
    ),
    pytest.param(
        {"field": "profile.audience", "answered": True},
        "'answered' applies to answers",
        id="answered-on-profile",
    ),
    pytest.param(
        {"field": "answer.CS-01", "equals": "conform"},
        "must name an earlier gate question",
        id="answer-non-gate",
    ),
    pytest.param(
        {"field": "answer.NOPE-99", "answered": True},
        "must name an earlier gate question",
        id="answer-unknown",
    ),
    pytest.param(
        {"field": "answer.SCOPE-01", "answered": "yes"},
        "'answered' takes true or false",
        id="answered-non-bool",
    ),
    pytest.param(
        {"field": "profile.audience", "equals": "public_cn", "in": ["public_cn"]},
        "exactly one of",
        id="two-operators",
    ),
    pytest.param({"field": "profile.audience"}, "exactly one of", id="no-operator"),
    pytest.param({"equals": "public_cn"}, "exactly one of", id="no-field"),
    pytest.param(
        {"field": "profile.audience", "equals": "public_cn", "because": "x"},
        "exactly one of",
        id="extra-key",
    ),
    pytest.param({"all": []}, "non-empty list", id="empty-all"),
    pytest.param({"any": []}, "non-empty list", id="empty-any"),
    pytest.param(
        {"all": {"field": "profile.public_opinion", "equals": True}},
        "non-empty list",
        id="all-not-list",
    ),
    pytest.param(
        {"all": [{"field": "profile.public_opinion", "equals": True}], "field": "x"},
        "nothing else",
        id="all-extra-key",
    ),
    pytest.param(
        {
            "all": [{"field": "profile.public_opinion", "equals": True}],
            "any": [{"field": "profile.public_opinion", "equals": True}],
        },
        "nothing else",
        id="all-and-any",
    ),
    pytest.param(
        {"not": {"field": "profile.public_opinion", "equals": True}, "extra": 1},
        "'not' stands alone",
        id="not-extra-key",
    ),
    pytest.param(
        {"all": [{"field": "profile.public_opinion", "equals": "true"}]},
        "applies_if.all[0]",
        id="nested-error-names-path",
    ),
    pytest.param({}, "a condition is a mapping", id="empty-mapping"),
    pytest.param(["profile.audience"], "a condition is a mapping", id="list"),
    pytest.param("profile.audience == 'public_cn'", "a condition is a mapping", id="string"),
    pytest.param(True, "a condition is a mapping", id="bool"),
    pytest.param({"not": None}, "a condition is a mapping", id="not-none"),
]


@pytest.mark.parametrize(("condition", "reason"), INVALID)
def test_validate_rejects(condition, reason):
    with pytest.raises(ConditionError) as exc:
        conditions.validate(condition, known_answers=GATES)
    assert reason in str(exc.value)


def test_validate_error_names_where():
    with pytest.raises(ConditionError, match=r"^question CS-01\.applies_if: unknown field"):
        conditions.validate(
            {"field": "profile.nope", "equals": 1}, where="question CS-01.applies_if"
        )


def test_answer_fields_need_known_answers():
    """Without known gates, every answer.* field is refused (a gate must come earlier)."""
    with pytest.raises(ConditionError):
        conditions.validate({"field": "answer.SCOPE-01", "equals": True})


# --- evaluate() ---------------------------------------------------------------------------

PROFILE = {
    "audience": "public_cn",
    "public_opinion": True,
    "minors_allowed": False,
    "modalities": ["text", "image"],
    "channels": ["web"],
}
ANSWERS = {"SCOPE-01": True, "SCOPE-03": "fine_tuned", "SCOPE-09": ["medical", "financial"]}

T_OPINION = {"field": "profile.public_opinion", "equals": True}
F_MINORS = {"field": "profile.minors_allowed", "equals": True}

EVALUATE = [
    # equals
    ({"field": "profile.audience", "equals": "public_cn"}, True),
    ({"field": "profile.audience", "equals": "outside_cn"}, False),
    ({"field": "profile.minors_allowed", "equals": False}, True),
    ({"field": "answer.SCOPE-01", "equals": True}, True),
    ({"field": "answer.SCOPE-01", "equals": False}, False),
    # in
    ({"field": "profile.audience", "in": ["public_cn", "enterprise_cn"]}, True),
    ({"field": "profile.audience", "in": ["outside_cn"]}, False),
    ({"field": "answer.SCOPE-03", "in": ["self_developed", "fine_tuned"]}, True),
    ({"field": "answer.SCOPE-03", "in": ["call_filed_only"]}, False),
    # contains
    ({"field": "profile.modalities", "contains": "image"}, True),
    ({"field": "profile.modalities", "contains": "video"}, False),
    ({"field": "answer.SCOPE-09", "contains": "medical"}, True),
    ({"field": "answer.SCOPE-09", "contains": "cii"}, False),
    ({"field": "answer.SCOPE-03", "contains": "fine_tuned"}, False),  # not a list
    # answered
    ({"field": "answer.SCOPE-01", "answered": True}, True),
    ({"field": "answer.SCOPE-01", "answered": False}, False),
    # all / any / not
    ({"all": [T_OPINION, {"field": "answer.SCOPE-01", "equals": True}]}, True),
    ({"all": [T_OPINION, F_MINORS]}, False),
    ({"any": [F_MINORS, T_OPINION]}, True),
    ({"any": [F_MINORS, {"field": "profile.audience", "equals": "outside_cn"}]}, False),
    ({"not": T_OPINION}, False),
    ({"not": F_MINORS}, True),
    ({"not": {"not": T_OPINION}}, True),
    ({"all": [{"any": [F_MINORS, T_OPINION]}, {"not": F_MINORS}]}, True),
]


@pytest.mark.parametrize(("condition", "expected"), EVALUATE)
def test_evaluate(condition, expected):
    assert conditions.evaluate(condition, profile=PROFILE, answers=ANSWERS) is expected


def test_no_condition_always_holds():
    assert conditions.evaluate(None, profile={}, answers={}) is True


# A missing answer (or profile fact) makes every test false, except `answered: false`: a question
# gated on an unanswered gate stays hidden until the gate is answered.
MISSING = [
    ({"field": "answer.SCOPE-01", "equals": True}, False),
    ({"field": "answer.SCOPE-01", "equals": False}, False),
    ({"field": "answer.SCOPE-01", "equals": None}, False),
    (
        {"field": "answer.SCOPE-03", "in": ["self_developed", "fine_tuned", "call_filed_only"]},
        False,
    ),
    ({"field": "answer.SCOPE-09", "contains": "none"}, False),
    ({"field": "answer.SCOPE-01", "answered": True}, False),
    ({"field": "answer.SCOPE-01", "answered": False}, True),
    ({"field": "profile.public_opinion", "equals": False}, False),
    ({"field": "profile.modalities", "contains": "text"}, False),
]


@pytest.mark.parametrize(("condition", "expected"), MISSING)
@pytest.mark.parametrize("answers", [{}, {"SCOPE-01": None, "SCOPE-03": None, "SCOPE-09": None}])
def test_missing_answers(condition, expected, answers):
    assert conditions.evaluate(condition, profile={}, answers=answers) is expected


@pytest.mark.parametrize("empty", ["", []])
def test_empty_answer_counts_as_unanswered(empty):
    cond = {"field": "answer.SCOPE-09", "answered": True}
    assert conditions.evaluate(cond, profile={}, answers={"SCOPE-09": empty}) is False
    cond = {"field": "answer.SCOPE-09", "answered": False}
    assert conditions.evaluate(cond, profile={}, answers={"SCOPE-09": empty}) is True


def test_false_answer_is_answered():
    """'No' to a yes/no gate is an answer, not a missing one."""
    cond = {"field": "answer.SCOPE-01", "answered": True}
    assert conditions.evaluate(cond, profile={}, answers={"SCOPE-01": False}) is True


# --- Catalogue.applicable() on the real questionnaire --------------------------------------


@pytest.fixture
def catalogue(db):
    questionnaire = Questionnaire.objects.get(code="gai-security-self-assessment", version=1)
    return get_catalogue(questionnaire)


def _gated_on(catalogue, gate: str) -> list[str]:
    return [
        q.code
        for q in catalogue.questions
        if q.applies_if is not None and f"'answer.{gate}'" in repr(q.applies_if)
    ]


def test_every_real_condition_is_valid(catalogue):
    """Each condition of the real questionnaire reads only earlier gates."""
    gates: set[str] = set()
    for q in catalogue.questions:
        if q.applies_if is not None:
            conditions.validate(q.applies_if, known_answers=gates, where=q.code)
        if q.gate:
            gates.add(q.code)


def test_gate_that_does_not_apply_hides_its_dependants(catalogue):
    """SCOPE-07 (annotation) is asked only when SCOPE-03 says the model is trained; SCOPE-03
    itself applies only to services for the public in China. For a service outside China that
    answered 'no' to SCOPE-01, a stale SCOPE-03 answer left in the database must not bring
    SCOPE-07 (or anything gated on SCOPE-03) back."""
    dependants = _gated_on(catalogue, "SCOPE-03")
    assert "SCOPE-07" in dependants
    stale = {"SCOPE-01": False, "SCOPE-03": "self_developed", "SCOPE-07": True}
    applicable = catalogue.applicable({"audience": "outside_cn"}, stale)
    assert "SCOPE-01" in applicable
    assert "SCOPE-03" not in applicable
    assert not set(dependants) & applicable, "dependants of a non-applicable gate leaked"

    # The same answers with a public service: the gate applies, so its dependants appear.
    applicable = catalogue.applicable({"audience": "public_cn"}, stale)
    assert {"SCOPE-03", "SCOPE-07"} <= applicable
    # and 'call_filed_only' hides the training questions again
    applicable = catalogue.applicable(
        {"audience": "public_cn"}, {**stale, "SCOPE-03": "call_filed_only"}
    )
    assert "SCOPE-03" in applicable
    assert "SCOPE-07" not in applicable


def test_unanswered_gate_hides_dependants(catalogue):
    applicable = catalogue.applicable({"audience": "public_cn"}, {})
    assert "SCOPE-03" in applicable
    assert "SCOPE-07" not in applicable


def test_outside_china_sees_only_unconditional_questions(catalogue):
    applicable = catalogue.applicable({"audience": "outside_cn"}, {"SCOPE-01": False})
    unconditional = {q.code for q in catalogue.questions if q.applies_if is None}
    assert applicable == unconditional
    assert "SCOPE-01" in applicable


def test_non_gate_answers_are_never_read(catalogue):
    """Only gate answers feed conditions; an answer to an ordinary question changes nothing."""
    base = catalogue.applicable({"audience": "public_cn"}, {"SCOPE-03": "self_developed"})
    ordinary = next(q.code for q in catalogue.questions if not q.gate)
    with_extra = catalogue.applicable(
        {"audience": "public_cn"}, {"SCOPE-03": "self_developed", ordinary: "not_conform"}
    )
    assert base == with_extra
