"""A questionnaire version as plain, immutable data, cached per process.

Versions never change once loaded (see library.loading), so the structure is read from the
database once per version and shared by every page and autosave; pages then run a constant
number of queries whatever the number of questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from library import conditions
from library.i18n import reader_text, text_language
from library.layouts import EMPTY, Layout, get_layout
from library.models import Confidence, Provision, Question, Questionnaire
from library.scope import effective_answers

_lang = text_language

# How many profile and gate-answer combinations a catalogue remembers before it starts afresh:
# a process sees a few services at a time, each with a few gate answers.
APPLICABLE_KEPT = 1024


def _frozen(value: Any) -> Any:
    """`value` as a hashable key; the type is part of it, so only equal data shares a key."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_frozen(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


@dataclass(frozen=True)
class CitedProvision:
    key: str
    ref_zh: str
    ref_en: str
    instrument_zh: str
    instrument_en: str
    unconfirmed: bool
    # Read in secondary sources only (confidence S): advisory, like an unconfirmed one.
    secondary: bool = False

    @property
    def label(self) -> str:
        """The citation as people write it: 暂行办法第四条, Interim Measures Art. 4."""
        if _lang() == "en":
            ref, name, sep = self.ref_en, self.instrument_en, " "
        else:
            ref, name, sep = self.ref_zh, self.instrument_zh, ""
        return ref if ref.startswith(name) else f"{name}{sep}{ref}"


@dataclass(frozen=True)
class QuestionItem:
    pk: int
    code: str
    domain: str
    kind: str
    text_zh: str
    text_en: str
    guidance_zh: str
    guidance_en: str
    weight: int
    red_line: bool
    advisory: bool
    required: bool
    evidence_required: bool
    gate: bool
    applies_if: Any
    expected: Any
    choices: tuple[dict, ...]
    unit_zh: str
    unit_en: str
    thresholds: tuple[dict, ...]
    analyser: str
    provisions: tuple[CitedProvision, ...]
    answer_range: dict | None = None  # number questions: {"min", "max", "integer"}
    na_allowed: bool = True  # clause questions: whether 不适用 is a valid answer

    @property
    def text(self) -> str:
        return self.text_en if _lang() == "en" else self.text_zh

    @property
    def guidance(self) -> str:
        return self.guidance_en if _lang() == "en" else self.guidance_zh

    @property
    def unit(self) -> str:
        return self.unit_en if _lang() == "en" else self.unit_zh

    def choice_options(self) -> list[tuple[str, str]]:
        lang = _lang()
        return [(c["value"], c.get(f"label_{lang}") or c["label_zh"]) for c in self.choices]

    def choice_label(self, value: Any) -> str:
        return dict(self.choice_options()).get(value, str(value))


@dataclass(frozen=True)
class DomainItem:
    code: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    questions: tuple[QuestionItem, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_zh

    @property
    def description(self) -> str:
        return reader_text(self.description_en if _lang() == "en" else self.description_zh)


@dataclass(frozen=True, eq=False)
class Catalogue:
    questionnaire_id: int
    code: str
    version: int
    content_hash: str
    domains: tuple[DomainItem, ...]
    by_code: Mapping[str, QuestionItem]
    by_pk: Mapping[int, QuestionItem]
    # The version's document layout: which questions play which role (the scope questions the
    # profile prefills, among others).
    layout: Layout = EMPTY
    # applicable(): the codes per profile and gate answers (a catalogue lives for the process).
    _applicable: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def questions(self) -> list[QuestionItem]:
        return [q for d in self.domains for q in d.questions]

    def domain(self, code: str) -> DomainItem | None:
        return next((d for d in self.domains if d.code == code), None)

    def applicable(self, profile: Mapping[str, Any], answers: Mapping[str, Any]) -> set[str]:
        """Codes of the questions that apply. Conditions read only earlier gate answers, so one
        pass in order suffices; the answer of a gate that does not apply itself counts as
        missing. Unanswered scope questions take the value the service profile implies.

        Remembered per profile and gate answers, all it depends on: an autosave of any other
        question (nearly all of them) finds it there instead of evaluating ~600 conditions
        (tests/test_catalogue_applicable.py compares both on random profiles and answers)."""
        answers = effective_answers(self.layout, profile, answers)
        key = (_frozen(profile), tuple(_frozen(answers.get(code)) for code in self._gates))
        found = self._applicable.get(key)
        if found is None:
            if len(self._applicable) >= APPLICABLE_KEPT:
                self._applicable.clear()
            found = self._applicable[key] = frozenset(self.evaluate_applicable(profile, answers))
        return set(found)

    @cached_property
    def _gates(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions if q.gate)

    def evaluate_applicable(
        self, profile: Mapping[str, Any], answers: Mapping[str, Any]
    ) -> set[str]:
        """`applicable` without remembering, on answers already completed from the profile."""
        seen: dict[str, Any] = {}
        result = set()
        for q in self.questions:
            if conditions.evaluate(q.applies_if, profile=profile, answers=seen):
                result.add(q.code)
                if q.gate and q.code in answers:
                    seen[q.code] = answers[q.code]
        return result


def get_catalogue(questionnaire: Questionnaire) -> Catalogue:
    # The layout may be corrected while the questionnaire stays the same: its hash is part of
    # the key.
    return _build(questionnaire.pk, questionnaire.content_hash, questionnaire.layout_hash)


@lru_cache(maxsize=16)
def _build(questionnaire_id: int, content_hash: str, layout_hash: str = "") -> Catalogue:
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    through = Question.provisions.through
    cited: dict[int, list[CitedProvision]] = {}
    rows = (
        through.objects.filter(question__questionnaire_id=questionnaire_id)
        .select_related("provision__instrument")
        .order_by("provision__key")
    )
    for row in rows:
        p: Provision = row.provision
        cited.setdefault(row.question_id, []).append(
            CitedProvision(
                key=p.key,
                ref_zh=p.ref_zh,
                ref_en=p.ref_en,
                instrument_zh=p.instrument.short_zh,
                instrument_en=p.instrument.short_en,
                unconfirmed=p.is_unconfirmed,
                secondary=p.confidence == Confidence.SECONDARY,
            )
        )
    questions: dict[int, list[QuestionItem]] = {}
    for q in Question.objects.filter(questionnaire_id=questionnaire_id).order_by("position"):
        questions.setdefault(q.domain_id, []).append(
            QuestionItem(
                pk=q.pk,
                code=q.code,
                domain="",
                kind=q.kind,
                text_zh=q.text_zh,
                text_en=q.text_en,
                guidance_zh=q.guidance_zh,
                guidance_en=q.guidance_en,
                weight=q.weight,
                red_line=q.red_line,
                advisory=q.advisory,
                required=q.required,
                evidence_required=q.evidence_required,
                gate=q.gate,
                applies_if=q.applies_if,
                expected=q.expected,
                choices=tuple(q.choices),
                unit_zh=q.unit_zh,
                unit_en=q.unit_en,
                thresholds=tuple(q.thresholds),
                analyser=q.analyser,
                answer_range=q.answer_range,
                na_allowed=q.na_allowed,
                provisions=tuple(cited.get(q.pk, ())),
            )
        )
    domains = []
    for d in questionnaire.domains.order_by("position"):
        items = tuple(
            QuestionItem(**{**q.__dict__, "domain": d.code}) for q in questions.get(d.pk, [])
        )
        domains.append(
            DomainItem(d.code, d.title_zh, d.title_en, d.description_zh, d.description_en, items)
        )
    all_questions = [q for d in domains for q in d.questions]
    return Catalogue(
        questionnaire_id=questionnaire_id,
        code=questionnaire.code,
        version=questionnaire.version,
        content_hash=content_hash,
        domains=tuple(domains),
        by_code={q.code: q for q in all_questions},
        by_pk={q.pk: q for q in all_questions},
        layout=get_layout(questionnaire),
    )
