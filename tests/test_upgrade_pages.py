"""The upgrade preview, the marks and undo on the assessment page, the history of answers kept
from version 1, the "what changed" pages and the dates in force in the library browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments import services
from assessments.models import Assessment, QuestionnaireUpgrade
from library.catalogue import get_catalogue
from library.changes import compare, instrument_changes
from library.models import Instrument, Provision, Question, Questionnaire
from tests import factories
from tests.test_upgrade import V1, V2, make_version

CODE = services.DEFAULT_QUESTIONNAIRE


@pytest.fixture
def v1_draft(service, editor):
    """A draft on the real version 1 with one answer that carries over, one to a question
    version 2 changed, and a file on each."""
    v1 = Questionnaire.objects.get(code=CODE, version=1)
    assessment = Assessment.objects.create(service=service, questionnaire=v1, created_by=editor)
    diff = compare(get_catalogue(v1), get_catalogue(services.latest_questionnaire()))
    kept, changed = "SCOPE-01", diff.changed[0].code
    assert kept in diff.unchanged
    factories.answer(assessment, kept, editor)
    factories.answer(assessment, changed, editor)
    factories.attach(assessment, kept, editor, name="范围说明.pdf", content=factories.PDF_BYTES)
    return assessment, kept, changed


def _url(name, assessment, **kwargs):
    return reverse(f"assessments:{name}", kwargs={"assessment": assessment.public_id, **kwargs})


def test_preview_move_marks_and_undo(editor_client, v1_draft, django_assert_max_num_queries):
    assessment, kept, changed = v1_draft
    detail = editor_client.get(_url("detail", assessment)).content.decode()
    assert "，版本 1" in detail and _url("upgrade", assessment) in detail

    editor_client.get(_url("upgrade", assessment))  # catalogues cached after this
    with django_assert_max_num_queries(12):
        page = editor_client.get(_url("upgrade", assessment))
    html = page.content.decode()
    assert page.status_code == 200
    assert "从问卷版本1升级到版本2" in html and "confirm-upgrade" in html
    assert "<del>" in html or "<ins>" in html  # the changed question's wording or threshold
    assert changed in html and "仅保留在历史记录中" in html
    assert Assessment.objects.get(pk=assessment.pk).questionnaire.version == 1  # nothing yet

    response = editor_client.post(_url("upgrade", assessment))
    assert response.status_code == 302
    moved = Assessment.objects.get(pk=assessment.pk)
    assert moved.questionnaire.version == 2
    domain = get_catalogue(moved.questionnaire).by_code[changed].domain
    html = editor_client.get(_url("detail", moved) + f"?domain={domain}").content.decode()
    assert "在版本2中新增/变更" in html and "撤销：回到版本1" in html
    assert "，版本 2" in html
    history = editor_client.get(_url("history", moved)).content.decode()
    assert "旧版本问卷中保留的回答" in history and changed in history
    assert "评估已升级到新版问卷" in history  # the audit event, by its label

    response = editor_client.post(_url("upgrade_undo", moved))
    assert response.status_code == 302
    back = Assessment.objects.get(pk=assessment.pk)
    assert back.questionnaire.version == 1
    codes = {
        get_catalogue(back.questionnaire).by_pk[a.question_id].code for a in back.answers.all()
    }
    assert {kept, changed} <= codes


def test_viewers_and_frozen_assessments_cannot_move(viewer_client, editor_client, v1_draft, editor):
    assessment, _kept, _changed = v1_draft
    assert viewer_client.post(_url("upgrade", assessment)).status_code == 403
    Assessment.objects.filter(pk=assessment.pk).update(snapshot_sha256="a" * 64)
    from assessments.transitions import change_status

    change_status(Assessment.objects.get(pk=assessment.pk), "submitted", actor=editor)
    page = editor_client.get(_url("upgrade", assessment)).content.decode()
    assert "保持原版本" in page and "confirm-upgrade" not in page
    response = editor_client.post(_url("upgrade", assessment), follow=True)
    assert "保持原版本" in response.content.decode()
    assert not QuestionnaireUpgrade.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).questionnaire.version == 1


def test_reviewers_see_the_questionnaire_version(reviewer_client, service, editor, reviewer):
    from reviews.services import assessment_claim

    assessment, _ = services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    assessment = services.assessment_submit(assessment=assessment, user=editor)
    assessment_claim(assessment=assessment, reviewer=reviewer)
    version = assessment.questionnaire.version
    queue = reviewer_client.get(reverse("reviews:index")).content.decode()
    page = reviewer_client.get(
        reverse("reviews:detail", kwargs={"assessment": assessment.public_id})
    ).content.decode()
    assert f"问卷版本 {version}" in queue and f"问卷版本 {version}" in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_what_changed_page_in_both_languages(
    client_for, editor, language, django_assert_max_num_queries
):
    client = client_for(editor)
    client.cookies["django_language"] = language
    url = reverse("library:questionnaire_changes", kwargs={"code": CODE, "old": 1, "new": 2})
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    diff = compare(
        *(get_catalogue(Questionnaire.objects.get(code=CODE, version=v)) for v in (1, 2))
    )
    for change in diff.added + diff.changed + diff.removed:
        assert f'id="change-{change.code}"' in html
    # Both languages of a changed wording are compared, whatever the page's language.
    if any(c.wording_changed for c in diff.changed):
        assert 'lang="en"' in html and "中文" in html
    title = (
        "What changed from version 1 to version 2" if language == "en" else "从版本1到版本2的变化"
    )
    assert title in html
    assert reverse("library:questionnaire_changes", kwargs={"code": CODE, "old": 2, "new": 1}) and (
        client.get(
            reverse("library:questionnaire_changes", kwargs={"code": CODE, "old": 2, "new": 1})
        ).status_code
        == 404
    )


def test_instrument_changes_new_and_amended_provisions(versions_with_new_provision):
    old, new = versions_with_new_provision
    diff = compare(get_catalogue(old), get_catalogue(new))
    rows = {
        r.provision.key: r for r in instrument_changes(Instrument.objects.get(code="UPGT"), diff)
    }
    assert rows["UPGT-2"].added and [c.code for c in rows["UPGT-2"].questions] == ["NEW"]
    assert not rows["UPGT-1"].added
    assert [c.code for c in rows["UPGT-1"].questions] == ["WORD", "OPTS", "THR", "NEW"]
    assert rows["UPGT-2"].in_force_from == timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def versions_with_new_provision(db):
    old, new = make_version(1, V1, code="changes-test"), make_version(2, V2, code="changes-test")
    instrument = Instrument.objects.get(code="UPGT")
    instrument.effective = timezone.localdate() + dt.timedelta(days=30)
    instrument.status = "not_yet_in_force"
    instrument.save()
    added = Provision.objects.create(
        instrument=instrument,
        key="UPGT-2",
        ref_zh="第二条",
        ref_en="Art. 2",
        summary_zh="新义务",
        summary_en="A new duty",
        confidence="S",
    )
    Question.objects.get(questionnaire=new, code="NEW").provisions.add(added)
    return old, new


def test_library_browser_shows_dates_not_yet_in_force(
    client_for, editor, versions_with_new_provision
):
    client = client_for(editor)
    date = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    for language, text in (("zh-hans", f"{date}起施行"), ("en", f"in force from {date}")):
        client.cookies["django_language"] = language
        for url in (
            reverse("library:index"),
            reverse("library:instrument", kwargs={"code": "UPGT"}),
            reverse("library:provision", kwargs={"key": "UPGT-2"}),
            reverse("library:instrument_changes", kwargs={"code": "UPGT"})
            + "?questionnaire=changes-test",
        ):
            assert text in client.get(url).content.decode(), (language, url)
    # An instrument in force since long ago shows no such date.
    with translation.override("zh-hans"):
        gai = client.get(reverse("library:instrument", kwargs={"code": "GAI"})).content.decode()
    assert "起施行" not in gai


def test_instrument_changes_page_runs_constant_queries(
    client_for, editor, versions_with_new_provision, django_assert_max_num_queries
):
    client = client_for(editor)
    url = (
        reverse("library:instrument_changes", kwargs={"code": "UPGT"})
        + "?questionnaire=changes-test"
    )
    client.get(url)
    # session, user, instrument, versions of the questionnaire, its provisions
    with django_assert_max_num_queries(6):
        html = client.get(url).content.decode()
    assert "UPGT-2" in html and "库中新增" in html
