"""The assessment page's fast path renders exactly what the plain path renders.

Fast: the question's static parts (badges, citations, guidance) from the per-version cache and
the widgets written by portal.formrender.PlainWidgets. Plain: every fragment rendered afresh
and every widget through Django's own template renderer. Every question of the full
questionnaire, every kind, both languages, editable and read-only, with answers in every state
a card shows (clause branches complete and incomplete, markup and quotes in text, a number that
misses its threshold, unanswered questions)."""

from __future__ import annotations

import dataclasses

import pytest
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from assessments import question_static, services
from assessments.forms import AnswerForm
from assessments.models import Answer
from assessments.presenters import question_cards
from library.models import QuestionKind
from tests import factories

HOSTILE = "<script>alert(\"x\")</script> & '引号' “全角” 10\u00a0000 字"


@pytest.fixture
def varied(service, editor):
    assessment, _created = services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    catalogue = services.get_catalogue(assessment.questionnaire)
    clauses = [q for q in catalogue.questions if q.kind == QuestionKind.CLAUSE and q.na_allowed]
    branches = [
        {"value": "na", "na_reason": ""},
        {"value": "na", "na_reason": HOSTILE},
        {"value": "not_conform", "nonconformity": "alternative", "alternative_measure": HOSTILE},
        {
            "value": "not_conform",
            "nonconformity": "remediation",
            "measures_taken": "临时人工审核",
            "remediation_plan": HOSTILE,
            "remediation_due": "2027-02-28",
        },
        {"value": "not_conform"},
    ]
    for q, fields in zip(clauses, branches, strict=False):
        factories.answer(assessment, q.code, editor, note=HOSTILE, **fields)
    for q in catalogue.questions:
        if q.kind == QuestionKind.TEXT:
            factories.answer(assessment, q.code, editor, value=HOSTILE * 3)
            break
    numbers = [q for q in catalogue.questions if q.kind == QuestionKind.NUMBER and q.thresholds]
    if numbers:
        factories.answer(assessment, numbers[0].code, editor, value="0")
    # Some questions unanswered again, so both states of every kind show.
    ids = list(assessment.answers.order_by("pk").values_list("pk", flat=True))
    Answer.objects.filter(pk__in=ids[::7]).delete()
    return assessment


def _render_all(assessment, *, editable: bool) -> dict[str, str]:
    state = services.load_state(assessment)
    html = {}
    for domain in state.catalogue.domains:
        cards = question_cards(domain, state, editable=editable, previous={}, comments={})
        for card in cards:
            context = {"card": card, "assessment": assessment, "editable": editable, "max_mb": 25}
            html[card.question.code] = render_to_string("assessments/_question.html", context)
    return html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cached_cards_equal_freshly_rendered_ones(varied, language, monkeypatch):
    kinds = {q.kind for q in services.get_catalogue(varied.questionnaire).questions}
    assert kinds == set(QuestionKind.values)  # every kind is on the page
    with translation.override(language):
        question_static.clear()
        fast = [_render_all(varied, editable=e) for e in (True, False)]
        warm = [_render_all(varied, editable=e) for e in (True, False)]  # served from the cache
        monkeypatch.setattr(question_static, "enabled", False)
        monkeypatch.setattr(AnswerForm, "default_renderer", DjangoTemplates)
        plain = [_render_all(varied, editable=e) for e in (True, False)]
    for got, again, expected in zip(fast, warm, plain, strict=True):
        assert got.keys() == expected.keys()
        for code, html in expected.items():
            assert got[code] == html, code
            assert again[code] == html, code
    # The hostile text shows escaped, once per place it was typed.
    joined = "".join(plain[0].values())
    assert "<script>" not in joined
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in joined


def test_cache_key_follows_language_and_version(db):
    catalogue = services.get_catalogue(services.latest_questionnaire())
    question = next(q for q in catalogue.questions if q.guidance_zh and q.guidance_en)
    question_static.clear()
    with translation.override("zh-hans"):
        zh = question_static.static_parts(catalogue, [question])[question.code]["refs"]
    with translation.override("en"):
        en = question_static.static_parts(catalogue, [question])[question.code]["refs"]
    assert escape(question.guidance_zh.splitlines()[0]) in zh
    assert escape(question.guidance_en.splitlines()[0]) in en
    # A version with other content (another hash) never gets this version's fragments.
    other = dataclasses.replace(catalogue, content_hash="0" * 64)
    keys_before = set(question_static._cache)
    with translation.override("en"):
        question_static.static_parts(other, [question])
    assert len(set(question_static._cache) - keys_before) == 1
