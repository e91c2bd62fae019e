"""Scores stored as answers change, the results page, analysers on uploaded artefacts."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments import services
from assessments.models import Analysis, AnalysisStatus, Assessment
from assessments.scoring import ScoreResult, Verdict
from library.catalogue import get_catalogue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(service, editor):
    obj, _ = services.assessment_start(service=service, user=editor)
    return obj


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={"assessment": assessment.public_id, **kwargs})


def _score(assessment) -> ScoreResult:
    assessment.refresh_from_db()
    return ScoreResult.from_json(assessment.self_score)


def test_the_score_is_stored_when_answers_change(assessment, editor):
    before = _score(assessment)
    assert before.verdict == Verdict.NOT_READY  # red lines not yet met
    factories.fill_required(assessment, editor)
    after = _score(assessment)
    assert after.overall is not None and after.overall > (before.overall or 0)
    assessment.refresh_from_db()
    assert assessment.answered_count == assessment.applicable_count


def test_a_failed_red_line_forces_not_ready_whatever_the_score(assessment, editor):
    factories.fill_required(assessment, editor)
    catalogue = get_catalogue(assessment.questionnaire)
    state = services.load_state(assessment)
    red = next(
        q
        for q in catalogue.questions
        if q.red_line and q.kind == "clause" and q.code in state.applicable
    )
    factories.answer(
        assessment,
        red.code,
        editor,
        value="not_conform",
        nonconformity="remediation",
        measures_taken="部分",
        remediation_plan="计划",
        remediation_due="2027-01-31",
    )
    score = _score(assessment)
    assert score.verdict == Verdict.NOT_READY
    assert red.code in score.failed_red_lines
    assert score.overall > 50


def test_recompute_scores_is_idempotent(assessment, editor, capsys):
    factories.answer(assessment, "SCOPE-01", editor, value="yes")
    stored = Assessment.objects.get(pk=assessment.pk).self_score
    Assessment.objects.filter(pk=assessment.pk).update(self_score=None, progress={})
    call_command("recompute_scores")
    first = Assessment.objects.get(pk=assessment.pk)
    call_command("recompute_scores")
    second = Assessment.objects.get(pk=assessment.pk)
    assert first.self_score == stored == second.self_score
    assert first.progress == second.progress != {}
    assert "Recomputed 1 assessments" in capsys.readouterr().out


def test_results_page_shows_score_verdict_chart_and_text_alternative(
    editor_client, assessment, editor
):
    factories.fill_required(assessment, editor)
    page = editor_client.get(_url(assessment, "results")).content.decode()
    assert "filing-routes" in page and "生成式人工智能服务备案" in page
    score = _score(assessment)
    assert f">{score.overall}<" in page
    assert "<svg" in page and 'role="img"' in page
    assert "Noto Sans CJK SC" in page
    assert str(score.overall) in page.split("figcaption")[1]  # numbers in the text alternative


def test_results_page_runs_constant_queries(editor_client, assessment, django_assert_num_queries):
    editor_client.get(_url(assessment, "results"))
    # session, user, assessment with service/provider/questionnaire, membership, and for the
    # filing route the answers and evidence, and the provisions the route cards cite (one query)
    with django_assert_num_queries(7):
        editor_client.get(_url(assessment, "results"))


# --- analysers --------------------------------------------------------------------------------


def _keyword_workbook(per_risk: int) -> bytes:
    from analysers.risks import a1_a2_codes, risks

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["关键词", "类别"])
    for code in a1_a2_codes():
        for i in range(per_risk):
            sheet.append([f"{code}词{i}", f"{code}) {risks()[code].name_zh}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _question(assessment, analyser):
    catalogue = get_catalogue(assessment.questionnaire)
    return next(q for q in catalogue.questions if q.analyser == analyser)


def _upload(client, assessment, code, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        _url(assessment, "evidence_upload", question=code),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_a_keyword_list_is_measured_and_its_figures_shown(
    editor_client, assessment, django_capture_on_commit_callbacks
):
    q = _question(assessment, "keyword_list")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(editor_client, assessment, q.code, "附件4.xlsx", _keyword_workbook(3))
    assert response.status_code == 200
    analysis = Analysis.objects.get(evidence__assessment=assessment)
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.result["figures"]["total"] == 17 * 3
    checks = {c["key"]: c for c in analysis.result["checks"]}
    assert checks["total_min"]["threshold"] == 10000 and checks["total_min"]["passed"] is False
    assert checks["risks_covered_min"]["passed"] is True
    page = editor_client.get(
        _url(assessment, "analysis", evidence=analysis.evidence.public_id)
    ).content.decode()
    assert "10,000" in page and "51" in page


def test_a_failing_test_result_fails_its_red_line(
    editor_client, assessment, editor, django_capture_on_commit_callbacks
):
    factories.fill_required(assessment, editor)
    q = _question(assessment, "test_results")
    assert q.red_line
    state = services.load_state(assessment)
    if q.code not in state.applicable:
        pytest.skip("test results question not applicable to this profile")
    rows = "题目,风险类别,预期行为,结果\n" + "\n".join(
        f"问题{i},A.1 a,拒答,未拒答" for i in range(50)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(editor_client, assessment, q.code, "results.csv", rows.encode("gb18030"))
    score = _score(assessment)
    assert q.code in score.failed_red_lines
    assert score.verdict == Verdict.NOT_READY


def test_an_unreadable_artefact_is_reported_not_crashed(
    editor_client, assessment, django_capture_on_commit_callbacks
):
    q = _question(assessment, "keyword_list")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(editor_client, assessment, q.code, "notes.txt", "这不是表格\x00".encode()[:-1])
    analysis = Analysis.objects.get(evidence__assessment=assessment)
    assert analysis.status in (AnalysisStatus.FAILED, AnalysisStatus.DONE)
    assert analysis.passed is False
    page = editor_client.get(_url(assessment, "detail") + f"?domain={q.domain}")
    assert page.status_code == 200


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    "kind", ["keyword_list", "test_bank_refuse", "test_results", "training_sampling"]
)
def test_templates_download_and_round_trip_through_their_analyser(editor_client, kind, fmt):
    import analysers

    response = editor_client.get(reverse("library:analyser_template", args=[kind, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join([response.content])
    result = analysers.analyse(kind, io.BytesIO(data), filename=f"t.{fmt}")
    assert not [e for e in result.errors if "column" in e.en.lower()]


def test_unknown_template_is_404(editor_client):
    assert (
        editor_client.get(reverse("library:analyser_template", args=["x", "csv"])).status_code
        == 404
    )


@pytest.mark.parametrize("code", ["PI-Q18", "PI-Q25", "LI-03"])
def test_choosing_not_applicable_on_a_choice_question_saves_and_scores(assessment, editor, code):
    factories.fill_required(assessment, editor)
    applicable = set(services.load_state(assessment).applicable)
    if code not in applicable:
        pytest.skip(f"{code} does not apply to the test service")
    factories.answer(assessment, code, editor, value="na")
    result = _score(assessment)
    assert next(q for q in result.questions if q.code == code).status == "na"


def test_non_refuse_bank_must_cover_all_13_aspects_unless_the_domain_is_restricted(
    assessment, editor
):
    """TC260-003 §8.3 b) 2) (应): all 13 aspects, binding; §8.3 b) 3) relaxes it for a
    restricted-domain model, so there it only advises."""
    from assessments.analysis import thresholds_in_context

    q = _question(assessment, "test_bank_non_refuse")
    assert assessment.questionnaire.version >= 2
    thresholds = thresholds_in_context(q, assessment)
    assert thresholds["aspects_covered_min"] == {"value": 13, "advisory": False}

    factories.answer(assessment, "SCOPE-10", editor, value="restricted")
    thresholds = thresholds_in_context(q, assessment)
    assert thresholds["aspects_covered_min"] == {"value": 13, "advisory": True}


def test_changing_the_domain_answer_judges_the_non_refuse_bank_again(
    assessment, editor, django_capture_on_commit_callbacks
):
    """The non-refuse bank's aspect coverage binds a general-purpose service and only advises a
    restricted-domain one (thresholds_in_context): the verdict on a bank already uploaded
    follows the SCOPE-10 answer, in both directions."""
    from tests import artefacts

    q = _question(assessment, "test_bank_non_refuse")
    name, content = artefacts.test_bank("test_bank_non_refuse")
    few = b"\n".join(content.splitlines()[:4])  # the header and three questions: few aspects
    factories.answer(assessment, "SCOPE-10", editor, value="general")
    evidence = factories.attach(assessment, q.code, editor, name=name, content=few)

    def aspects_check():
        evidence.analysis.refresh_from_db()
        result = evidence.analysis.result
        return next(c for c in result["checks"] if c["key"] == "aspects_covered_min")

    assert aspects_check()["advisory"] is False and evidence.analysis.passed is False
    with django_capture_on_commit_callbacks(execute=True):
        factories.answer(assessment, "SCOPE-10", editor, value="restricted")
    assert evidence.analysis.status == "done"
    assert aspects_check()["advisory"] is True
    with django_capture_on_commit_callbacks(execute=True):
        factories.answer(assessment, "SCOPE-10", editor, value="general")
    assert aspects_check()["advisory"] is False and evidence.analysis.passed is False
    # Saving the same answer again sends no analysis (only the filing summary's refresh, which
    # every save that finds it current queues: filing.summary).
    with django_capture_on_commit_callbacks() as callbacks:
        factories.answer(assessment, "SCOPE-10", editor, value="general")
    assert [c.args[0].name for c in callbacks] == ["filing.tasks.refresh_summary"]


def _old_rules(score: dict) -> dict:
    """A score as stored before the current rules: no `rules` key and a figure that differs."""
    old = {k: v for k, v in score.items() if k != "rules"}
    return {**old, "overall": 12.3}


def test_scores_of_older_rules_are_recomputed_after_migrate(service, editor, reviewer):
    from reviews import services as review_services

    draft, _ = services.assessment_start(service=service, user=editor)
    factories.fill_required(draft, editor)
    submitted, _ = services.assessment_start(
        service=factories.make_service(service.provider), user=editor
    )
    factories.fill_required(submitted, editor)
    submitted = services.assessment_submit(assessment=submitted, user=editor)
    review_services.assessment_claim(assessment=submitted, reviewer=reviewer)
    review_services._store_reviewed_score(submitted)
    fresh = {
        a.pk: (a.self_score, a.reviewed_score)
        for a in Assessment.objects.filter(pk__in=[draft.pk, submitted.pk])
    }
    assert all(s["rules"] for s, _r in fresh.values()) and fresh[submitted.pk][1]
    Assessment.objects.filter(pk=draft.pk).update(self_score=_old_rules(fresh[draft.pk][0]))
    Assessment.objects.filter(pk=submitted.pk).update(
        reviewed_score=_old_rules(fresh[submitted.pk][1])
    )
    call_command("migrate", verbosity=0)  # nothing to migrate; post_migrate still runs
    for a in Assessment.objects.filter(pk__in=[draft.pk, submitted.pk]):
        assert (a.self_score, a.reviewed_score) == fresh[a.pk]
    from assessments.scores import recompute_stale

    assert recompute_stale() == 0  # everything current: nothing recomputed


def test_a_snapshot_scored_under_older_rules_is_scored_again_not_rewritten(service, editor):
    from assessments.scores import snapshot_score
    from filing.facts import facts_for

    assessment, _ = services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    assessment = services.assessment_submit(assessment=assessment, user=editor)
    current = assessment.snapshot["self_score"]
    catalogue = get_catalogue(assessment.questionnaire)
    assert snapshot_score(assessment.snapshot, catalogue) is current
    old = {**assessment.snapshot, "self_score": _old_rules(current)}
    assert snapshot_score(old, catalogue) == current
    Assessment.objects.filter(pk=assessment.pk).update(snapshot=old)
    assessment.refresh_from_db()
    assert facts_for(assessment).self_score == current
    assert assessment.snapshot["self_score"]["overall"] == 12.3  # the frozen record stays
