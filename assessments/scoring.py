"""Scores, verdicts and clause conclusions of a self-assessment, self-assessed and reviewed.

Pure: no ORM, no request, no settings. The caller turns its models into the specs below
(`QuestionSpec`, `DomainSpec`, `AnswerInput`, `ReviewVerdict`) and stores `ScoreResult.to_json()`.
Applicability (`applies_if`) is evaluated elsewhere (`library.conditions`); a question that does
not apply is passed as `AnswerInput(code, applicable=False)`.

Score of one answer (a fraction in 0..1)
    clause            conform 1, not_conform 0, na leaves the denominator
    yes_no            1 when the answer equals `expected`, else 0
    single_choice     the `score` of the chosen choice
    multiple_choice   the sum of the scores of the chosen choices, capped at 1 (nothing chosen: 0)
    number            1 when every non-advisory threshold holds, else 0
    `AnswerInput.partial` overrides the computed fraction of an answered scored question.

Only *scored* binding questions enter the denominator: a gradable kind (clause; yes_no with
`expected`; choice questions with choice scores; number questions with a non-advisory threshold),
a weight above 0 and not advisory. Kinds text, date and evidence are never scored. A non-applicable question and a
clause answered N/A leave the denominator. An applicable scored question that is unanswered counts
as 0 in the score and is also reported in `ScoreResult.unanswered`.

Scores are weighted: 100 * sum(weight * fraction) / sum(weight), per domain and overall (the
overall score weighs questions, not domains), rounded half up to one decimal; None when nothing
enters the denominator.

Advisory questions (recommendations, and provisions read only in secondary sources or not yet
confirmed) never enter the score: a provider's headline figure must not rest on rules that may
not bind. They are counted apart, per domain and overall (`Advisory`): how many apply, how many
are answered and how many conform (after the reviewer's verdict on the reviewed basis).

Reviewed score
    A reviewer's verdict on an answer overrides the self-assessment: `accepted` keeps the
    self-assessed fraction (and an accepted N/A stays N/A), `does_not_conform` gives 0 and
    `needs_revision` gives 0 and an open item. A rejected N/A or non-applicable scored question
    re-enters the denominator at 0. Answers without a review keep their self-assessed fraction and
    are listed in `ScoreResult.unreviewed`.

Red lines (`red_line: true`; never advisory, `QuestionSpec` rejects both)
    met           answered and conforming (fraction 1; for text/date/evidence: answered)
    failed        answered and not fully conforming (a partial score fails a red line), or a
                  reviewer's `does_not_conform`
    not_yet_met   unanswered, or a reviewer's `needs_revision` of an answer that did not fail
    not_applicable the question does not apply, or a clause answered N/A that a reviewer
                  accepted (`accepted` verdict); an N/A not yet accepted is `not_yet_met`
                  with the open item `na_unverified`, and a question with
                  `na_allowed=False` treats N/A as unanswered
    Red lines are evaluated whatever their weight.

Verdict rule
    1. `not_ready` if any red line failed (`failed_red_lines` lists them) or is not yet met
       (`pending_red_lines`: unanswered, or sent back by a reviewer), or if `not_ready_below`
       is given and the overall score is below it (default None: no score cut-off; the regulation
       sets no pass mark and the red lines carry the hard stops).
    2. `ready` (ready for filing) if there is no blocking open item: no applicable non-advisory
       scored question below 1 (unanswered counts), no red line not yet met, no required
       non-advisory question unanswered and no reviewer `needs_revision` / `does_not_conform` on a
       non-advisory question.
    3. otherwise `ready_after_remediation`.
    Advisory questions never change the verdict: their gaps are listed in `advisory_gaps`.

Clause conclusion (TC260-003 §9.1 d), over the non-advisory scored clause questions
    `conforms` (全部符合要求) when every clause conforms or is N/A / not applicable,
    `does_not_conform` (全部不符合要求) when none conforms and at least one does not,
    `partially_conforms` (部分符合要求) otherwise; None when the questionnaire has no such clause.
    An unanswered clause, a partial score and a red line answered N/A that no reviewer has
    accepted count as not conforming.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

__all__ = [
    "BASIS_LABELS",
    "CONCLUSION_LABELS",
    "DECLARED_CONCLUSIONS",
    "RED_LINE_LABELS",
    "REVIEW_LABELS",
    "VERDICT_LABELS",
    "RULES",
    "Advisory",
    "AnswerInput",
    "Basis",
    "Conclusion",
    "DomainScore",
    "DomainSpec",
    "OpenItem",
    "QuestionResult",
    "QuestionSpec",
    "RedLine",
    "RedLineStatus",
    "ReviewVerdict",
    "ReviewOutcome",
    "ScorePair",
    "ScoreResult",
    "Threshold",
    "Verdict",
    "DomainPart",
    "combine",
    "declared_mismatch",
    "input_key",
    "score_assessment",
    "score_domain",
    "score_pair",
]

KINDS = frozenset(
    {"clause", "yes_no", "single_choice", "multiple_choice", "number", "date", "text", "evidence"}
)
# The version of the rules below; bump it when a change alters stored scores, so that they are
# recomputed after `migrate` (assessments.scores.recompute_stale). 2: advisory questions left
# the score.
RULES = 2
UNSCORED_KINDS = frozenset({"date", "text", "evidence"})
CLAUSE_VALUES = frozenset({"conform", "not_conform", "na"})
COMPARISONS = frozenset({"ge", "le", "gt", "lt", "eq"})


class Verdict(StrEnum):
    READY = "ready"
    READY_AFTER_REMEDIATION = "ready_after_remediation"
    NOT_READY = "not_ready"


class Conclusion(StrEnum):
    CONFORMS = "conforms"
    PARTIALLY_CONFORMS = "partially_conforms"
    DOES_NOT_CONFORM = "does_not_conform"


class ReviewOutcome(StrEnum):
    ACCEPTED = "accepted"
    NEEDS_REVISION = "needs_revision"
    DOES_NOT_CONFORM = "does_not_conform"


class RedLineStatus(StrEnum):
    MET = "met"
    FAILED = "failed"
    NOT_YET_MET = "not_yet_met"
    NOT_APPLICABLE = "not_applicable"


class Basis(StrEnum):
    SELF = "self"
    REVIEWED = "reviewed"


# {value: (zh, en)} for templates and the PDF.
VERDICT_LABELS: dict[str, tuple[str, str]] = {
    Verdict.READY: ("可提交备案", "Ready for filing"),
    Verdict.READY_AFTER_REMEDIATION: ("整改后可提交备案", "Ready after remediation"),
    Verdict.NOT_READY: ("尚不具备备案条件", "Not ready"),
}
CONCLUSION_LABELS: dict[str, tuple[str, str]] = {
    Conclusion.CONFORMS: ("全部符合要求", "Conforms"),
    Conclusion.PARTIALLY_CONFORMS: ("部分符合要求", "Partially conforms"),
    Conclusion.DOES_NOT_CONFORM: ("全部不符合要求", "Does not conform"),
}
REVIEW_LABELS: dict[str, tuple[str, str]] = {
    ReviewOutcome.ACCEPTED: ("通过", "Accepted"),
    ReviewOutcome.NEEDS_REVISION: ("需修改", "Needs revision"),
    ReviewOutcome.DOES_NOT_CONFORM: ("不符合", "Does not conform"),
}
RED_LINE_LABELS: dict[str, tuple[str, str]] = {
    RedLineStatus.MET: ("已满足", "Met"),
    RedLineStatus.FAILED: ("未满足", "Failed"),
    RedLineStatus.NOT_YET_MET: ("尚未满足", "Not yet met"),
    RedLineStatus.NOT_APPLICABLE: ("不适用", "Not applicable"),
}
# The declared-conclusion choice (what the provider declares in its report) -> the computed
# §9.1 d) conclusion.
DECLARED_CONCLUSIONS: dict[str, str] = {
    "full": Conclusion.CONFORMS,
    "partial": Conclusion.PARTIALLY_CONFORMS,
    "none": Conclusion.DOES_NOT_CONFORM,
}


def declared_mismatch(declared: Any, computed: str | None) -> bool:
    """Whether the declared conclusion contradicts the one computed from the clauses."""
    if declared not in DECLARED_CONCLUSIONS or computed is None:
        return False
    return DECLARED_CONCLUSIONS[declared] != computed


BASIS_LABELS: dict[str, tuple[str, str]] = {
    Basis.SELF: ("自评估", "Self-assessed"),
    Basis.REVIEWED: ("审核后", "Reviewed"),
}


# --------------------------------------------------------------------------- inputs


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal | Fraction) and not isinstance(value, bool)


def _frac(value: int | float | Decimal | Fraction) -> Fraction:
    """Exact fraction of a number; floats go through their shortest decimal repr (0.1 -> 1/10)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


@dataclass(frozen=True)
class Threshold:
    """A number a `number` answer must satisfy: `answer <comparison> value`."""

    comparison: str
    value: int | float | Decimal
    advisory: bool = False

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.comparison!r}")
        if not _is_number(self.value):
            raise ValueError(f"threshold value must be a number, not {self.value!r}")

    def holds(self, answer: int | float | Decimal | Fraction) -> bool:
        a, v = _frac(answer), _frac(self.value)
        return {
            "ge": a >= v,
            "le": a <= v,
            "gt": a > v,
            "lt": a < v,
            "eq": a == v,
        }[self.comparison]


@dataclass(frozen=True)
class QuestionSpec:
    """One question as scoring sees it (see docs/library-format.md)."""

    code: str
    domain: str
    kind: str
    weight: int | float = 1
    red_line: bool = False
    advisory: bool = False
    required: bool = True
    expected: bool | None = None  # yes_no only
    choice_scores: Mapping[str, int | float] = field(default_factory=dict)
    # Choices offered without a score ("不适用"): choosing one takes the question out of the
    # score, as N/A does for a clause.
    na_choices: frozenset[str] = frozenset()
    thresholds: tuple[Threshold, ...] = ()
    # False where N/A is no valid answer (a clause every service in scope must meet): an N/A
    # answer then counts as unanswered.
    na_allowed: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: unknown kind {self.kind!r}")
        if not _is_number(self.weight) or not 0 <= self.weight <= 10:
            raise ValueError(f"{self.code}: weight must be a number in 0..10")
        if self.red_line and self.advisory:
            raise ValueError(f"{self.code}: a question cannot be both red_line and advisory")
        if self.expected is not None and not isinstance(self.expected, bool):
            raise ValueError(f"{self.code}: expected must be true or false")
        for value, score in self.choice_scores.items():
            if not _is_number(score) or not 0 <= score <= 1:
                raise ValueError(f"{self.code}: score of choice {value!r} must be in 0..1")
        object.__setattr__(self, "choice_scores", MappingProxyType(dict(self.choice_scores)))
        object.__setattr__(
            self,
            "thresholds",
            tuple(t if isinstance(t, Threshold) else Threshold(*t) for t in self.thresholds),
        )

    @property
    def gradable(self) -> bool:
        """Whether an answer can conform or not (independent of the weight)."""
        if self.kind == "clause":
            return True
        if self.kind == "yes_no":
            return self.expected is not None
        if self.kind in ("single_choice", "multiple_choice"):
            return bool(self.choice_scores)
        if self.kind == "number":
            return any(not t.advisory for t in self.thresholds)
        return False

    @property
    def scored(self) -> bool:
        """Whether the question can enter the denominator."""
        return self.gradable and self.weight > 0


@dataclass(frozen=True)
class DomainSpec:
    code: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class AnswerInput:
    """A provider's answer. `value` None means unanswered.

    clause: "conform" / "not_conform" / "na"; yes_no: bool; single_choice: the choice value;
    multiple_choice: a list of choice values; number: int/float/Decimal; date, text, evidence:
    anything, answered unless None, blank, empty or False (for evidence, e.g. the file count).
    `partial` (0..1) overrides the computed fraction of an answered scored question.
    """

    code: str
    value: Any = None
    applicable: bool = True
    partial: float | None = None

    def __post_init__(self) -> None:
        if self.partial is not None and (
            not _is_number(self.partial) or not 0 <= self.partial <= 1
        ):
            raise ValueError(f"{self.code}: partial must be in 0..1")


@dataclass(frozen=True)
class ReviewVerdict:
    code: str
    verdict: str  # a ReviewOutcome value

    def __post_init__(self) -> None:
        if self.verdict not in set(ReviewOutcome):
            raise ValueError(f"{self.code}: unknown review verdict {self.verdict!r}")
        object.__setattr__(self, "verdict", ReviewOutcome(self.verdict))


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class QuestionResult:
    """How one question was counted.

    status: conform | partial | not_conform | na | not_applicable | unanswered | answered
    (an answered unscored question) | needs_revision.
    """

    code: str
    domain: str
    status: str
    fraction: float | None  # None when the question is not in the denominator
    weight: float
    review: str | None = None


@dataclass(frozen=True)
class RedLine:
    code: str
    domain: str
    status: str  # a RedLineStatus value


@dataclass(frozen=True)
class OpenItem:
    """Something that keeps the verdict from `ready`.

    reason: unanswered | not_conform | partial | needs_revision | na_unverified (a red line
    answered N/A that no reviewer has accepted yet).
    """

    code: str
    domain: str
    reason: str
    red_line: bool = False


@dataclass(frozen=True)
class Advisory:
    """The advisory questions of a domain or of the whole assessment, outside the score."""

    applicable: int = 0
    answered: int = 0
    conforming: int = 0

    def __add__(self, other: Advisory) -> Advisory:
        return Advisory(
            self.applicable + other.applicable,
            self.answered + other.answered,
            self.conforming + other.conforming,
        )

    def to_json(self) -> dict[str, int]:
        return {
            "applicable": self.applicable,
            "answered": self.answered,
            "conforming": self.conforming,
        }


@dataclass(frozen=True)
class DomainScore:
    code: str
    title_zh: str
    title_en: str
    score: float | None  # 0..100, one decimal; None when nothing is scored
    earned: float  # sum of weight * fraction
    possible: float  # sum of weights in the denominator
    questions: int  # questions of the domain
    applicable: int  # questions that apply (an N/A clause answer still applies)
    answered: int  # applicable questions answered
    unanswered: int  # applicable scored or required questions unanswered
    failed_red_lines: tuple[str, ...] = ()
    advisory: Advisory = Advisory()  # outside `score`


@dataclass(frozen=True)
class ScoreResult:
    basis: str  # a Basis value
    overall: float | None
    domains: tuple[DomainScore, ...]
    verdict: str  # a Verdict value
    conclusion: str | None  # a Conclusion value
    red_lines: tuple[RedLine, ...]
    open_items: tuple[OpenItem, ...]
    unanswered: tuple[str, ...]
    advisory_gaps: tuple[str, ...]  # advisory questions answered below 1 or unanswered
    unreviewed: tuple[str, ...]  # reviewed basis: answered questions without a review verdict
    questions: tuple[QuestionResult, ...]
    not_ready_below: float | None = None

    @property
    def failed_red_lines(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.red_lines if r.status == RedLineStatus.FAILED)

    @property
    def advisory(self) -> Advisory:
        """The advisory questions of all domains (outside `overall`)."""
        return sum((d.advisory for d in self.domains), Advisory())

    @property
    def pending_red_lines(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.red_lines if r.status == RedLineStatus.NOT_YET_MET)

    def domain(self, code: str) -> DomainScore:
        for d in self.domains:
            if d.code == code:
                return d
        raise KeyError(code)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for a JSONField); `from_json` reads it back."""
        return {
            "basis": str(self.basis),
            "overall": self.overall,
            "verdict": str(self.verdict),
            "failed_red_lines": list(self.failed_red_lines),
            "conclusion": None if self.conclusion is None else str(self.conclusion),
            "not_ready_below": self.not_ready_below,
            # Which rules produced this score: a stored score of older rules is recomputed
            # (assessments.scores.recompute_stale).
            "rules": RULES,
            "advisory": self.advisory.to_json(),
            "domains": [
                {
                    "code": d.code,
                    "title_zh": d.title_zh,
                    "title_en": d.title_en,
                    "score": d.score,
                    "earned": d.earned,
                    "possible": d.possible,
                    "questions": d.questions,
                    "applicable": d.applicable,
                    "answered": d.answered,
                    "unanswered": d.unanswered,
                    "failed_red_lines": list(d.failed_red_lines),
                    "advisory": d.advisory.to_json(),
                }
                for d in self.domains
            ],
            "red_lines": [
                {"code": r.code, "domain": r.domain, "status": str(r.status)}
                for r in self.red_lines
            ],
            "open_items": [
                {"code": o.code, "domain": o.domain, "reason": o.reason, "red_line": o.red_line}
                for o in self.open_items
            ],
            "unanswered": list(self.unanswered),
            "advisory_gaps": list(self.advisory_gaps),
            "unreviewed": list(self.unreviewed),
            "questions": [
                {
                    "code": q.code,
                    "domain": q.domain,
                    "status": q.status,
                    "fraction": q.fraction,
                    "weight": q.weight,
                    "review": None if q.review is None else str(q.review),
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoreResult:
        return cls(
            basis=Basis(data["basis"]),
            overall=data["overall"],
            domains=tuple(
                DomainScore(
                    **{
                        **d,
                        "failed_red_lines": tuple(d["failed_red_lines"]),
                        "advisory": Advisory(**d.get("advisory", {})),
                    }
                )
                for d in data["domains"]
            ),
            verdict=Verdict(data["verdict"]),
            conclusion=None if data["conclusion"] is None else Conclusion(data["conclusion"]),
            red_lines=tuple(
                RedLine(r["code"], r["domain"], RedLineStatus(r["status"]))
                for r in data["red_lines"]
            ),
            open_items=tuple(OpenItem(**o) for o in data["open_items"]),
            unanswered=tuple(data["unanswered"]),
            advisory_gaps=tuple(data["advisory_gaps"]),
            unreviewed=tuple(data["unreviewed"]),
            questions=tuple(
                QuestionResult(
                    **{**q, "review": None if q["review"] is None else ReviewOutcome(q["review"])}
                )
                for q in data["questions"]
            ),
            not_ready_below=data.get("not_ready_below"),
        )


@dataclass(frozen=True)
class ScorePair:
    """Self-assessed and reviewer-assessed results side by side."""

    self_assessed: ScoreResult
    reviewed: ScoreResult | None


# --------------------------------------------------------------------------- scoring


def _round1(value: Fraction) -> float:
    """Round half up to one decimal, exactly (no binary-float surprises)."""
    return float(Fraction(math.floor(value * 10 + Fraction(1, 2)), 10))


def _percent(earned: Fraction, possible: Fraction) -> float | None:
    return None if possible == 0 else _round1(100 * earned / possible)


def _is_answered(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset | dict):
        return bool(value)
    if _is_number(value):
        return value != 0
    return True


def _answer_fraction(q: QuestionSpec, value: Any) -> Fraction:
    """The fraction of an answered gradable question (clause N/A handled by the caller)."""
    if q.kind == "clause":
        if value not in CLAUSE_VALUES:
            raise ValueError(f"{q.code}: clause answer must be conform, not_conform or na")
        return Fraction(1 if value == "conform" else 0)
    if q.kind == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"{q.code}: yes_no answer must be true or false, not {value!r}")
        return Fraction(1 if value == q.expected else 0)
    if q.kind == "single_choice":
        if value not in q.choice_scores:
            raise ValueError(f"{q.code}: {value!r} is not a scored choice")
        return _frac(q.choice_scores[value])
    if q.kind == "multiple_choice":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"{q.code}: multiple_choice answer must be a list")
        chosen = list(dict.fromkeys(value))
        for v in chosen:
            if v not in q.choice_scores:
                raise ValueError(f"{q.code}: {v!r} is not a scored choice")
        return min(Fraction(1), sum((_frac(q.choice_scores[v]) for v in chosen), Fraction(0)))
    if q.kind == "number":
        if not _is_number(value):
            raise ValueError(f"{q.code}: number answer must be a number, not {value!r}")
        ok = all(t.holds(value) for t in q.thresholds if not t.advisory)
        return Fraction(1 if ok else 0)
    raise AssertionError(q.kind)  # pragma: no cover - gradable kinds only


def _status_of(fraction: Fraction) -> str:
    if fraction == 1:
        return "conform"
    return "not_conform" if fraction == 0 else "partial"


def _index(items: Iterable[Any], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.code in out:
            raise ValueError(f"duplicate {what} {item.code!r}")
        out[item.code] = item
    return out


@dataclass(frozen=True)
class DomainPart:
    """What one domain's questions add to a score: its figures and its entries of every list,
    in question order. A domain's part depends only on its questions, their answers and
    reviews, so a caller may keep the parts of domains whose inputs did not change
    (assessments.scores does, per process) and `combine` gives the same result as scoring
    everything again."""

    code: str
    earned: Fraction
    possible: Fraction
    questions: int
    applicable: int
    answered: int
    unanswered_count: int
    failed: tuple[str, ...]
    advisory: Advisory
    results: tuple[QuestionResult, ...]
    red_lines: tuple[RedLine, ...]
    open_items: tuple[OpenItem, ...]
    unanswered: tuple[str, ...]
    advisory_gaps: tuple[str, ...]
    unreviewed: tuple[str, ...]
    clause_states: tuple[bool | None, ...]


def input_key(q: QuestionSpec, answer: AnswerInput | None) -> tuple:
    """Everything of `answer` that scoring reads for question `q`, hashable: two answers with
    the same key score the same. Texts, dates and files count only as answered or not, so a
    key holds no long text."""
    if answer is None:
        return (q.code,)
    value = answer.value if answer.applicable else None
    frozen = _is_answered(value) if not q.gradable else _freeze(value)
    return (q.code, answer.applicable, frozen, answer.partial)


def _freeze(value: Any) -> Any:
    # The type is part of the key: True == 1 and 1 == 1.0, but scoring tells them apart.
    if isinstance(value, list | tuple):
        return ("seq", tuple(_freeze(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


def score_domain(
    code: str,
    questions: Sequence[QuestionSpec],
    answer_index: Mapping[str, AnswerInput],
    review_index: Mapping[str, ReviewVerdict],
    basis: str,
) -> DomainPart:
    """The part of domain `code` (`questions` are that domain's, in order)."""
    acc: dict[str, Any] = {
        "earned": Fraction(0),
        "possible": Fraction(0),
        "questions": 0,
        "applicable": 0,
        "answered": 0,
        "unanswered": 0,
        "failed": [],
    }
    results: list[QuestionResult] = []
    red_lines: list[RedLine] = []
    open_items: list[OpenItem] = []
    unanswered: list[str] = []
    advisory_gaps: list[str] = []
    unreviewed: list[str] = []
    clause_states: list[bool | None] = []  # True conforms, False does not, None N/A
    advisory = Advisory()

    for q in questions:
        acc["questions"] += 1
        answer = answer_index.get(q.code)
        applicable = answer is None or answer.applicable
        value = answer.value if answer is not None and applicable else None
        answered = applicable and (value is not None if q.gradable else _is_answered(value))

        # Self-assessed status and fraction.
        fraction: Fraction | None
        if not applicable:
            status, fraction = "not_applicable", None
        elif not answered:
            status, fraction = "unanswered", Fraction(0) if q.gradable else None
        elif (q.kind == "clause" and value == "na") or (
            q.kind == "single_choice" and q.gradable and value in q.na_choices
        ):
            status, fraction = ("na", None) if q.na_allowed else ("unanswered", Fraction(0))
        elif q.gradable:
            fraction = _answer_fraction(q, value)
            if answer is not None and answer.partial is not None:
                fraction = _frac(answer.partial)
            status = _status_of(fraction)
        else:
            status, fraction = "answered", None
        self_status = status

        # The reviewer's verdict overrides it.
        review = review_index.get(q.code)
        outcome = None if review is None else review.verdict
        if outcome == ReviewOutcome.DOES_NOT_CONFORM:
            status, fraction = "not_conform", Fraction(0) if q.gradable else None
        elif outcome == ReviewOutcome.NEEDS_REVISION:
            status, fraction = "needs_revision", Fraction(0) if q.gradable else None
        elif basis == Basis.REVIEWED and outcome is None and answered:
            unreviewed.append(q.code)

        counted = q.scored and not q.advisory and fraction is not None
        if applicable:
            acc["applicable"] += 1
            acc["answered"] += answered
            if q.advisory:
                advisory += Advisory(1, int(answered), int(status == "conform"))
        if counted:
            assert fraction is not None
            acc["earned"] += q.weight * fraction
            acc["possible"] += _frac(q.weight)
        if status == "unanswered" and (q.scored or q.required or q.red_line):
            acc["unanswered"] += 1
            unanswered.append(q.code)
        results.append(
            QuestionResult(
                code=q.code,
                domain=q.domain,
                status=status,
                fraction=None if not counted else float(fraction),  # type: ignore[arg-type]
                weight=float(q.weight),
                review=outcome,
            )
        )

        # Red lines. An N/A answer to a red line is the provider's claim, not a fact: it stays
        # "not yet met" until a reviewer accepts it explicitly.
        na_unverified = q.red_line and status == "na" and outcome != ReviewOutcome.ACCEPTED
        if q.red_line:
            if status == "not_applicable" or (status == "na" and not na_unverified):
                rl = RedLineStatus.NOT_APPLICABLE
            elif na_unverified:
                rl = RedLineStatus.NOT_YET_MET
            elif status == "unanswered":
                rl = RedLineStatus.NOT_YET_MET
            elif status == "needs_revision":
                failed_before = self_status in ("not_conform", "partial")
                rl = RedLineStatus.FAILED if failed_before else RedLineStatus.NOT_YET_MET
            elif status in ("not_conform", "partial"):
                rl = RedLineStatus.FAILED
            else:
                rl = RedLineStatus.MET
            red_lines.append(RedLine(q.code, q.domain, rl))
            if rl == RedLineStatus.FAILED:
                acc["failed"].append(q.code)

        # Open items and advisory gaps.
        blocking_reason: str | None = None
        if status == "needs_revision":
            blocking_reason = "needs_revision"
        elif na_unverified:
            blocking_reason = "na_unverified"
        elif status == "unanswered" and (q.scored or q.required or q.red_line):
            blocking_reason = "unanswered"
        elif status in ("not_conform", "partial") and (
            q.scored or q.red_line or outcome is not None
        ):
            blocking_reason = status
        if blocking_reason is not None:
            if q.advisory:
                advisory_gaps.append(q.code)
            else:
                open_items.append(OpenItem(q.code, q.domain, blocking_reason, q.red_line))

        # Clause conclusion.
        if q.kind == "clause" and q.scored and not q.advisory:
            if na_unverified:
                clause_states.append(False)  # no 全部符合 on an unverified red-line N/A
            else:
                clause_states.append(None if fraction is None else fraction == 1)

    return DomainPart(
        code=code,
        earned=acc["earned"],
        possible=acc["possible"],
        questions=acc["questions"],
        applicable=acc["applicable"],
        answered=acc["answered"],
        unanswered_count=acc["unanswered"],
        failed=tuple(acc["failed"]),
        advisory=advisory,
        results=tuple(results),
        red_lines=tuple(red_lines),
        open_items=tuple(open_items),
        unanswered=tuple(unanswered),
        advisory_gaps=tuple(advisory_gaps),
        unreviewed=tuple(unreviewed),
        clause_states=tuple(clause_states),
    )


def score_assessment(
    questions: Sequence[QuestionSpec],
    domains: Sequence[DomainSpec],
    answers: Iterable[AnswerInput],
    reviews: Iterable[ReviewVerdict] | None = None,
    *,
    not_ready_below: float | None = None,
) -> ScoreResult:
    """Score one assessment; with `reviews` (even empty) the result is the reviewed score.

    See the module docstring for the rules. Raises ValueError on inconsistent input (unknown or
    duplicate codes, an answer of the wrong type, a choice value without a score).
    """
    domain_index = _index(domains, "domain")
    question_index = _index(questions, "question")
    for q in questions:
        if q.domain not in domain_index:
            raise ValueError(f"{q.code}: unknown domain {q.domain!r}")
    answer_index = _index(answers, "answer")
    review_index = _index(reviews or (), "review")
    for code in (*answer_index, *review_index):
        if code not in question_index:
            raise ValueError(f"answer or review for unknown question {code!r}")
    basis = Basis.SELF if reviews is None else Basis.REVIEWED

    by_domain: dict[str, list[QuestionSpec]] = {d.code: [] for d in domains}
    for q in questions:
        by_domain[q.domain].append(q)
    parts = [
        score_domain(d.code, by_domain[d.code], answer_index, review_index, basis) for d in domains
    ]
    grouped = [q.code for d in domains for q in by_domain[d.code]]
    order = None if grouped == [q.code for q in questions] else list(question_index)
    return combine(basis, domains, parts, not_ready_below=not_ready_below, order=order)


def combine(
    basis: str,
    domains: Sequence[DomainSpec],
    parts: Sequence[DomainPart],
    *,
    not_ready_below: float | None = None,
    order: Sequence[str] | None = None,
) -> ScoreResult:
    """The score of an assessment from the parts of its domains (in the order of `domains`).
    Lists follow the domains' order, or `order` (question codes) when questions were given in
    another order than domain by domain."""
    results = [r for p in parts for r in p.results]
    red_lines = [r for p in parts for r in p.red_lines]
    open_items = [o for p in parts for o in p.open_items]
    unanswered = [c for p in parts for c in p.unanswered]
    advisory_gaps = [c for p in parts for c in p.advisory_gaps]
    unreviewed = [c for p in parts for c in p.unreviewed]
    if order is not None:
        position = {code: i for i, code in enumerate(order)}
        for items in (results, red_lines, open_items):
            items.sort(key=lambda item: position[item.code])
        for codes in (unanswered, advisory_gaps, unreviewed):
            codes.sort(key=position.__getitem__)
    clause_states = [s for p in parts for s in p.clause_states]
    total_earned = sum((p.earned for p in parts), Fraction(0))
    total_possible = sum((p.possible for p in parts), Fraction(0))
    per_domain = {
        p.code: {
            "earned": p.earned,
            "possible": p.possible,
            "questions": p.questions,
            "applicable": p.applicable,
            "answered": p.answered,
            "unanswered": p.unanswered_count,
            "failed": p.failed,
            "advisory": p.advisory,
        }
        for p in parts
    }

    domain_scores = tuple(
        DomainScore(
            code=d.code,
            title_zh=d.title_zh,
            title_en=d.title_en,
            score=_percent(per_domain[d.code]["earned"], per_domain[d.code]["possible"]),
            earned=float(per_domain[d.code]["earned"]),
            possible=float(per_domain[d.code]["possible"]),
            questions=per_domain[d.code]["questions"],
            applicable=per_domain[d.code]["applicable"],
            answered=per_domain[d.code]["answered"],
            unanswered=per_domain[d.code]["unanswered"],
            failed_red_lines=tuple(per_domain[d.code]["failed"]),
            advisory=per_domain[d.code]["advisory"],
        )
        for d in domains
    )
    overall = _percent(total_earned, total_possible)

    # A red line not yet met (unanswered, or sent back by a reviewer) blocks filing as surely
    # as a failed one: nobody may file on an unverified red line.
    if any(r.status in (RedLineStatus.FAILED, RedLineStatus.NOT_YET_MET) for r in red_lines) or (
        not_ready_below is not None and overall is not None and overall < not_ready_below
    ):
        verdict = Verdict.NOT_READY
    elif open_items:
        verdict = Verdict.READY_AFTER_REMEDIATION
    else:
        verdict = Verdict.READY

    conclusion: Conclusion | None
    if not clause_states:
        conclusion = None
    elif all(s is not False for s in clause_states):
        conclusion = Conclusion.CONFORMS
    elif not any(s is True for s in clause_states):
        conclusion = Conclusion.DOES_NOT_CONFORM
    else:
        conclusion = Conclusion.PARTIALLY_CONFORMS

    return ScoreResult(
        basis=basis,
        overall=overall,
        domains=domain_scores,
        verdict=verdict,
        conclusion=conclusion,
        red_lines=tuple(red_lines),
        open_items=tuple(open_items),
        unanswered=tuple(unanswered),
        advisory_gaps=tuple(advisory_gaps),
        unreviewed=tuple(unreviewed),
        questions=tuple(results),
        not_ready_below=not_ready_below,
    )


def score_pair(
    questions: Sequence[QuestionSpec],
    domains: Sequence[DomainSpec],
    answers: Iterable[AnswerInput],
    reviews: Iterable[ReviewVerdict] | None,
    *,
    not_ready_below: float | None = None,
) -> ScorePair:
    """The self-assessed result and, when `reviews` is not None, the reviewed one."""
    answers = tuple(answers)
    self_assessed = score_assessment(
        questions, domains, answers, None, not_ready_below=not_ready_below
    )
    reviewed = (
        None
        if reviews is None
        else score_assessment(
            questions, domains, answers, tuple(reviews), not_ready_below=not_ready_below
        )
    )
    return ScorePair(self_assessed, reviewed)
