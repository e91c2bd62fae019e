"""Nothing typed is lost: every question kind of the full questionnaire, every detail field
filled, rendered in both languages and posted back unchanged, stores the same answer."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from assessments import services
from assessments.forms import CLAUSE_FIELDS, is_ratio
from tests import factories
from tests.browserform import form_data

pytestmark = pytest.mark.django_db

LONG = "第一行：制度 v2.1 (2026)\n第二行 — mixed 中文 and English, 100% «quotes» & <tags>"


@pytest.fixture
def assessment(service, editor):
    obj, _created = services.assessment_start(service=service, user=editor)
    return obj


def _full_answer(question) -> dict:
    """Every field the question's form has, filled with a value other than the default."""
    data = {"revision": 0, "note": "说明：" + LONG}
    kind = question.kind
    if kind == "clause":
        data.update(value="not_conform", nonconformity="remediation", remediation_due="2027-02-28")
        for name in CLAUSE_FIELDS:
            data.setdefault(name, f"{name}：{LONG}")
    elif kind == "yes_no":
        data["value"] = "no"
    elif kind == "single_choice":
        data["value"] = question.choices[-1]["value"]
    elif kind == "multiple_choice":
        data["value"] = [c["value"] for c in question.choices[:2]]
    elif kind == "number":
        data["value"] = "0.25" if is_ratio(question) else _in_range(question.answer_range)
    elif kind == "date":
        data["value"] = "2027-02-28"
    elif kind == "text":
        data["value"] = LONG
    return data


def _in_range(bounds: dict | None) -> str:
    """A number the question accepts: a fraction when it may be one, inside its range."""
    if not bounds:
        return "12345.5"
    low = bounds.get("min", 0)
    high = bounds.get("max", low + 1000)
    middle = (low + high) / 2
    return (
        str(int(middle))
        if bounds.get("integer")
        else str(middle + 0.5 if middle + 0.5 <= high else middle)
    )


def _stored(assessment, question) -> dict:
    answer = assessment.answers.get(question_id=question.pk)
    return {"value": answer.value, "note": answer.note} | {
        name: getattr(answer, name) for name in CLAUSE_FIELDS
    }


_ASSESSMENT_READ = 'SELECT "assessments_assessment".'


def _samples(assessment):
    """One applicable question of every kind (a share and a plain number both)."""
    state = services.load_state(assessment)
    found = {}
    for q in state.catalogue.questions:
        key = (q.kind, is_ratio(q)) if q.kind == "number" else q.kind
        if q.kind != "evidence" and q.code in state.applicable and key not in found:
            found[key] = q
    return found


def test_every_question_kind_survives_a_round_trip_through_the_page(
    editor_client, editor, assessment
):
    samples = _samples(assessment)
    if len({k if isinstance(k, str) else k[0] for k in samples}) < 6:
        factories.fill_required(assessment, editor)  # gates open the remaining kinds
        samples = _samples(assessment)
    kinds = {k if isinstance(k, str) else k[0] for k in samples}
    assert kinds >= {"clause", "yes_no", "single_choice", "multiple_choice", "number", "date"}
    for question in samples.values():
        url = reverse(
            "assessments:answer",
            kwargs={"assessment": assessment.public_id, "question": question.code},
        )
        current = assessment.answers.filter(question_id=question.pk).first()
        data = _full_answer(question) | {"revision": current.revision if current else 0}
        assert editor_client.post(url, data).status_code == 200, question.code
        before = _stored(assessment, question)
        for language in ("zh-hans", "en"):
            editor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            page = editor_client.get(
                assessment.get_absolute_url(), {"domain": question.domain}
            ).content.decode()
            posted = form_data(page, f'//*[@id="q-{question.code}"]//form')
            response = editor_client.post(url, posted)
            assert response.status_code == 200, (question.code, language, response.content)
            assert _stored(assessment, question) == before, (question.code, language)


def test_control_characters_are_removed_at_the_form_edge(editor_client, assessment):
    question = next(q for q in _samples(assessment).values() if q.kind == "clause")
    url = reverse(
        "assessments:answer",
        kwargs={"assessment": assessment.public_id, "question": question.code},
    )
    typed = "制度\x00文件\x07\x1b[31m\u202egnp.exe\ufeff\r\n第二行\t完"
    data = _full_answer(question) | {"note": typed, "measures_taken": typed}
    assert editor_client.post(url, data).status_code == 200
    stored = _stored(assessment, question)
    assert stored["note"] == stored["measures_taken"] == "制度文件[31mgnp.exe\n第二行\t完"


def test_an_autosave_of_every_kind_reads_nothing_the_access_read_left_out(
    editor_client, editor, assessment
):
    """The autosave reads the assessment with only the columns it needs (access.LIGHT_COLUMNS
    and SAVE_COLUMNS): a save of any kind must not load a left-out column of the assessment,
    service, provider or questionnaire afterwards (one query each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.fill_required(assessment, editor)  # gates open every kind
    for question in _samples(assessment).values():
        url = reverse(
            "assessments:answer",
            kwargs={"assessment": assessment.public_id, "question": question.code},
        )
        current = assessment.answers.filter(question_id=question.pk).first()
        data = _full_answer(question) | {"revision": current.revision if current else 0}
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.post(url, data).status_code == 200, question.code
        late = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith(
                (
                    'SELECT "providers_aiservice"',
                    'SELECT "providers_provider"',
                    'SELECT "library_questionnaire"',
                )
            )
        ]
        assert not late, (question.code, late)
        # The assessment row is read once, locked, with the columns a save uses
        # (access.SAVE_COLUMNS): no other column of it is loaded afterwards.
        rows = [q for q in queries.captured_queries if q["sql"].startswith(_ASSESSMENT_READ)]
        assert len(rows) == 1, (question.code, [q["sql"][:200] for q in rows])


def test_a_saves_state_and_answer_are_what_a_fresh_read_gives_for_every_kind(editor, assessment):
    """A save reads every answer once, before it writes, and builds its state (progress,
    score, what is missing, the page's reply) from those rows with the saved answer replaced
    by what it wrote. For every kind, a first answer and a change of it: that state and the
    returned answer equal what reading them again after the save gives."""
    from django.utils import timezone

    from assessments.forms import AnswerForm
    from assessments.models import Answer, Assessment

    factories.fill_required(assessment, editor)  # gates open every kind
    for question in _samples(assessment).values():
        assessment.answers.filter(question_id=question.pk).delete()
        for revision, note in ((0, "第一次"), (1, "改过：" + LONG)):
            data = _full_answer(question) | {"revision": revision, "note": note}
            form = AnswerForm(data, question=question)
            assert form.is_valid(), (question.code, form.errors)
            started = timezone.now()
            answer, state = services.answer_save(
                assessment=assessment, question=question, form=form, user=editor
            )
            fresh = services.load_state(Assessment.objects.get(pk=assessment.pk), light=True)
            assert state.answers == fresh.answers, question.code
            assert (state.values, state.applicable) == (fresh.values, fresh.applicable)
            assert (state.complete, state.incomplete) == (fresh.complete, fresh.incomplete)
            stored = services.answer_rows(assessment)[question.pk]
            assert tuple(getattr(answer, name) for name in services.ANSWER_ROW) == stored
            assert (answer.revision, answer.note) == (revision + 1, note)
            assert Answer.objects.get(pk=answer.pk).updated_at >= started  # read without it
