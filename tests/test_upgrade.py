"""Moving an assessment in flight to a newer questionnaire version (assessments.upgrade).

The carry-over rules run on two small versions built here, so that the real version 2 can grow
without changing what these tests mean; one test moves a real version 1 draft to the real v2.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from assessments import services
from assessments.models import Answer, Assessment, Evidence, QuestionnaireUpgrade, Status
from assessments.upgrade import (
    UpgradeRefused,
    plan_upgrade,
    undo_upgrade,
    undoable,
    upgrade_assessment,
)
from audit.models import Action, AuditEvent
from audit.services import verify_chain
from library.catalogue import get_catalogue
from library.changes import compare, fingerprint
from library.models import Domain, Instrument, Provision, Question, Questionnaire
from providers.models import Role
from tests import factories
from tests.concurrency import while_held

CODE = "upgrade-test"
YES_NO = {"kind": "yes_no", "expected": True}
CHOICES = [
    {"value": "a", "label_zh": "甲", "label_en": "A"},
    {"value": "b", "label_zh": "乙", "label_en": "B"},
]
V1 = {
    "KEEP": {**YES_NO, "text_zh": "是否有制度？", "text_en": "Is there a policy?"},
    "GUIDE": {**YES_NO, "text_zh": "是否有日志？", "text_en": "Are there logs?"},
    "WORD": {**YES_NO, "text_zh": "是否每年评估？", "text_en": "Is it assessed every year?"},
    "OPTS": {"kind": "single_choice", "text_zh": "来源", "text_en": "Source", "choices": CHOICES},
    "THR": {
        "kind": "number",
        "text_zh": "关键词数量",
        "text_en": "Number of keywords",
        "unit_zh": "条",
        "unit_en": "items",
        "thresholds": [{"key": "total_min", "value": 10000, "comparison": "ge", "unit": "count"}],
    },
    "GONE": {"kind": "text", "text_zh": "旧问题", "text_en": "Old question"},
}
V2 = {
    **V1,
    "GUIDE": {**V1["GUIDE"], "guidance_zh": "新的指引", "guidance_en": "New guidance"},
    "WORD": {
        **YES_NO,
        "text_zh": "是否每季度评估？",
        "text_en": "Is it assessed every six months?",
    },
    "OPTS": {
        **V1["OPTS"],
        "choices": [*CHOICES, {"value": "c", "label_zh": "丙", "label_en": "C"}],
    },
    "THR": {
        **V1["THR"],
        "thresholds": [{"key": "total_min", "value": 20000, "comparison": "ge", "unit": "count"}],
    },
    "NEW": {
        **YES_NO,
        "text_zh": "是否提示用户正在与人工智能互动？",
        "text_en": "Told it is an AI?",
    },
}
del V2["GONE"]


def make_version(version: int, questions: dict, *, code: str = CODE) -> Questionnaire:
    """A questionnaire version built in the database; cites a provision of its own, so the
    test does not depend on the library's content either."""
    instrument, _ = Instrument.objects.get_or_create(
        code="UPGT",
        defaults={
            "title_zh": "测试办法",
            "title_en": "Test measures",
            "short_zh": "测试办法",
            "short_en": "Test measures",
            "kind": "departmental_rule",
            "status": "in_force",
        },
    )
    provision, _ = Provision.objects.get_or_create(
        key="UPGT-1",
        defaults={
            "instrument": instrument,
            "ref_zh": "第一条",
            "ref_en": "Art. 1",
            "summary_zh": "测试",
            "summary_en": "Test",
            "confidence": "T",
        },
    )
    questionnaire = Questionnaire.objects.create(
        code=code,
        version=version,
        title_zh="升级测试问卷",
        title_en="Upgrade test questionnaire",
        # From the content, as the loader does: the catalogue cache is keyed by id and hash, and
        # SQLite hands a rolled-back version's id to the next test's version.
        content_hash=hashlib.sha256(
            json.dumps([code, version, questions], sort_keys=True).encode()
        ).hexdigest(),
        source_file="test.yaml",
    )
    domain = Domain.objects.create(
        questionnaire=questionnaire, code="d", title_zh="领域", title_en="Domain"
    )
    for position, (qcode, spec) in enumerate(questions.items()):
        question = Question.objects.create(
            questionnaire=questionnaire,
            domain=domain,
            code=qcode,
            position=position,
            **{"guidance_zh": "指引", "guidance_en": "Guidance", **spec},
        )
        question.provisions.add(provision)
    return questionnaire


def draft_on_first_version(code: str) -> tuple[Assessment, object, tuple]:
    """Versions 1 and 2 under `code`, and a draft on version 1 for a new provider's service:
    the draft, its editor and the two versions."""
    versions = make_version(1, V1, code=code), make_version(2, V2, code=code)
    provider = factories.make_provider()
    editor = factories.make_member(provider, Role.EDITOR).user
    assessment = Assessment.objects.create(
        service=factories.make_service(provider), questionnaire=versions[0], created_by=editor
    )
    return assessment, editor, versions


@pytest.fixture(autouse=True)
def _chinese():
    """Refusals are read in Chinese, the portal's first language, whatever ran before."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def versions(db):
    return make_version(1, V1), make_version(2, V2)


@pytest.fixture
def draft(versions, service, editor):
    assessment = Assessment.objects.create(
        service=service, questionnaire=versions[0], created_by=editor
    )
    for code in ("KEEP", "GUIDE", "WORD", "OPTS", "THR", "GONE"):
        factories.answer(assessment, code, editor)
    factories.attach(assessment, "KEEP", editor, name="制度.pdf")
    factories.attach(assessment, "WORD", editor, name="评估报告.pdf")
    return Assessment.objects.get(pk=assessment.pk)


def _answers(assessment) -> dict[str, tuple]:
    catalogue = get_catalogue(assessment.questionnaire)
    return {
        catalogue.by_pk[a.question_id].code: (a.value, a.note, a.revision)
        for a in Answer.objects.filter(assessment=assessment)
        if a.is_answered
    }


def _files(assessment) -> dict[str, tuple]:
    catalogue = get_catalogue(assessment.questionnaire)
    return {
        str(e.public_id): (catalogue.by_pk[e.question_id].code, e.name, e.sha256)
        for e in Evidence.objects.filter(assessment=assessment)
    }


def test_fingerprint_sees_wording_kind_options_and_thresholds_not_guidance(versions):
    old, new = (get_catalogue(v) for v in versions)
    diff = compare(old, new)
    assert diff.unchanged == ["KEEP", "GUIDE"]
    assert [c.code for c in diff.changed] == ["WORD", "OPTS", "THR"]
    assert diff.rejudged == ["THR"]  # only its threshold changed
    assert [c.code for c in diff.added] == ["NEW"]
    assert [c.code for c in diff.removed] == ["GONE"]
    word = diff.changed[0]
    assert [s.text for s in word.text_zh if s.op == "del"] == ["年"]
    assert [s.text for s in word.text_zh if s.op == "ins"] == ["季度"]
    assert [(s.op, s.text) for s in word.text_en if s.op != "same"] == [
        ("del", "year"),
        ("ins", "six months"),
    ]
    assert [c["value"] for c in diff.changed[1].choices_added] == ["c"]
    (threshold,) = diff.changed[2].thresholds
    assert "".join(s.text for s in threshold.zh if s.op != "ins") == "≥ 10 000条"
    assert "".join(s.text for s in threshold.en if s.op != "del") == "≥ 20 000 items"
    # The model row and the cached item of the same question agree.
    row = Question.objects.get(questionnaire=versions[0], code="THR")
    assert fingerprint(row) == fingerprint(old.by_code["THR"])


def test_upgrade_carries_unchanged_answers_and_their_files_and_marks_the_rest(
    draft, versions, editor
):
    before_answers, before_files = _answers(draft), _files(draft)
    plan = plan_upgrade(draft, versions[1])
    assert [q.code for q in plan.carried] == ["KEEP", "GUIDE", "THR"]
    assert [q.code for q in plan.rejudged] == ["THR"]
    assert [(q.code, removed) for q, removed in plan.dropped] == [
        ("WORD", False),
        ("OPTS", False),
        ("GONE", True),
    ]
    assert (plan.files_kept, plan.files_retired) == (1, 1)

    moved = upgrade_assessment(assessment=draft, user=editor)

    assert moved.pk == draft.pk and moved.questionnaire == versions[1]
    assert _answers(moved) == {c: before_answers[c] for c in ("KEEP", "GUIDE", "THR")}
    keep_file = next(i for i, f in before_files.items() if f[0] == "KEEP")
    assert _files(moved) == {keep_file: before_files[keep_file]}
    upgrade = QuestionnaireUpgrade.objects.get(assessment=moved)
    assert upgrade.marked == ["NEW", "WORD", "OPTS", "THR"]
    retired = {r["question"]: r for r in upgrade.retired}
    assert set(retired) == {"WORD", "OPTS", "GONE"}
    assert retired["GONE"]["removed"] and not retired["WORD"]["removed"]
    assert retired["OPTS"]["answer"]["value"] == before_answers["OPTS"][0]
    assert [e["name"] for e in retired["WORD"]["evidence"]] == ["评估报告.pdf"]
    # Progress counts the new version: the marked questions are open but THR, answered still.
    assert moved.applicable_count - moved.answered_count == 3
    event = AuditEvent.objects.get(action=Action.QUESTIONNAIRE_UPGRADED)
    assert event.assessment_id == moved.pk and event.actor_id == editor.pk
    assert event.after["carried"] == 3 and event.after["retired"] == 3
    assert verify_chain() is None


def test_a_file_on_a_question_whose_threshold_changed_is_judged_again_both_ways(
    service, editor, django_capture_on_commit_callbacks
):
    """The keyword list stays the provider's answer when only the number of risks it must
    cover changes: it carries over and is analysed again by the new threshold, and by the old
    one again when the move is undone."""
    kw = {
        "kind": "evidence",
        "text_zh": "上传拦截关键词列表",
        "text_en": "Upload the keyword list",
        "analyser": "keyword_list",
        "thresholds": [{"key": "risks_covered_min", "value": 17, "comparison": "ge"}],
    }
    stricter = {**kw, "thresholds": [{**kw["thresholds"][0], "value": 31}]}
    old, new = make_version(1, {"KW": kw}), make_version(2, {"KW": stricter})
    assert compare(get_catalogue(old), get_catalogue(new)).rejudged == ["KW"]
    draft = Assessment.objects.create(service=service, questionnaire=old, created_by=editor)
    evidence = factories.attach(draft, "KW", editor)
    assert evidence.analysis.passed is True

    with django_capture_on_commit_callbacks(execute=True):
        moved = upgrade_assessment(assessment=draft, user=editor)
    evidence.analysis.refresh_from_db()
    assert (evidence.analysis.status, evidence.analysis.passed) == ("done", False)
    assert list(moved.evidence.values_list("pk", flat=True)) == [evidence.pk]

    with django_capture_on_commit_callbacks(execute=True):
        undo_upgrade(assessment=moved, user=editor)
    evidence.analysis.refresh_from_db()
    assert (evidence.analysis.status, evidence.analysis.passed) == ("done", True)


def test_undo_puts_back_every_answer_and_file_until_the_next_save(draft, versions, editor):
    before = (_answers(draft), _files(draft), draft.version, draft.self_score)
    moved = upgrade_assessment(assessment=draft, user=editor)
    assert undoable(moved, QuestionnaireUpgrade.objects.get())
    back = undo_upgrade(assessment=moved, user=editor)
    assert back.questionnaire == versions[0]
    assert (_answers(back), _files(back), back.version, back.self_score) == before
    assert AuditEvent.objects.filter(action=Action.QUESTIONNAIRE_UPGRADE_UNDONE).count() == 1
    with pytest.raises(UpgradeRefused):
        undo_upgrade(assessment=back, user=editor)  # nothing left to undo

    moved = upgrade_assessment(assessment=back, user=editor)
    factories.answer(moved, "NEW", editor)  # the next save
    assert not undoable(moved, QuestionnaireUpgrade.objects.filter(undone_at=None).get())
    with pytest.raises(UpgradeRefused, match="已保存过"):
        undo_upgrade(assessment=moved, user=editor)
    assert Assessment.objects.get(pk=moved.pk).questionnaire == versions[1]


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED])
def test_submitted_and_decided_assessments_keep_their_version(versions, service, editor, status):
    frozen = Assessment.objects.create(
        service=service,
        questionnaire=versions[0],
        status=status,
        snapshot={"answers": []},
        snapshot_sha256="a" * 64,
    )
    with pytest.raises(UpgradeRefused, match="保持原版本"):
        upgrade_assessment(assessment=frozen, user=editor)
    assert Assessment.objects.get(pk=frozen.pk).questionnaire == versions[0]
    assert not QuestionnaireUpgrade.objects.exists()


def test_a_returned_assessment_is_revised_into_a_draft_that_moves(versions, service, editor):
    returned = Assessment.objects.create(
        service=service,
        questionnaire=versions[0],
        status=Status.CHANGES_REQUESTED,
        snapshot={"answers": []},
        snapshot_sha256="a" * 64,
    )
    keep = Question.objects.get(questionnaire=versions[0], code="KEEP")
    Answer.objects.create(assessment=returned, question=keep, value=True, note="有")
    draft = upgrade_assessment(assessment=returned, user=editor)
    assert draft.pk != returned.pk and draft.previous_id == returned.pk
    assert draft.status == Status.DRAFT and draft.questionnaire == versions[1]
    assert _answers(draft) == {"KEEP": (True, "有", 0)}
    assert Assessment.objects.get(pk=returned.pk).status == Status.SUPERSEDED


def test_refused_when_already_newest_or_the_service_has_an_open_v2(versions, service, editor):
    newest = Assessment.objects.create(service=service, questionnaire=versions[1])
    with pytest.raises(UpgradeRefused, match="已使用最新版本"):
        upgrade_assessment(assessment=newest, user=editor)
    old = Assessment.objects.create(service=service, questionnaire=versions[0])
    with pytest.raises(UpgradeRefused, match="进行中评估"):
        upgrade_assessment(assessment=old, user=editor)


def test_a_save_from_a_page_loaded_before_the_move_is_refused(draft, versions, editor):
    stale_item = get_catalogue(versions[0]).by_code["WORD"]
    moved = upgrade_assessment(assessment=draft, user=editor)
    form = services.AnswerForm(factories.answer_data(stale_item), question=stale_item)
    assert form.is_valid()
    with pytest.raises(services.NotEditable, match="问卷版本2"):
        services.answer_save(assessment=moved, question=stale_item, form=form, user=editor)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_save_during_the_move_waits_for_it_and_is_then_refused(transactional_db):
    v1, v2, editor, assessment = _draft_for_a_race()
    stale_item = get_catalogue(v1).by_code["WORD"]
    form = services.AnswerForm(factories.answer_data(stale_item), question=stale_item)
    assert form.is_valid()

    def save():
        try:
            services.answer_save(assessment=assessment, question=stale_item, form=form, user=editor)
            return {"saved": True}
        except services.NotEditable as exc:
            return {"refused": str(exc)}

    race = while_held(lambda: upgrade_assessment(assessment=assessment, user=editor), save)
    assert race.waited, "the save did not wait for the move's lock"
    outcome = race.then
    assert "问卷版本2" in outcome.get("refused", "")
    assert Assessment.objects.get(pk=assessment.pk).questionnaire == v2
    assert not Answer.objects.filter(assessment=assessment, question__questionnaire=v1).exists()


def _draft_for_a_race():
    """Versions 1 and 2 of a questionnaire of its own, and a draft on version 1 (a
    transactional test cannot rely on the fixtures' rows)."""
    v1, v2 = make_version(1, V1, code="upgrade-race"), make_version(2, V2, code="upgrade-race")
    provider = factories.make_provider()
    editor = factories.make_member(provider, Role.EDITOR).user
    assessment = Assessment.objects.create(
        service=factories.make_service(provider), questionnaire=v1, created_by=editor
    )
    return v1, v2, editor, assessment


@pytest.mark.parametrize("sent", ["shown", "current", "none"])
def test_an_autosave_from_a_page_of_the_version_before_the_move(
    draft, versions, editor, client_for, sent
):
    """WORD is worded differently in version 2: an answer typed under version 1's wording must
    not be stored as the answer to version 2's. The page sends the version it shows."""
    moved = upgrade_assessment(assessment=draft, user=editor)
    before = _answers(moved)
    stale_item = get_catalogue(versions[0]).by_code["WORD"]
    # Changed in version 2, so its answer stayed behind: version 2's WORD is unanswered, as it
    # was on the stale page (an answered one would be refused as a conflict of revisions).
    assert "WORD" not in before
    revision = 0
    data = factories.answer_data(stale_item, revision=revision, note="每年一次")
    if sent != "none":
        data["questionnaire"] = str(versions[0 if sent == "shown" else 1].pk)
    url = f"/assessments/{moved.public_id}/answers/WORD/"
    response = client_for(editor).post(url, data, HTTP_HX_REQUEST="true")
    if sent == "shown":
        assert response.status_code == 422
        assert "问卷版本2" in response.content.decode()
        assert _answers(moved) == before
    else:  # a page of version 2, or a client that does not say (answers version 2's question)
        assert response.status_code == 200, response.content.decode()
        assert _answers(moved)["WORD"][1:] == ("每年一次", 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_an_autosave_during_the_move_waits_for_it_and_is_then_refused(transactional_db):
    """The autosave reads, checks and locks the row in one statement, and waits for the move's
    lock. Whatever PostgreSQL's re-check of the moved row gives (the moved row, or nothing and
    the long way), the save says the version changed (the page was shown for version 1): not
    that the assessment is gone, nor does it land on version 2's question of the same code."""
    from tests.conftest import _client_for

    v1, v2, editor, assessment = _draft_for_a_race()
    stale_item = get_catalogue(v1).by_code["WORD"]
    url = f"/assessments/{assessment.public_id}/answers/WORD/"
    client = _client_for(editor)
    data = {**factories.answer_data(stale_item), "questionnaire": str(v1.pk)}

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: {"response": client.post(url, data, HTTP_HX_REQUEST="true")},
    )
    assert race.waited, "the save did not wait for the move's lock"
    outcome = race.then
    response = outcome["response"]
    assert response.status_code == 422
    assert "问卷版本2" in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).questionnaire == v2
    assert not Answer.objects.filter(assessment=assessment, question__questionnaire=v1).exists()


def _upload_url(assessment, code: str) -> str:
    return f"/assessments/{assessment.public_id}/answers/{code}/evidence/"


def _upload_data(questionnaire=None) -> dict:
    data = {"file": SimpleUploadedFile("季度评估.txt", "评估纪要\n".encode()), "note": "第二季度"}
    if questionnaire is not None:
        data["questionnaire"] = str(questionnaire.pk)
    return data


def _stored_files() -> list[str]:
    root = settings.MEDIA_ROOT / "evidence"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("sent", ["shown", "current", "none"])
def test_an_upload_from_a_page_of_the_version_before_the_move(
    draft, versions, editor, client_for, sent
):
    """The evidence form sends the page's version too (it sits in #questions): a file chosen
    under WORD's old wording is refused, in the panel, and nothing is stored."""
    moved = upgrade_assessment(assessment=draft, user=editor)
    files, stored = _files(moved), _stored_files()
    shown = {"shown": versions[0], "current": versions[1], "none": None}[sent]
    response = client_for(editor).post(
        _upload_url(moved, "WORD"), _upload_data(shown), HTTP_HX_REQUEST="true"
    )
    if sent == "shown":
        assert response.status_code == 422
        assert "问卷版本2" in response.content.decode()
        assert (_files(moved), _stored_files()) == (files, stored)
        assert undoable(Assessment.objects.get(pk=moved.pk), QuestionnaireUpgrade.objects.get())
    else:  # a page of version 2, or a client that does not say (version 2's question)
        assert response.status_code == 200, response.content.decode()
        added = set(_files(moved).values()) - set(files.values())
        assert [(code, name) for code, name, _sha in added] == [("WORD", "季度评估.txt")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_an_upload_during_the_move_waits_for_it_and_is_then_refused(transactional_db):
    """Read before the move committed, the upload's question is version 1's: the service
    refuses it under the lock, and the page says the version changed in the panel (not a
    "forbidden" page), with nothing stored."""
    from tests.conftest import _client_for

    v1, v2, editor, assessment = _draft_for_a_race()
    client = _client_for(editor)
    url = _upload_url(assessment, "WORD")
    client.get(f"/assessments/{assessment.public_id}/")  # the page, shown for version 1

    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        lambda: {"response": client.post(url, _upload_data(v1), HTTP_HX_REQUEST="true")},
    )
    assert race.waited, "the upload did not wait for the move's lock"
    response = race.then["response"]
    assert response.status_code == 422, response.status_code
    assert "问卷版本2" in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).questionnaire == v2
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert _stored_files() == []


def test_real_version_1_draft_moves_to_version_2(service, editor):
    v1 = Questionnaire.objects.get(code=services.DEFAULT_QUESTIONNAIRE, version=1)
    v2 = services.latest_questionnaire()
    assert v2.version >= 2
    assessment = Assessment.objects.create(service=service, questionnaire=v1, created_by=editor)
    diff = compare(get_catalogue(v1), get_catalogue(v2))
    kept, changed = diff.unchanged[0], (diff.changed or diff.added)[0].code
    factories.answer(assessment, kept, editor)
    if changed in get_catalogue(v1).by_code:
        factories.answer(assessment, changed, editor)
    moved = upgrade_assessment(assessment=assessment, user=editor)
    assert moved.questionnaire == v2
    assert set(_answers(moved)) == {kept}
    state = services.load_state(moved)
    assert state.answers[kept].value == _answers(moved)[kept][0]
    upgrade = QuestionnaireUpgrade.objects.get(assessment=moved)
    assert set(upgrade.marked) == set(diff.marked)
    assert verify_chain() is None
    # Stored figures are those of the new version (lists filter by the stored filing routes).
    from filing import summary

    stored = Assessment.objects.get(pk=moved.pk)
    assert (stored.filing_routes, stored.blocking_count) == summary.compute(stored)
    back = undo_upgrade(assessment=moved, user=editor)
    stored = Assessment.objects.get(pk=back.pk)
    assert (stored.filing_routes, stored.blocking_count) == summary.compute(stored)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_diff_rebuilds_both_texts_whatever_they_hold(lang):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from library.changes import text_diff

    words = st.text(alphabet="是否每年季度评估的 AI-4.1%,.\n\x00abc", max_size=60)

    @settings(max_examples=200, deadline=None)
    @given(words, words)
    def check(old, new):
        segments = text_diff(old, new, lang)
        assert "".join(s.text for s in segments if s.op != "ins") == old
        assert "".join(s.text for s in segments if s.op != "del") == new

    check()


def test_starting_an_assessment_returns_the_open_one_on_an_earlier_version(service, editor):
    """No second open draft beside one on version 1: starting leads to it, where the move to
    the newer version is offered (and keeps its answers)."""
    v1 = Questionnaire.objects.get(code=services.DEFAULT_QUESTIONNAIRE, version=1)
    old = Assessment.objects.create(service=service, questionnaire=v1, created_by=editor)
    found, created = services.assessment_start(service=service, user=editor)
    assert (found.pk, created) == (old.pk, False)
    # A decided one on version 1 is no open work: a new draft starts on the newest version.
    other = factories.make_service(service.provider, name="另一服务")
    Assessment.objects.create(
        service=other,
        questionnaire=v1,
        created_by=editor,
        status=Status.APPROVED,
        snapshot={"answers": {}},
        snapshot_sha256="0" * 64,
    )
    fresh, created = services.assessment_start(service=other, user=editor)
    assert created and fresh.questionnaire == services.latest_questionnaire()
