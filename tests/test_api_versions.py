"""The API's answer PUT and questionnaire upgrades: a client that read a question under one
questionnaire version must not have its answer stored on another version's question of the same
code (whose wording may have changed). Answers name their version; a PUT that sends it back is
refused, like the page's autosave, once the assessment uses another one.

The two small versions come from tests/test_upgrade.py: WORD is worded differently in version
2 (so its answer stays behind and version 2's WORD starts unanswered, revision 0), GONE is only
in version 1.

The evidence upload keeps the same promise: it takes the version as a form field, and a move
while an upload is under way is refused with the same code whether or not the field is sent."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from api.tokens import token_create
from assessments.models import Answer, Assessment, Evidence, QuestionnaireUpgrade
from assessments.upgrade import undo_upgrade, undoable, upgrade_assessment
from audit.models import Action, AuditEvent
from providers.models import Role
from tests import factories
from tests.concurrency import waiting_for_a_lock, while_held
from tests.test_upgrade import V1, V2, draft_on_first_version, make_version

STALE = (
    "This assessment now uses questionnaire version %(version)s; reload the page and answer again."
)


def _api(user, provider, role=Role.EDITOR) -> Client:
    _token, secret = token_create(user=user, name="CI", provider=provider, role=role, days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _url(assessment, code: str) -> str:
    return reverse("api:answer", kwargs={"assessment": assessment.public_id, "question": code})


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _put(client, assessment, code, body, **headers):
    return client.put(_url(assessment, code), body, content_type="application/json", **headers)


def _saves(assessment) -> int:
    return AuditEvent.objects.filter(
        assessment_id=assessment.pk, action=Action.ANSWER_CHANGED
    ).count()


@pytest.fixture
def versions(db):
    return make_version(1, V1, code="api-versions"), make_version(2, V2, code="api-versions")


@pytest.fixture
def draft(versions, service, editor):
    """A draft on version 1 with KEEP answered and WORD not (read by the client as revision 0)."""
    assessment = Assessment.objects.create(
        service=service, questionnaire=versions[0], created_by=editor
    )
    factories.answer(assessment, "KEEP", editor)
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def api(editor, provider):
    return _api(editor, provider)


def test_answers_and_the_assessment_name_their_questionnaire_version(api, draft, editor):
    one = api.get(_url(draft, "WORD")).json()
    assert (one["questionnaire_version"], one["revision"]) == (1, 0)
    assert one["text"] == V1["WORD"]["text_zh"]
    assessment_url = reverse("api:assessment", kwargs={"assessment": draft.public_id})
    assert api.get(assessment_url).json()["questionnaire_version"] == 1
    upgrade_assessment(assessment=draft, user=editor)
    listed = api.get(reverse("api:answers", kwargs={"assessment": draft.public_id})).json()
    assert {row["questionnaire_version"] for row in listed} == {2}
    assert api.get(assessment_url).json()["questionnaire_version"] == 2


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_put_read_under_the_version_before_the_move_is_refused(api, draft, editor, language):
    read = api.get(_url(draft, "WORD")).json()
    upgrade_assessment(assessment=draft, user=editor)
    saves = _saves(draft)
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if language == "en" else {}
    body = {
        "revision": read["revision"],
        "questionnaire_version": read["questionnaire_version"],
        "value": True,
        "note": "每年一次",
    }
    response = _put(api, draft, "WORD", body, **headers)
    assert response.status_code == 409, response.json()
    problem = response.json()
    assert problem["code"] == "questionnaire_changed"
    assert problem["questionnaire_version"] == 2
    message = STALE % {"version": 2}
    if language == "en":
        assert problem["detail"] == message
    else:
        assert problem["detail"] == _zh(STALE) % {"version": 2}
        assert "问卷版本2" in problem["detail"]
    # Nothing written: version 2's WORD is still unanswered, no save is audited, and the move
    # can still be undone ("until the next save").
    assert api.get(_url(draft, "WORD")).json()["revision"] == 0
    assert not Answer.objects.filter(assessment=draft, note="每年一次").exists()
    assert _saves(draft) == saves
    assert undoable(Assessment.objects.get(pk=draft.pk), QuestionnaireUpgrade.objects.get())


def test_a_stale_put_to_a_question_the_new_version_dropped_says_the_version_changed(
    api, draft, editor
):
    """Not 404 "no such question": the client's question existed where it read it."""
    upgrade_assessment(assessment=draft, user=editor)
    body = {"revision": 0, "questionnaire_version": 1, "value": "旧的回答"}
    response = _put(api, draft, "GONE", body)
    assert response.status_code == 409 and response.json()["code"] == "questionnaire_changed"


@pytest.mark.parametrize("sent", ["current", "absent"])
def test_a_put_of_the_current_version_or_of_none_is_saved(api, draft, editor, sent):
    """Absent: as before the field existed, the question of that code in the version the
    assessment uses when the request arrives."""
    upgrade_assessment(assessment=draft, user=editor)
    read = api.get(_url(draft, "WORD")).json()
    assert read["text"] == V2["WORD"]["text_zh"]
    body = {"revision": read["revision"], "value": True, "note": "每季度一次"}
    if sent == "current":
        body["questionnaire_version"] = read["questionnaire_version"]
    response = _put(api, draft, "WORD", body)
    assert response.status_code == 200, response.json()
    saved = response.json()
    assert (saved["questionnaire_version"], saved["revision"]) == (2, 1)
    assert (saved["value"], saved["note"]) == (True, "每季度一次")
    assert api.get(_url(draft, "WORD")).json()["note"] == "每季度一次"


@pytest.mark.parametrize("version", ["二", True, 0, [1]])
def test_a_version_that_is_no_version_number_is_refused_by_field(api, draft, version):
    body = {"revision": 0, "questionnaire_version": version, "value": True}
    response = _put(api, draft, "WORD", body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid" and list(problem["errors"]) == ["questionnaire_version"]
    assert problem["errors"]["questionnaire_version"][0] in problem["detail"]
    assert api.get(_url(draft, "WORD")).json()["revision"] == 0


def test_other_providers_and_read_only_members_learn_nothing_of_the_version(
    draft, editor, viewer, provider, outsider, other_provider
):
    """An outsider gets 404 (not a 409 that would tell the assessment exists and its version);
    a viewer 403, whatever version is sent."""
    upgrade_assessment(assessment=draft, user=editor)
    body = {"revision": 0, "questionnaire_version": 1, "value": True}
    outsider_api = _api(outsider, other_provider)
    assert _put(outsider_api, draft, "WORD", body).status_code == 404
    assert (
        _put(outsider_api, draft, "WORD", {**body, "questionnaire_version": "二"}).status_code
        == 404
    )
    viewer_api = _api(viewer, provider, Role.VIEWER)
    assert _put(viewer_api, draft, "WORD", body).status_code == 403
    for version in (2, "二"):
        response = _put(viewer_api, draft, "WORD", {**body, "questionnaire_version": version})
        assert response.status_code == 403
    assert not Answer.objects.filter(assessment=draft, question__code="WORD").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_put_during_the_move_waits_for_it_and_is_then_refused(transactional_db):
    """The PUT reads, checks and locks the row in one statement as the autosave does, so it
    waits for the move's lock and then compares the version it sent with the moved row's (the
    question it looks up is the moved row's too: without the check it would land on version
    2's WORD). The older way, a read before the lock, was refused as well, by the service's
    check that the question belongs to the locked row's version."""
    assessment, editor, (_v1, v2) = draft_on_first_version("api-versions-race")
    provider = assessment.service.provider
    api = _api(editor, provider)
    read = api.get(_url(assessment, "WORD")).json()
    body = {"revision": 0, "questionnaire_version": read["questionnaire_version"], "value": True}

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: _put(api, assessment, "WORD", body),
        blocked=waiting_for_a_lock,
    )
    assert race.waited, "the PUT did not wait for the move's lock"
    response = race.then
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "questionnaire_changed"
    assert "问卷版本2" in response.json()["detail"]
    assert Assessment.objects.get(pk=assessment.pk).questionnaire == v2
    assert not Answer.objects.filter(assessment=assessment, question__code="WORD").exists()
    assert _saves(assessment) == 0


def test_the_schema_documents_the_version_on_the_put_and_the_answer(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    put = schema["paths"]["/api/v1/assessments/{assessment}/answers/{question}/"]["put"]
    assert "questionnaire_changed" in put["description"] and "409" in put["responses"]
    components = schema["components"]["schemas"]
    sent = components["AnswerInputRequest"]["properties"]["questionnaire_version"]
    assert sent["type"] == "integer" and "questionnaire_changed" in sent["description"]
    assert "questionnaire_version" not in components["AnswerInputRequest"]["required"]
    assert "questionnaire_version" in components["Answer"]["required"]


# --- evidence uploads --------------------------------------------------------------------------


def _upload_url(assessment, code: str) -> str:
    return reverse(
        "api:evidence_upload", kwargs={"assessment": assessment.public_id, "question": code}
    )


def _upload(
    client, assessment, code, *, content=b"annual review minutes\n", language=None, **fields
):
    """A multipart upload as a pipeline sends it; `fields` before the file (a form's order)."""
    body = {**fields, "file": SimpleUploadedFile("review.txt", content)}
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if language == "en" else {}
    return client.post(_upload_url(assessment, code), body, **headers)


def _stored_files() -> list[str]:
    root = settings.MEDIA_ROOT / "evidence"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _uploads(assessment) -> int:
    return AuditEvent.objects.filter(
        assessment_id=assessment.pk, action=Action.EVIDENCE_UPLOADED
    ).count()


def _nothing_uploaded(assessment) -> None:
    """No row, no file left in storage, no audit entry, and the move can still be undone."""
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert _stored_files() == []
    assert _uploads(assessment) == 0
    upgrade = QuestionnaireUpgrade.objects.filter(assessment=assessment).first()
    if upgrade is not None:
        assert undoable(Assessment.objects.get(pk=assessment.pk), upgrade)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_upload_read_under_the_version_before_the_move_is_refused(api, draft, editor, language):
    read = api.get(_url(draft, "WORD")).json()
    upgrade_assessment(assessment=draft, user=editor)
    response = _upload(
        api, draft, "WORD", questionnaire_version=read["questionnaire_version"], language=language
    )
    assert response.status_code == 409, response.json()
    problem = response.json()
    assert (problem["code"], problem["questionnaire_version"]) == ("questionnaire_changed", 2)
    if language == "en":
        assert problem["detail"] == STALE % {"version": 2}
    else:
        assert problem["detail"] == _zh(STALE) % {"version": 2}
        assert "问卷版本2" in problem["detail"]
    _nothing_uploaded(draft)


def test_a_stale_upload_to_a_question_the_new_version_dropped_says_the_version_changed(
    api, draft, editor
):
    upgrade_assessment(assessment=draft, user=editor)
    response = _upload(api, draft, "GONE", questionnaire_version=1)
    assert response.status_code == 409 and response.json()["code"] == "questionnaire_changed"
    _nothing_uploaded(draft)


@pytest.mark.parametrize("sent", ["current", "absent"])
def test_an_upload_of_the_current_version_or_of_none_is_stored(api, draft, editor, sent):
    """Absent: as before the field existed, the question of that code in the version the
    assessment uses when the request arrives."""
    upgrade_assessment(assessment=draft, user=editor)
    fields = {"note": "2026年度"}
    if sent == "current":
        fields["questionnaire_version"] = 2
    response = _upload(api, draft, "WORD", **fields)
    assert response.status_code == 201, response.json()
    assert (response.json()["question"], response.json()["note"]) == ("WORD", "2026年度")
    stored = Evidence.objects.get(assessment=draft)
    assert (stored.question.code, stored.question.questionnaire.version) == ("WORD", 2)
    assert len(_stored_files()) == 1 and _uploads(draft) == 1
    assert api.get(_url(draft, "WORD")).json()["evidence"] == [str(stored.public_id)]


@pytest.mark.parametrize("version", ["二", "0", "1.5"])
def test_an_upload_version_that_is_no_version_number_is_refused_by_field(api, draft, version):
    response = _upload(api, draft, "WORD", questionnaire_version=version)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid" and list(problem["errors"]) == ["questionnaire_version"]
    _nothing_uploaded(draft)


def test_other_providers_and_read_only_members_upload_nothing_and_learn_no_version(
    draft, editor, viewer, provider, outsider, other_provider
):
    """404 for an outsider and 403 for a viewer come first, whatever version is sent."""
    upgrade_assessment(assessment=draft, user=editor)
    outsider_api = _api(outsider, other_provider)
    viewer_api = _api(viewer, provider, Role.VIEWER)
    for version in (1, 2, "二"):
        for code in ("WORD", "GONE"):
            response = _upload(outsider_api, draft, code, questionnaire_version=version)
            assert response.status_code == 404, response.json()
            assert "questionnaire_version" not in response.json()
            response = _upload(viewer_api, draft, code, questionnaire_version=version)
            assert response.status_code == 403, response.json()
    _nothing_uploaded(draft)


def test_an_oversized_stale_upload_is_told_the_size_limit(api, draft, editor, settings):
    """The size refusal as before: a body stopped at the limit has lost its later fields."""
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    upgrade_assessment(assessment=draft, user=editor)
    response = _upload(
        api, draft, "WORD", questionnaire_version=1, content=b"a" * (1024 * 1024 + 1)
    )
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "file_refused" and "1 MB" in response.json()["detail"]
    _nothing_uploaded(draft)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("sent", ["read", "absent"])
def test_an_upload_during_the_move_waits_for_it_and_is_then_refused(transactional_db, sent):
    """The upload reads the row (version 1) before the move commits, and the service waits for
    the move's row lock: the question it looked up is version 1's, and whether or not the
    client sent the version, the answer is the version's change, not "not editable", and
    nothing is stored."""
    assessment, editor, (_v1, v2) = draft_on_first_version("api-upload-race")
    provider = assessment.service.provider
    api = _api(editor, provider)
    # The upload may be the process's first request: no GET before it, whatever a client does.
    # Such a request once seemed to wait for the move's commit before reaching the view. It
    # waited on no lock (pg_stat_activity showed no query on its connection, its thread was in
    # the import of the URLconf's view modules, over a second on a cold process): while_held's
    # fixed half second ran out and the move committed first. `blocked` holds the move until
    # the upload waits for a lock.
    fields = {"questionnaire_version": 1} if sent == "read" else {}

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: _upload(api, assessment, "WORD", **fields),
        blocked=waiting_for_a_lock,
    )
    assert race.waited, "the upload did not wait for the move's lock"
    response = race.then
    assert response.status_code == 409, response.json()
    problem = response.json()
    assert (problem["code"], problem["questionnaire_version"]) == ("questionnaire_changed", 2)
    assert "问卷版本2" in problem["detail"]
    assert Assessment.objects.get(pk=assessment.pk).questionnaire == v2
    _nothing_uploaded(assessment)


def test_the_schema_documents_the_version_on_the_upload(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    path = "/api/v1/assessments/{assessment}/answers/{question}/evidence/"
    post = schema["paths"][path]["post"]
    assert "questionnaire_changed" in post["description"] and "409" in post["responses"]
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    component = schema["components"]["schemas"][form.rsplit("/", 1)[-1]]
    sent = component["properties"]["questionnaire_version"]
    assert sent["type"] == "integer" and "questionnaire_changed" in sent["description"]
    assert "questionnaire_version" not in component["required"]


# --- evidence deletes ----------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_delete_during_the_move_of_a_file_the_move_retires_finds_no_file(transactional_db):
    """A file id names one file in every version (a carried file keeps its id), so a delete
    takes no version; but WORD's file leaves the live assessment with the move (kept for the
    history and the undo). A delete that read it before the move and waited for the lock finds
    it gone, as one sent after the move would (404): it does not report a deletion that did not
    happen, nor audit one, which would end the move's undo."""
    assessment, editor, _versions = draft_on_first_version("api-delete-race")
    provider = assessment.service.provider
    evidence = factories.attach(assessment, "WORD", editor, name="评估报告.pdf")
    api = _api(editor, provider)
    url = reverse(
        "api:evidence", kwargs={"assessment": assessment.public_id, "evidence": evidence.public_id}
    )
    assert api.get(url).status_code == 200

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: api.delete(url),
        blocked=waiting_for_a_lock,
    )
    assert race.waited, "the delete did not wait for the move's lock"
    assert race.then.status_code == 404, race.then.content
    assert not AuditEvent.objects.filter(action=Action.EVIDENCE_DELETED).exists()
    moved = Assessment.objects.get(pk=assessment.pk)
    assert undoable(moved, QuestionnaireUpgrade.objects.get())
    undo_upgrade(assessment=moved, user=editor)
    assert api.get(url).json()["name"] == "评估报告.pdf"
