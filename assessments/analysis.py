"""Running the evidence analysers on uploaded artefacts and feeding their verdict to scoring."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

import analysers
from assessments.models import Analysis, AnalysisStatus, Evidence
from library.catalogue import QuestionItem, get_catalogue
from library.layouts import get_layout


def thresholds_for(question: QuestionItem) -> dict:
    """The question's thresholds as the analysers read them, advisory flags included."""
    return {
        t["key"]: {"value": t["value"], "advisory": bool(t.get("advisory"))}
        for t in question.thresholds
    }


# The layout role of the question whether the service is restricted to a domain.
DOMAIN = "scope.domain"


def _restricted_domain(assessment) -> bool:
    from assessments.models import Answer

    domain = get_layout(assessment.questionnaire).code(DOMAIN)
    answer = (
        Answer.objects.filter(assessment=assessment, question__code=domain)
        .values_list("value", flat=True)
        .first()
    )
    return answer == "restricted"


def thresholds_in_context(question: QuestionItem, assessment) -> dict:
    """`thresholds_for`, adjusted to what the assessment says about the service.

    TC260-003 §8.3 b) 3): a model for a restricted domain may leave aspects it does not touch
    out of the should-not-refuse bank (they then belong in the should-refuse bank), so full
    coverage of the 13 aspects only advises there.
    """
    thresholds = thresholds_for(question)
    if question.analyser == "test_bank_non_refuse" and _restricted_domain(assessment):
        thresholds["aspects_covered_min"] = {"value": 13, "advisory": True}
    return thresholds


# The answers `thresholds_in_context` reads (by layout role), and the analysers whose
# thresholds they change: when such an answer changes, evidence those analysers already judged
# is judged again.
CONTEXT_ANSWERS = {DOMAIN: ("test_bank_non_refuse",)}


def reanalyse_after_answer_change(assessment, code: str) -> int:
    """Send the analyses the changed answer `code` bears on to the worker again; their count."""
    layout = get_layout(assessment.questionnaire)
    kinds = next((k for role, k in CONTEXT_ANSWERS.items() if layout.code(role) == code), None)
    if not kinds:
        return 0
    return reanalyse(
        Analysis.objects.filter(evidence__assessment=assessment, kind__in=kinds).values_list(
            "pk", flat=True
        )
    )


def reanalyse(analysis_ids) -> int:
    """Send analyses to the worker again (their inputs or thresholds changed); their count."""
    from assessments.tasks import analyse_evidence
    from outbox.services import dispatch

    ids = list(analysis_ids)
    # A fresh request time, so the sweeper does not take it for one whose worker died.
    Analysis.objects.filter(pk__in=ids).update(
        status=AnalysisStatus.PENDING,
        passed=None,
        result=None,
        error_zh="",
        error_en="",
        finished_at=None,
        created_at=timezone.now(),
    )
    for pk in ids:
        dispatch(analyse_evidence, pk)
    return len(ids)


def request_analysis(evidence: Evidence, question: QuestionItem) -> Analysis | None:
    """Queue the analyser of the question, if it has one, after the upload commits."""
    if not question.analyser:
        return None
    analysis = Analysis.objects.create(evidence=evidence, kind=question.analyser)
    from assessments.tasks import analyse_evidence
    from outbox.services import dispatch

    dispatch(analyse_evidence, analysis.pk)
    return analysis


def run_analysis(analysis_id: int) -> None:
    """Run a pending analysis. Analysers are deterministic, so a task delivered twice (late
    acknowledgement after a worker died) at worst writes the same result again."""
    analysis = (
        Analysis.objects.select_related(
            "evidence__assessment__questionnaire", "evidence__assessment__service__provider"
        )
        .filter(pk=analysis_id, status=AnalysisStatus.PENDING)
        .first()
    )
    if analysis is None:
        return
    evidence = analysis.evidence
    assessment = evidence.assessment
    question = get_catalogue(assessment.questionnaire).by_pk[evidence.question_id]
    try:
        with evidence.file.open("rb") as handle:
            result = analysers.analyse(
                analysis.kind,
                handle,
                filename=evidence.name,
                thresholds=thresholds_in_context(question, assessment),
                max_bytes=settings.ANALYSER_MAX_BYTES,
                expected_uscc=assessment.service.provider.credit_code,
            )
    except analysers.AnalyserError as exc:
        analysis.status = AnalysisStatus.FAILED
        analysis.passed = False
        analysis.error_zh, analysis.error_en = exc.zh, exc.en
    else:
        analysis.status = AnalysisStatus.DONE
        analysis.passed = result.passed
        analysis.result = result.to_dict()
    analysis.finished_at = timezone.now()
    analysis.save()
    # The verdict of the artefact feeds the question's score.
    from assessments.services import refresh_locked

    refresh_locked(assessment.pk, only_editable=True)
