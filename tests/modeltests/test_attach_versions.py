"""Attaching a finished run while the draft moves to another questionnaire version (or is
submitted). The client names no question: the run goes to the test-results question (a layout
role) of the version the row uses once the attach holds its lock, and whatever still refuses is
a 409 with the page's message, with nothing written (no evidence, no file, no audit entry).

The versions are built here (tests/test_upgrade.py's make_version) with a layout of their own:
RES plays the test-results role and is worded differently in version 2, so version 2's RES is
another question row than version 1's; in `dropped` version 2 has no RES at all."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from api.tokens import token_create
from assessments.models import Assessment, Evidence, QuestionnaireUpgrade, Status
from assessments.services import lock_assessment
from assessments.upgrade import undoable, upgrade_assessment
from audit.models import Action, AuditEvent
from tests.concurrency import waiting_for_a_lock, while_held
from tests.conftest import _client_for
from tests.test_api_versions import _stored_files
from tests.test_upgrade import V1, make_version

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between two connections"
)

RES = {"kind": "text", "text_zh": "模型测试结果", "text_en": "Model test results"}
RES_V2 = {**RES, "text_zh": "模型测试结果（抽样）", "text_en": "Model test results (draws)"}
NO_QUESTION = "This questionnaire has no question for the test results."
SUBMITTED = "This assessment is submitted and can no longer be changed."


def _layout() -> dict:
    """The real layout's roles and sections, none naming a question but the test results (a
    layout that is not empty must declare every role the portal reads)."""
    path = settings.BASE_DIR / "fixtures/questionnaires/gai-security-self-assessment-v1.layout.yaml"
    real = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = dict.fromkeys(real["questions"])
    questions["banks.test_results"] = "RES"
    return {"questions": questions, "sections": dict.fromkeys(real.get("sections") or {}, [])}


def _version(number: int, questions: dict, code: str):
    questionnaire = make_version(number, questions, code=code)
    questionnaire.layout = _layout()
    questionnaire.layout_hash = f"{code}-{number}"
    questionnaire.save(update_fields=["layout", "layout_hash"])
    return questionnaire


def _draft(service, editor, *, dropped: bool = False):
    code = "attach-dropped" if dropped else "attach-moved"
    v1 = _version(1, {**V1, "RES": RES}, code)
    v2 = _version(2, V1 if dropped else {**V1, "RES": RES_V2}, code)
    assessment = Assessment.objects.create(service=service, questionnaire=v1, created_by=editor)
    return v1, v2, assessment


def _api(user, provider):
    _token, secret = token_create(user=user, name="CI", provider=provider, role="editor", days=30)
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _attach_url(run) -> str:
    return reverse("api:model_test_attachment", kwargs={"run": run.public_id})


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _nothing_attached(assessment) -> None:
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert _stored_files() == []
    written = (Action.EVIDENCE_UPLOADED, Action.MODEL_TEST_ATTACHED)
    assert not AuditEvent.objects.filter(action__in=written).exists()


def test_an_attach_during_the_move_lands_on_the_moved_version(
    transactional_db, finished, service, editor, provider
):
    """Before, the attach looked the question up on the row it read before the move and the
    service's version check refused it under the lock: an uncaught 403."""
    _v1, v2, assessment = _draft(service, editor)
    api = _api(editor, provider)

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: api.post(_attach_url(finished)),
        blocked=waiting_for_a_lock,
    )
    response = race.then
    assert response.status_code == 201, response.content.decode()
    assert response.json()["assessment"] == str(assessment.public_id)
    files = Evidence.objects.filter(assessment=assessment).select_related("question")
    assert sorted(e.name.rsplit(".", 1)[-1] for e in files) == ["jsonl", "xlsx"]
    assert {(e.question.code, e.question.questionnaire_id) for e in files} == {("RES", v2.pk)}
    assert AuditEvent.objects.filter(action=Action.MODEL_TEST_ATTACHED).count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_attach_during_a_move_to_a_version_without_the_question_is_refused(
    transactional_db, finished, service, editor, provider, language
):
    _v1, _v2, assessment = _draft(service, editor, dropped=True)
    api = _api(editor, provider)
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if language == "en" else {}

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: api.post(_attach_url(finished), **headers),
        blocked=waiting_for_a_lock,
    )
    response = race.then
    assert response.status_code == 409, response.content.decode()
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["code"] == "run_refused"
    assert problem["detail"] == (NO_QUESTION if language == "en" else _zh(NO_QUESTION))
    _nothing_attached(assessment)
    # Nothing was saved after the move, so it can still be undone.
    assert undoable(Assessment.objects.get(pk=assessment.pk), QuestionnaireUpgrade.objects.get())


def _submit(assessment):
    """What a submission does to the row, under its lock (the attach waits for it)."""
    lock_assessment(assessment.pk)
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Status.SUBMITTED, snapshot={"format": 1}, snapshot_sha256="0" * 64
    )


def test_an_attach_while_the_draft_is_submitted_is_refused(
    transactional_db, finished, service, editor, provider
):
    _v1, _v2, assessment = _draft(service, editor)
    api = _api(editor, provider)

    race = while_held(
        lambda: _submit(assessment),
        lambda: api.post(_attach_url(finished)),
        blocked=waiting_for_a_lock,
    )
    response = race.then
    assert response.status_code == 409, response.content.decode()
    assert (response.json()["code"], response.json()["detail"]) == ("run_refused", _zh(SUBMITTED))
    _nothing_attached(assessment)


def test_the_page_says_why_an_attach_during_a_move_is_refused(
    transactional_db, finished, service, editor
):
    _v1, _v2, assessment = _draft(service, editor, dropped=True)
    client = _client_for(editor)
    url = reverse("modeltests:run_attach", kwargs={"run": finished.public_id})

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: client.post(url),
        blocked=waiting_for_a_lock,
    )
    assert race.then.status_code == 302
    assert race.then["Location"] == finished.get_absolute_url()
    page = client.get(race.then["Location"]).content.decode()
    assert _zh(NO_QUESTION) in page
    _nothing_attached(assessment)


def test_an_attach_after_the_move_goes_to_the_new_version(finished, service, editor, provider):
    """Without a race: the run follows the row's version, whichever it is."""
    _v1, v2, assessment = _draft(service, editor)
    with transaction.atomic():
        upgrade_assessment(assessment=assessment, user=editor)
    response = _api(editor, provider).post(_attach_url(finished))
    assert response.status_code == 201, response.content.decode()
    questions = Evidence.objects.filter(assessment=assessment).values_list(
        "question__questionnaire_id", flat=True
    )
    assert set(questions) == {v2.pk}
