"""The assessment page's fast path renders exactly what the plain path renders.

Fast: whole cards from assessments.card_cache, the question's static parts (badges, citations,
guidance) from the per-version cache and the widgets written by portal.formrender.PlainWidgets.
Plain: every card rendered afresh in the page's own context, every fragment afresh and every
widget through Django's own template renderer. Every question of the full questionnaire, every
kind, both languages, editable and read-only, with answers in every state a card shows (clause
branches complete and incomplete, markup and quotes in text, a number that misses its
threshold, unanswered questions); then the page itself, cached against plain, after every kind
of change a card shows (answer edit, file added, analysed and removed, service profile,
reviewer's comment, revision, version upgrade and undo, read-only role, submission, language),
and two tenants with identical answers."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from assessments import card_cache, question_static, services, upgrade
from assessments.analysis import run_analysis
from assessments.forms import AnswerForm
from assessments.models import Answer, Assessment
from assessments.presenters import question_cards
from library.catalogue import get_catalogue
from library.changes import compare
from library.models import QuestionKind, Questionnaire
from reviews import services as reviews
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


def _render_all(assessment, *, editable: bool, whole_cards: bool = False) -> dict[str, str]:
    state = services.load_state(assessment)
    html = {}
    for domain in state.catalogue.domains:
        cards = question_cards(domain, state, editable=editable, previous={}, comments={})
        if whole_cards:
            rendered = card_cache.render_cards(
                cards,
                catalogue=state.catalogue,
                assessment=assessment,
                editable=editable,
                max_mb=25,
            )
            html.update((card.question.code, h) for card, h in zip(cards, rendered, strict=True))
            continue
        for card in cards:
            context = {
                "card": card,
                "assessment": assessment,
                "editable": editable,
                "max_mb": 25,
                "LANGUAGE_CODE": translation.get_language(),
            }
            html[card.question.code] = render_to_string("assessments/_question.html", context)
    return html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cached_cards_equal_freshly_rendered_ones(varied, language, monkeypatch):
    kinds = {q.kind for q in services.get_catalogue(varied.questionnaire).questions}
    assert kinds == set(QuestionKind.values)  # every kind is on the page
    with translation.override(language):
        question_static.clear()
        card_cache.clear()
        fast = [_render_all(varied, editable=e) for e in (True, False)]
        warm = [_render_all(varied, editable=e) for e in (True, False)]  # served from the cache
        whole = [_render_all(varied, editable=e, whole_cards=True) for e in (True, False)]
        assert card_cache.stats == {"hits": 0, "misses": sum(map(len, whole))}
        kept = [_render_all(varied, editable=e, whole_cards=True) for e in (True, False)]
        assert card_cache.stats["hits"] == sum(map(len, kept))  # every card from the cache
        monkeypatch.setattr(question_static, "enabled", False)
        monkeypatch.setattr(AnswerForm, "default_renderer", DjangoTemplates)
        plain = [_render_all(varied, editable=e) for e in (True, False)]
    for results in zip(fast, warm, whole, kept, plain, strict=True):
        expected = results[-1]
        for got in results[:-1]:
            assert got.keys() == expected.keys()
            for code, html in expected.items():
                assert got[code] == html, code
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


# --- the page, cached against plain, after every kind of change -------------------------------

# The only per-request part of the page: its CSRF token, masked afresh on every response.
CSRF = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def _page_html(client, assessment, domain, language, monkeypatch, *, cached) -> str:
    monkeypatch.setattr(card_cache, "enabled", cached)
    client.cookies["django_language"] = language
    url = reverse("assessments:detail", kwargs={"assessment": assessment.public_id})
    response = client.get(url, {"domain": domain})
    assert response.status_code == 200
    return CSRF.sub(r"\1…", response.content.decode())


def _same_cached_and_plain(client, assessment, domains, monkeypatch, *, warm=True) -> None:
    """Every given domain's page, both languages: with the cache (kept from earlier steps, so
    a card or domain list whose key missed a change would show its old HTML) exactly as
    without."""
    hits = card_cache.stats["hits"]
    for language in ("zh-hans", "en"):
        for domain in domains:
            cached = _page_html(client, assessment, domain, language, monkeypatch, cached=True)
            plain = _page_html(client, assessment, domain, language, monkeypatch, cached=False)
            assert cached == plain, (language, domain)
            assert "question-card" in plain and "data-domain-progress" in plain
    if warm:  # the unchanged cards came from the cache, so the comparison compared something
        assert card_cache.stats["hits"] > hits


def _domain_of(assessment, code) -> str:
    return services.get_catalogue(assessment.questionnaire).by_code[code].domain


def test_the_cached_page_follows_every_change(
    service, editor, viewer, reviewer, client_for, monkeypatch
):
    card_cache.clear()
    assessment, _created = services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    state = services.load_state(assessment)
    catalogue = state.catalogue
    filed = next(q for q in catalogue.questions if q.analyser and q.code in state.applicable)
    domain = filed.domain
    clause = next(
        q
        for q in catalogue.domain(domain).questions
        if q.kind == QuestionKind.CLAUSE and q.code in state.applicable and not q.red_line
    )
    text = next(q for q in catalogue.questions if q.kind == QuestionKind.TEXT)
    domains = sorted({domain, text.domain, catalogue.domains[0].code})
    editor_client = client_for(editor)
    _same_cached_and_plain(editor_client, assessment, domains, monkeypatch, warm=False)
    _same_cached_and_plain(editor_client, assessment, domains, monkeypatch)

    # Answers edited through the page's own autosave: a clause branch, a text with markup.
    answer_url = reverse(
        "assessments:answer", kwargs={"assessment": assessment.public_id, "question": clause.code}
    )
    current = assessment.answers.filter(question_id=clause.pk).first()
    response = editor_client.post(
        answer_url,
        {
            "revision": current.revision if current else 0,
            "value": "not_conform",
            "nonconformity": "remediation",
            "remediation_plan": HOSTILE,
        },
    )
    assert response.status_code == 200
    factories.answer(assessment, text.code, editor, value=HOSTILE)
    _same_cached_and_plain(editor_client, assessment, domains, monkeypatch)

    # A file added (analysis pending), the analysis finished, the file removed.
    evidence = factories.attach(assessment, filed.code, editor, analyse=False)
    _same_cached_and_plain(editor_client, assessment, [domain], monkeypatch)
    run_analysis(evidence.analysis.pk)
    _same_cached_and_plain(editor_client, assessment, [domain], monkeypatch)
    services.evidence_delete(evidence=evidence, user=editor)
    _same_cached_and_plain(editor_client, assessment, [domain], monkeypatch)

    # The service profile (prefills, contradictions, which questions apply).
    service.minors_allowed = not service.minors_allowed
    service.channels = ["web"]
    service.save()
    _same_cached_and_plain(editor_client, assessment, domains, monkeypatch)

    # Read-only: a viewer of the same draft, then everyone after submission.
    _same_cached_and_plain(client_for(viewer), assessment, domains, monkeypatch, warm=False)
    factories.answer(assessment, clause.code, editor)  # the branch complete again
    factories.fill_required(assessment, editor)
    submitted = services.assessment_submit(assessment=assessment, user=editor)
    _same_cached_and_plain(editor_client, submitted, domains, monkeypatch)

    # The reviewer's comment on the returned version and on the revised draft.
    in_review = reviews.assessment_claim(assessment=submitted, reviewer=reviewer)
    reviews.verdict_set(
        assessment=in_review,
        question=clause,
        verdict="does_not_conform",
        comment=HOSTILE,
        reviewer=reviewer,
    )
    returned = reviews.request_changes(assessment=in_review, reviewer=reviewer, summary="请补充")
    _same_cached_and_plain(editor_client, returned, domains, monkeypatch)
    draft = services.assessment_revise(assessment=returned, user=editor)
    _same_cached_and_plain(editor_client, draft, domains, monkeypatch, warm=False)
    factories.answer(draft, text.code, editor, value="改过的回答")  # "changed since" shows
    _same_cached_and_plain(editor_client, draft, domains, monkeypatch)


def test_the_cached_page_follows_a_version_upgrade_and_its_undo(
    service, editor, client_for, monkeypatch
):
    v1 = Questionnaire.objects.get(code=services.DEFAULT_QUESTIONNAIRE, version=1)
    assessment = Assessment.objects.create(service=service, questionnaire=v1, created_by=editor)
    diff = compare(get_catalogue(v1), get_catalogue(services.latest_questionnaire()))
    kept, changed = diff.unchanged[0], diff.changed[0].code
    factories.answer(assessment, kept, editor)
    factories.answer(assessment, changed, editor)
    client = client_for(editor)
    domains = sorted({_domain_of(assessment, kept), _domain_of(assessment, changed)})
    card_cache.clear()
    _same_cached_and_plain(client, assessment, domains, monkeypatch, warm=False)
    moved = upgrade.upgrade_assessment(assessment=assessment, user=editor)
    _same_cached_and_plain(client, moved, domains, monkeypatch, warm=False)
    _same_cached_and_plain(client, moved, domains, monkeypatch)
    back = upgrade.undo_upgrade(assessment=moved, user=editor)
    _same_cached_and_plain(client, back, domains, monkeypatch)


def test_two_tenants_never_share_a_card(service, editor, outsider, other_provider, client_for):
    """Identical answers in two providers' assessments: each page shows only its own ids and
    files, no card of one is served to the other, and the access check still refuses."""
    card_cache.clear()
    other_service = factories.make_service(
        other_provider, name="乙对话助手", channels=["web", "api"]
    )
    mine, _ = services.assessment_start(service=service, user=editor)
    theirs, _ = services.assessment_start(service=other_service, user=outsider)
    state = services.load_state(mine)
    filed = next(q for q in state.catalogue.questions if q.analyser and q.code in state.applicable)
    same = [q.code for q in state.catalogue.domain(filed.domain).questions][:4]
    for assessment, user in ((mine, editor), (theirs, outsider)):
        for code in same:
            factories.answer(assessment, code, user)
        factories.attach(
            assessment, filed.code, user, name="同名文件.pdf", content=factories.PDF_BYTES
        )
    pages = {}
    for assessment, user in ((mine, editor), (theirs, outsider)):
        url = reverse("assessments:detail", kwargs={"assessment": assessment.public_id})
        misses = card_cache.stats["misses"]
        html = client_for(user).get(url, {"domain": filed.domain}).content.decode()
        cards = html.count('class="card shadow-sm mb-3 question-card')
        # Nothing reused: every card and the domain list rendered for this assessment.
        assert cards and card_cache.stats["misses"] - misses == cards + 1
        pages[assessment.public_id] = html
    for assessment, other in ((mine, theirs), (theirs, mine)):
        html = pages[assessment.public_id]
        assert str(assessment.public_id) in html
        assert str(other.public_id) not in html
        for item in other.evidence.all():
            assert str(item.public_id) not in html
    url = reverse("assessments:detail", kwargs={"assessment": mine.public_id})
    assert client_for(outsider).get(url, {"domain": filed.domain}).status_code == 404


def test_the_card_key_covers_every_included_template_and_refuses_unknown_values():
    names = card_cache.template_names()
    for included in (
        "assessments/_evidence.html",
        "assessments/_analysis.html",
        "assessments/_contradictions.html",
        "assessments/_threshold_warnings.html",
        "includes/queued_while_down.html",
    ):
        assert included in names
    assert "assessments/_domain_link.html" in card_cache.template_names(card_cache.DOMAIN_LIST)
    # A value the key cannot compare is refused, not left out of the key.
    with pytest.raises(TypeError):
        card_cache._key(card_cache.TEMPLATE, {"card": object()}, scope=())
    # Equal values give equal keys; any difference, even of type, another key.
    key = card_cache._key(card_cache.TEMPLATE, {"x": ["1", 2]}, scope=())
    assert key == card_cache._key(card_cache.TEMPLATE, {"x": ("1", 2)}, scope=())
    assert key != card_cache._key(card_cache.TEMPLATE, {"x": [1, 2]}, scope=())
    assert key != card_cache._key(card_cache.TEMPLATE, {"x": ["1", 2]}, scope=(1,))
    safe = card_cache.SafeString("<b>1</b>")  # marked safe or not renders differently
    assert card_cache._key(card_cache.TEMPLATE, {"x": safe}, scope=()) != card_cache._key(
        card_cache.TEMPLATE, {"x": "<b>1</b>"}, scope=()
    )


def test_the_cache_stays_within_its_byte_budget_least_recently_used_out(monkeypatch):
    card_cache.clear()
    monkeypatch.setattr(card_cache, "MAX_BYTES", 10_000)  # four fragments of 500 characters
    html = card_cache.SafeString("x" * 500)
    for n in range(4):
        card_cache._store(bytes([n]), html)
    card_cache._cache.move_to_end(bytes([0]))  # a hit in render() does this: kept longest
    card_cache._store(bytes([4]), html)
    assert set(card_cache._cache) == {bytes([0]), bytes([2]), bytes([3]), bytes([4])}
    for n in range(5, 40):
        card_cache._store(bytes([n]), html)
    assert card_cache._size <= 10_000 and len(card_cache._cache) == 4
    card_cache.clear()
