"""Filling a self-assessment: start, autosave, conflicts, applicability, evidence, submit, revise."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from assessments import services
from assessments.models import Analysis, Answer, Assessment, Evidence, Status
from library.catalogue import get_catalogue
from reviews import services as review_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(service, editor):
    obj, _created = services.assessment_start(service=service, user=editor)
    return obj


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={"assessment": assessment.public_id, **kwargs})


def _first(assessment, kind, *, applicable=True):
    state = services.load_state(assessment)
    return next(
        q
        for q in state.catalogue.questions
        if q.kind == kind and (q.code in state.applicable) == applicable
    )


def test_starting_twice_continues_the_open_assessment(service, editor, assessment):
    again, created = services.assessment_start(service=service, user=editor)
    assert (again, created) == (assessment, False)
    assert assessment.questionnaire.code == services.DEFAULT_QUESTIONNAIRE


def test_the_database_refuses_a_second_open_assessment(service, assessment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            service=service, questionnaire=assessment.questionnaire, version=2
        )


def test_editor_starts_from_the_service_page(editor_client, provider, service):
    url = reverse("providers:assessment_start", args=[provider.public_id, service.public_id])
    response = editor_client.post(url)
    assessment = Assessment.objects.get(service=service)
    assert response["Location"] == assessment.get_absolute_url()
    assert assessment.status == Status.DRAFT
    assert assessment.applicable_count > 0


def test_viewer_cannot_start_or_answer(viewer_client, provider, service, assessment):
    url = reverse("providers:assessment_start", args=[provider.public_id, service.public_id])
    assert viewer_client.post(url).status_code == 403
    q = _first(assessment, "clause")
    response = viewer_client.post(_url(assessment, "answer", question=q.code), {"revision": 0})
    assert response.status_code == 403


def test_autosave_stores_the_answer_and_bumps_the_revision(editor_client, assessment):
    q = _first(assessment, "yes_no")
    url = _url(assessment, "answer", question=q.code)
    response = editor_client.post(url, {"revision": 0, "value": "yes", "note": "见制度"})
    assert response.status_code == 200
    answer = assessment.answers.get(question_id=q.pk)
    assert (answer.value, answer.note, answer.revision) == (True, "见制度", 1)
    assert 'value="1"' in response.content.decode()  # the new revision goes back to the page
    event = json.loads(response["HX-Trigger"])["assessment:state"]
    assert event["answered"] >= 1


def test_a_stale_revision_is_a_conflict_showing_the_other_value(
    editor_client, owner_client, assessment
):
    q = _first(assessment, "text")
    url = _url(assessment, "answer", question=q.code)
    assert owner_client.post(url, {"revision": 0, "value": "所有者的答案"}).status_code == 200
    response = editor_client.post(url, {"revision": 0, "value": "编辑者的答案"})
    assert response.status_code == 409
    assert "所有者的答案" in response.content.decode()
    assert assessment.answers.get(question_id=q.pk).value == "所有者的答案"
    # "Keep mine": the page resends with the revision it was shown.
    assert editor_client.post(url, {"revision": 1, "value": "编辑者的答案"}).status_code == 200
    assert assessment.answers.get(question_id=q.pk).value == "编辑者的答案"


def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_stored(editor_client, assessment):
    q = (
        _first(assessment, "number")
        if any(q.kind == "number" for q in get_catalogue(assessment.questionnaire).questions)
        else None
    )
    if q is None or q.code not in services.load_state(assessment).applicable:
        factories.fill_required(assessment, assessment.created_by)
        q = _first(assessment, "number")
    response = editor_client.post(
        _url(assessment, "answer", question=q.code), {"revision": 0, "value": "很多"}
    )
    assert response.status_code == 422
    assert "未保存" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "gap_field"),
    [
        ({"value": "na"}, "na_reason"),
        ({"value": "not_conform"}, "nonconformity"),
        ({"value": "not_conform", "nonconformity": "alternative"}, "alternative_measure"),
        (
            {"value": "not_conform", "nonconformity": "alternative", "alternative_measure": "x"},
            "alternative_proof",
        ),
        ({"value": "not_conform", "nonconformity": "remediation"}, "measures_taken"),
        (
            {
                "value": "not_conform",
                "nonconformity": "remediation",
                "measures_taken": "a",
                "remediation_plan": "b",
            },
            "remediation_due",
        ),
    ],
)
def test_clause_branches_are_kept_but_count_only_when_complete(
    editor_client, assessment, data, gap_field
):
    q = _first(assessment, "clause")
    response = editor_client.post(
        _url(assessment, "answer", question=q.code), {"revision": 0, **data}
    )
    assert response.status_code == 200
    assert f'data-field="{gap_field}"' in response.content.decode()
    state = services.load_state(assessment)
    assert state.answers[q.code].value == data["value"]  # saved, nothing lost
    assert not state.complete[q.code]
    assert any(item.code == q.code for item, _ in services.missing_for_submission(state))


@pytest.mark.parametrize(
    "data",
    [
        {"value": "conform"},
        {"value": "na", "na_reason": "本服务不生成图片"},
        {
            "value": "not_conform",
            "nonconformity": "alternative",
            "alternative_measure": "人工审核",
            "alternative_proof": "抽检报告",
        },
        {
            "value": "not_conform",
            "nonconformity": "remediation",
            "measures_taken": "已上线过滤",
            "remediation_plan": "扩充词库",
            "remediation_due": "2027-03-31",
        },
    ],
)
def test_complete_clause_answers_count(editor_client, assessment, data):
    q = _first(assessment, "clause")
    editor_client.post(_url(assessment, "answer", question=q.code), {"revision": 0, **data})
    assert services.load_state(assessment).complete[q.code]


def _gate_and_dependant(catalogue):
    for q in catalogue.questions:
        cond = q.applies_if or {}
        tests = cond.get("all", [cond])
        for t in tests:
            field = t.get("field", "")
            if field.startswith("answer.") and t.get("equals") is True:
                return catalogue.by_code[field.split(".", 1)[1]], q
    raise AssertionError("the questionnaire has no yes/no gate")


def test_a_gate_answer_reveals_its_questions_and_hiding_keeps_answers(editor_client, assessment):
    catalogue = get_catalogue(assessment.questionnaire)
    gate, dependant = _gate_and_dependant(catalogue)
    if gate.code != "SCOPE-01":
        factories.answer(assessment, "SCOPE-01", assessment.created_by, value="yes")
    url = _url(assessment, "answer", question=gate.code)
    response = editor_client.post(url, {"revision": 0, "value": "yes"})
    applicable = json.loads(response["HX-Trigger"])["assessment:state"]["applicable"]
    if dependant.code not in applicable:
        pytest.skip(f"{dependant.code} needs further conditions")
    factories.answer(assessment, dependant.code, assessment.created_by)
    response = editor_client.post(url, {"revision": 1, "value": "no"})
    applicable = json.loads(response["HX-Trigger"])["assessment:state"]["applicable"]
    assert dependant.code not in applicable
    assert assessment.answers.filter(question_id=dependant.pk).exists()  # kept, not deleted


def test_the_page_lists_only_applicable_questions_with_citations(editor_client, assessment):
    catalogue = get_catalogue(assessment.questionnaire)
    domain = catalogue.domains[1]
    page = editor_client.get(_url(assessment, "detail") + f"?domain={domain.code}")
    html = page.content.decode()
    state = services.load_state(assessment)
    for q in domain.questions:
        marker = f'data-question="{q.code}"'
        assert marker in html
        hidden = f"{marker} hidden" in html
        assert hidden == (q.code not in state.applicable), q.code
    first = domain.questions[0]
    assert reverse("library:provision", args=[first.provisions[0].key]) in html


def test_the_assessment_page_runs_constant_queries(
    client_for, editor, service, django_assert_num_queries
):
    client = client_for(editor)
    for size in (6, 60):
        questionnaire = factories.make_questionnaire(size, code=f"size-{size}")
        assessment = Assessment.objects.create(
            service=service, questionnaire=questionnaire, created_by=editor
        )
        for code in ("T-000", "T-001", "T-002"):
            factories.answer(assessment, code, editor)
        factories.attach(assessment, "T-003", editor)
        url = _url(assessment, "detail")
        client.get(url)  # the questionnaire structure is cached per version after this
        # session, user, assessment+service+provider+questionnaire, membership,
        # answers, evidence, dossiers of this assessment (the dossier panel), its latest move
        # to a newer questionnaire version (marks), the newest version (the upgrade notice)
        with django_assert_num_queries(9):
            response = client.get(url)
        assert response.status_code == 200


def test_autosave_does_a_bounded_number_of_queries(
    editor_client, assessment, django_assert_num_queries, django_capture_on_commit_callbacks
):
    q = _first(assessment, "text")
    url = _url(assessment, "answer", question=q.code)
    # session, user; savepoint; the assessment locked and read with its service, provider,
    # questionnaire and the membership in one statement (access.lock_writable_assessment);
    # all answers (the one to change among them), update answer; evidence, update progress,
    # score and revision; audit (last, so the chain's lock is held the shortest time): the
    # chain's lock with the last hash in one round trip, insert; release savepoint. (On
    # PostgreSQL the chain's lock is an advisory lock; on SQLite, the embedded default,
    # reading the last hash is the lock.)
    queries = 11
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, {"revision": 0, "value": "第一版"})  # the answer exists now
    # The first save of a burst also queues the filing summary's task (filing.summary): one
    # outbox row written in the transaction (deleted after the commit, once the task reached
    # the broker; the task waits SUMMARY_DELAY, so it has not run when the next save comes).
    with django_capture_on_commit_callbacks() as after_commit:
        with django_assert_num_queries(queries + 1):
            editor_client.post(url, {"revision": 1, "value": "第二版"})
    assert len(after_commit) == 1
    # The saves that follow while the summary is outdated queue nothing.
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        with django_assert_num_queries(queries):
            editor_client.post(url, {"revision": 2, "value": "第三版"})
    assert not after_commit


def test_autosaves_store_what_a_full_recomputation_gives(editor_client, assessment):
    """An autosave writes progress and score only when they change (the score when the digest
    of its inputs does): after every save, scored or not, the stored figures are exactly those
    of a full recomputation, and a save that changes neither leaves both unwritten."""
    from django.test.utils import CaptureQueriesContext

    from assessments.scores import answer_inputs, inputs_digest, score_self

    text, yes_no = _first(assessment, "text"), _first(assessment, "yes_no")
    saves = [
        (text, "第一版"),
        (text, "第二版"),  # still answered: nothing to write but the revision
        (yes_no, "yes"),
        (yes_no, "no"),
        (text, ""),
        (text, "第三版"),
        (text, "第四版"),
    ]
    before = Assessment.objects.get(pk=assessment.pk)
    revisions: dict[str, int] = {}
    written = []
    for question, value in saves:
        url = _url(assessment, "answer", question=question.code)
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.post(
                url, {"revision": revisions.get(question.code, 0), "value": value}
            )
        assert response.status_code == 200
        revisions[question.code] = revisions.get(question.code, 0) + 1
        stored = Assessment.objects.get(pk=assessment.pk)
        state = services.load_state(stored)
        progress = services.progress_of(state)
        assert stored.progress == progress
        assert stored.applicable_count == sum(total for _, total in progress.values())
        assert stored.answered_count == sum(done for done, _ in progress.values())
        assert stored.self_score == score_self(state).to_json()
        assert stored.self_score_inputs == inputs_digest(state.catalogue, answer_inputs(state))
        (update,) = (
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('UPDATE "assessments_assessment"')
        )
        wrote = ('"self_score"' in update, '"progress"' in update)
        assert wrote == (
            stored.self_score_inputs != before.self_score_inputs,
            stored.progress != before.progress,
        ), (question.code, value)
        written.append(wrote)
        before = stored
    assert written[1] == written[-1] == (False, False)  # the text edits
    assert written[2] == (True, True)  # the first answer of a yes/no question


def test_the_autosaves_light_state_gives_the_same_figures(
    assessment, editor, django_assert_num_queries
):
    """An autosave reads the files without names, hashes and analysis results: progress, score
    and what is missing are those of the full state (files passed, failed, pending)."""
    from assessments.scores import score_self

    factories.fill_required(assessment, editor)
    state = services.load_state(assessment)
    analysed = [e for files in state.evidence.values() for e in files if hasattr(e, "analysis")]
    assert analysed
    Analysis.objects.filter(pk=analysed[0].analysis.pk).update(status="pending", passed=None)
    Analysis.objects.filter(pk=analysed[-1].analysis.pk).update(passed=False)
    full, light = services.load_state(assessment), services.load_state(assessment, light=True)
    with django_assert_num_queries(0):  # no deferred column read after all
        figures = (services.progress_of(light), services.missing_for_submission(light))
        score = score_self(light).to_json()
    assert figures == (services.progress_of(full), services.missing_for_submission(full))
    assert services.missing_for_submission(full)  # the pending file
    assert score == score_self(full).to_json()
    assert (light.applicable, light.complete) == (full.applicable, full.complete)
    assert (light.values, light.incomplete) == (full.values, full.incomplete)
    # Plain rows, not model instances: building those was most of loading the state.
    assert not any(isinstance(a, Answer) for a in light.answers.values())


# --- evidence ---------------------------------------------------------------------------------


def _upload(client, assessment, code, name, content, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        _url(assessment, "evidence_upload", question=code),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def test_evidence_is_stored_with_its_hash_outside_static(editor_client, assessment, settings):
    q = _first(assessment, "clause")
    response = _upload(
        editor_client,
        assessment,
        q.code,
        "../../安全 制度<v1>.pdf",
        factories.PDF_BYTES,
        observed_on="2026-11-01",
        note="2026 版",
    )
    assert response.status_code == 200
    evidence = Evidence.objects.get(assessment=assessment)
    assert evidence.sha256 == hashlib.sha256(factories.PDF_BYTES).hexdigest()
    assert evidence.name == "安全 制度_v1_.pdf"
    assert evidence.content_type == "application/pdf"
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert str(settings.STATIC_ROOT) not in evidence.file.path
    assert evidence.name in response.content.decode()


def test_evidence_downloads_as_an_attachment_with_a_safe_name(editor_client, assessment):
    q = _first(assessment, "clause")
    response = _upload(
        editor_client, assessment, q.code, "安全评估;报告 final.pdf", factories.PDF_BYTES
    )
    assert response.status_code == 200, response.content.decode()
    evidence = Evidence.objects.get(assessment=assessment)
    response = editor_client.get(_url(assessment, "evidence_download", evidence=evidence.public_id))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == factories.PDF_BYTES
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition  # the Chinese name survives, encoded
    assert "\n" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_outsiders_cannot_download_evidence(outsider_client, assessment, editor):
    evidence = factories.attach(assessment, _first(assessment, "clause").code, editor)
    response = outsider_client.get(
        _url(assessment, "evidence_download", evidence=evidence.public_id)
    )
    assert response.status_code == 404


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "不接受"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, ".pdf"),
        ("empty.txt", b"", "空"),
        ("bomb.zip", None, "ZIP"),
    ],
)
def test_bad_files_are_refused_with_a_reason(editor_client, assessment, name, content, message):
    q = _first(assessment, "text")
    editor_client.post(
        _url(assessment, "answer", question=q.code), {"revision": 0, "value": "已输入的答案"}
    )
    response = _upload(
        editor_client, assessment, q.code, name, _zip_bomb() if content is None else content
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert assessment.answers.get(question_id=q.pk).value == "已输入的答案"


def test_an_oversized_file_is_refused_with_the_limit(editor_client, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    q = _first(assessment, "clause")
    response = _upload(editor_client, assessment, q.code, "big.txt", b"a" * (1024 * 1024 + 1))
    assert response.status_code == 422
    assert "1 MB" in response.content.decode()


# --- submission and revision ------------------------------------------------------------------


def test_submission_lists_what_is_missing(editor_client, assessment):
    response = editor_client.post(_url(assessment, "submit"))
    assert response.status_code == 200
    assert response.context["missing"]
    first_missing = response.context["missing"][0][0]
    assert f"#q-{first_missing.code}" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT


def test_submission_freezes_answers_behind_a_hashed_snapshot(editor_client, assessment, editor):
    factories.fill_required(assessment, editor)
    response = editor_client.post(_url(assessment, "submit"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED
    digest = hashlib.sha256(services.canonical_json(assessment.snapshot)).hexdigest()
    assert assessment.snapshot_sha256 == digest
    snap = assessment.snapshot
    assert snap["questionnaire"]["version"] == assessment.questionnaire.version
    assert snap["service"]["profile"]["channels"] == ["web", "api"]
    assert {e["sha256"] for e in snap["evidence"]} == set(
        assessment.evidence.values_list("sha256", flat=True)
    )
    q = _first(assessment, "clause")
    # Read-only from now on: no answer change, no evidence removal.
    answer = editor_client.post(
        _url(assessment, "answer", question=q.code), {"revision": 5, "value": "na"}
    )
    assert answer.status_code in (403, 422)
    evidence = assessment.evidence.first()
    response = editor_client.post(_url(assessment, "evidence_delete", evidence=evidence.public_id))
    assert response.status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    page = editor_client.get(_url(assessment, "detail")).content.decode()
    assert "hx-post" not in page.split('id="questions"')[1]


def test_revising_opens_a_new_version_and_marks_changes(editor_client, assessment, editor):
    factories.fill_required(assessment, editor)
    services.assessment_submit(assessment=assessment, user=editor)
    reviewer = factories.make_user(is_reviewer=True)
    review_services.assessment_claim(assessment=assessment, reviewer=reviewer)
    review_services.request_changes(assessment=assessment, reviewer=reviewer, summary="请补充")
    response = editor_client.post(_url(assessment, "revise"))
    draft = Assessment.objects.get(previous=assessment)
    assert response["Location"] == draft.get_absolute_url()
    assert draft.version == 2
    assert draft.answers.count() == assessment.answers.count()
    assert draft.evidence.count() == assessment.evidence.count()
    assessment.refresh_from_db()
    assert assessment.status == Status.SUPERSEDED
    q = next(
        q
        for q in get_catalogue(draft.questionnaire).questions
        if q.kind == "clause" and draft.answers.filter(question_id=q.pk).exists()
    )
    factories.answer(draft, q.code, editor, value="na", na_reason="不涉及")
    page = editor_client.get(_url(draft, "detail") + f"?domain={q.domain}").content.decode()
    card = page.split(f'id="q-{q.code}"')[1].split("</article>")[0]
    assert "previous-answer" in card


def test_the_dashboard_shows_each_service_with_its_assessment(owner_client, provider, assessment):
    page = owner_client.get(provider.get_absolute_url()).content.decode()
    assert assessment.get_absolute_url() in page
    assert f"0/{assessment.applicable_count}" in page


def test_a_share_outside_zero_to_one_is_refused(editor_client, assessment, editor):
    """Questions that ask for a share "as a decimal between 0 and 1" refuse 12000 or 30 (%)."""
    from assessments.forms import is_ratio

    factories.fill_required(assessment, editor)
    state = services.load_state(assessment)
    q = next(
        q
        for q in state.catalogue.questions
        if q.kind == "number" and is_ratio(q) and q.code in state.applicable
    )
    current = assessment.answers.get(question_id=q.pk)
    url = _url(assessment, "answer", question=q.code)
    response = editor_client.post(url, {"revision": current.revision, "value": "30"})
    assert response.status_code == 422
    assert "1" in response.content.decode()
    assert (
        editor_client.post(url, {"revision": current.revision, "value": "0.3"}).status_code == 200
    )


def test_one_remaining_count_on_the_button_and_the_submit_page(
    service, editor, editor_client, viewer_client
):
    """The submit button's badge, the submit page's list and its heading count the same
    questions, each once; the list is grouped by domain; a viewer is told why there is no
    submit button."""
    assessment, _ = services.assessment_start(service=service, user=editor)
    missing = services.missing_for_submission(services.load_state(assessment))
    assert missing and len({q.code for q, _ in missing}) == len(missing)
    detail = editor_client.get(assessment.get_absolute_url()).content.decode()
    badge = detail.split("data-missing-count")[1].split("</span>")[0]
    assert badge.split(">")[-1].strip() == str(len(missing))
    page = editor_client.get(reverse("assessments:submit", args=[assessment.public_id]))
    html = page.content.decode()
    assert html.count('<li class="list-group-item"><a href=') == len(missing)
    assert f"{len(missing)} " in html.split('class="h3"')[1].split("</p>")[0]
    domains = [q.domain for q, _ in missing]
    assert html.count('class="h6 mt-3 missing-domain"') == len(set(domains))
    assert "viewer-note" not in html
    viewer_page = viewer_client.get(reverse("assessments:submit", args=[assessment.public_id]))
    assert "viewer-note" in viewer_page.content.decode()


def _remaining_on_every_page(client, assessment) -> dict[str, int]:
    """The remaining count as each page shows it (English pages, to read the numbers)."""
    import re

    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    provider = assessment.service.provider
    pages = {
        "provider page": (
            reverse("providers:detail", kwargs={"provider": provider.public_id}),
            r"(\d+) answers? to go",
        ),
        "submit button": (
            assessment.get_absolute_url(),
            r"data-missing-count[^>]*>(\d+)<",
        ),
        "submit page": (
            _url(assessment, "submit"),
            r"(\d+) answers? (?:is|are) still missing before you can submit",
        ),
        "results": (
            _url(assessment, "results"),
            r"(\d+) answers? (?:is|are) still missing</a> before submission",
        ),
    }
    found = {}
    for name, (url, pattern) in pages.items():
        html = client.get(url).content.decode()
        match = re.search(pattern, html)
        assert match, f"{name} shows no remaining count"
        found[name] = int(match[1])
    return found


def test_one_remaining_count_on_every_page_as_questions_appear_and_go(
    service, editor, editor_client
):
    """Provider page, submit button, submit page and results show one number, the length of
    missing_for_submission, also after a scope answer shows a conditional question and after
    it hides it again; the stored progress agrees."""
    assessment, _ = services.assessment_start(service=service, user=editor)
    for code, value in (("SCOPE-01", "yes"), ("SCOPE-06", "yes"), ("SCOPE-13", "under_1m")):
        factories.answer(assessment, code, editor, value=value)
    # Answered, but its file is missing: still to do, on every page.
    factories.answer(assessment, "CS-01", editor, value="yes")

    def counts():
        assessment.refresh_from_db()
        missing = services.missing_for_submission(services.load_state(assessment))
        shown = _remaining_on_every_page(editor_client, assessment)
        assert set(shown.values()) == {len(missing)}, shown
        assert assessment.remaining_count == len(missing)
        return len(missing), {q.code for q, _ in missing}

    before, codes = counts()
    assert "PI-Q24" not in codes and "CS-01" in codes
    factories.answer(assessment, "SCOPE-13", editor, value="over_10m")  # shows PI-Q24
    shown, codes = counts()
    assert "PI-Q24" in codes and shown > before
    factories.answer(assessment, "SCOPE-13", editor, value="under_1m")  # hides it again
    assert counts()[0] == before
