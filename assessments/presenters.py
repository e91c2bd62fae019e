"""What the assessment page shows for each question, prepared without further queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments import question_static
from assessments.forms import CLAUSE_FIELDS, AnswerForm, initial_for, threshold_warnings
from assessments.models import Answer, ClauseResult, Evidence, NonConformity
from library import scope
from library.catalogue import DomainItem, QuestionItem
from library.models import QuestionKind

INPUT_CLASS = {
    "RadioSelect": "form-check-input",
    "CheckboxSelectMultiple": "form-check-input",
    "Select": "form-select",
}


@dataclass
class Card:
    """Everything one question card shows. assessments.card_cache keys a rendered card by the
    values of all these fields, so whatever the card template reads must come from here (the
    form and its labelled fields are built from `question`, `initial` and `editable`)."""

    question: QuestionItem
    initial: dict  # the form's initial data: the stored answer or the profile's prefill
    editable: bool
    applicable: bool
    answer: Answer | None
    evidence: list[Evidence]
    gaps: list[tuple[str, str]]
    complete: bool
    previous: str | None = None
    changed: bool = False
    review: object | None = None  # the reviewer's comment when changes were requested
    prefilled: bool = False  # the value shown comes from the service profile, not yet saved
    contradictions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # thresholds a number answer misses
    static: dict | None = None  # badges and citations, the same for every assessment
    new_in: int | None = None  # questionnaire version that added or changed it, until answered

    @cached_property
    def form(self) -> AnswerForm:
        # Built only when the card is rendered (a card served from the cache needs none).
        form = AnswerForm(
            initial=self.initial, question=self.question, auto_id=f"{self.question.code}-%s"
        )
        _style(form, self.editable)
        return form

    @cached_property
    def fields(self) -> FieldBlocks:
        return FieldBlocks(self.form)


def labelled(bound) -> SafeString:
    """A field with its small label above, as the cards show every text and date field."""
    return format_html(
        '<div class="mb-2"><label class="form-label small mb-1" for="{}">{}</label>{}</div>',
        bound.id_for_label,
        bound.label,
        bound,
    )


class FieldBlocks:
    """`card.fields.<name>` in the template: the labelled field, rendered when used (an
    include per field cost more than the field itself)."""

    def __init__(self, form: AnswerForm):
        self.form = form

    def __getitem__(self, name: str) -> SafeString:
        return labelled(self.form[name])


def _style(form: AnswerForm, editable: bool) -> None:
    for bound in form:
        widget = bound.field.widget
        css = INPUT_CLASS.get(type(widget).__name__, "form-control")
        widget.attrs.setdefault("class", css)
        if not editable:
            widget.attrs["disabled"] = True


def question_cards(
    domain: DomainItem,
    state,
    *,
    editable: bool,
    previous: dict[int, Answer],
    comments: dict | None = None,
    marked: set[str] = frozenset(),
) -> list[Card]:
    """`marked`: codes of questions new or changed in the version the assessment moved to."""
    cards = []
    static = question_static.static_parts(state.catalogue, domain.questions)
    contradictions: dict[str, list[str]] = {}
    for found in scope.contradictions(state.catalogue.layout, state.profile, state.values):
        contradictions.setdefault(found.question, []).append(found.message)
    for q in domain.questions:
        answer = state.answers.get(q.code)
        prefill = scope.prefilled_value(
            state.catalogue.layout, q.code, state.profile, answer.value if answer else None
        )
        card = Card(
            question=q,
            initial=initial_for(q, answer, prefill),
            editable=editable,
            applicable=q.code in state.applicable,
            answer=answer,
            evidence=state.evidence.get(q.code, []),
            gaps=state.incomplete.get(q.code, []),
            complete=state.complete[q.code],
            review=(comments or {}).get(q.pk),
            prefilled=prefill is not None and editable,
            contradictions=tuple(contradictions.get(q.code, ())),
            warnings=tuple(threshold_warnings(q, answer.value if answer else None)),
            static=static[q.code],
        )
        if q.code in marked and not state.complete[q.code]:
            card.new_in = state.catalogue.version
        if previous:
            before = previous.get(q.pk)
            card.previous = answer_display(q, before) if before else _("(not answered)")
            card.changed = _fingerprint(q, before) != _fingerprint(q, answer)
        cards.append(card)
    return cards


def _fingerprint(q: QuestionItem, answer: Answer | None):
    if answer is None:
        return None
    details = tuple(getattr(answer, name) for name in CLAUSE_FIELDS)
    return (answer.value, answer.note, details if q.kind == QuestionKind.CLAUSE else ())


def answer_display(q: QuestionItem, answer: Answer | None) -> str:
    """An answer as a person reads it, e.g. in a conflict message or as the previous answer."""
    if answer is None or answer.value in (None, "", []):
        text = _("(not answered)")
    elif q.kind == QuestionKind.CLAUSE:
        text = str(ClauseResult(answer.value).label)
        if answer.value == ClauseResult.NA and answer.na_reason:
            text += f": {answer.na_reason}"
        if answer.value == ClauseResult.NOT_CONFORM and answer.nonconformity:
            text += f" · {NonConformity(answer.nonconformity).label}"
            if answer.remediation_due:
                text += f" ({answer.remediation_due.isoformat()})"
    elif q.kind == QuestionKind.YES_NO:
        text = _("Yes") if answer.value else _("No")
    elif q.kind == QuestionKind.SINGLE_CHOICE:
        text = q.choice_label(answer.value)
    elif q.kind == QuestionKind.MULTIPLE_CHOICE:
        text = "、".join(q.choice_label(v) for v in answer.value)
    elif q.kind == QuestionKind.NUMBER:
        text = f"{answer.value} {q.unit}".strip()
    else:
        text = str(answer.value)
    if answer is not None and answer.note:
        text += f" — {answer.note}"
    return text
