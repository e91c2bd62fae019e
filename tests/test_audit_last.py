"""record() comes last in a transaction: from it to the commit the transaction holds the audit
chain's lock, and every audited write of the portal waits for it. These writes used to record
first and then recompute the assessment's state (scores, filing checks), request analyses or
store files under it. Each test notes, for the slow steps of one write, whether the lock was
held when they ran (tests.concurrency.SlowSteps; the steps run unchanged), on a real
PostgreSQL, each write committed as in production."""

from __future__ import annotations

import pytest
from django.db import connection

from assessments import services, storage
from assessments.models import Evidence
from audit.models import Action, AuditEvent
from audit.services import verify_chain
from library.loading import load_library
from library.models import Questionnaire
from tests import factories
from tests.concurrency import SlowSteps

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the chain's advisory lock needs PostgreSQL"
)


def _assessment(service, editor):
    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    assessment, _ = services.assessment_start(service=service, user=editor)
    return assessment


def _with_analyser(assessment):
    catalogue = services.get_catalogue(assessment.questionnaire)
    return next(q for q in catalogue.questions if q.analyser and q.code in _applicable(assessment))


def _applicable(assessment):
    return services.load_state(assessment).applicable


def test_an_upload_stores_analyses_and_recomputes_before_its_event(
    transactional_db, service, editor, monkeypatch
):
    assessment = _assessment(service, editor)
    question = _with_analyser(assessment)
    steps = SlowSteps(
        monkeypatch,
        {
            "hash": (services, "_checked_file"),
            "store": (storage, "store"),
            "analysis": (services, "request_analysis"),
            "state": (services, "refresh_assessment"),
        },
    )
    evidence = factories.attach(assessment, question.code, editor, analyse=False)
    assert [name for name, _ in steps.calls][:4] == ["hash", "store", "analysis", "state"]
    assert steps.under_lock == [], f"ran while the chain's lock was held: {steps.under_lock}"
    event = AuditEvent.objects.get(action=Action.EVIDENCE_UPLOADED)
    assert event.object_id == str(evidence.public_id)
    assert event.assessment_id == assessment.pk


def test_a_removal_recomputes_before_its_event(transactional_db, service, editor, monkeypatch):
    assessment = _assessment(service, editor)
    evidence = factories.attach(assessment, _with_analyser(assessment).code, editor)
    steps = SlowSteps(monkeypatch, {"state": (services, "refresh_assessment")})
    services.evidence_delete(evidence=evidence, user=editor)
    assert [name for name, _ in steps.calls] == ["state"]
    assert steps.under_lock == []
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    event = AuditEvent.objects.get(action=Action.EVIDENCE_DELETED)
    assert (event.object_id, event.assessment_id, event.summary) == (
        str(evidence.public_id),
        assessment.pk,
        evidence.name,
    )
    assert event.provider_id == service.provider_id
    assert verify_chain() is None


def test_a_verdict_scores_before_its_events(
    transactional_db, service, editor, reviewer, monkeypatch
):
    from reviews import services as reviews

    assessment = _assessment(service, editor)
    factories.fill_required(assessment, editor)
    assessment = services.assessment_submit(assessment=assessment, user=editor)
    assessment = reviews.assessment_claim(assessment=assessment, reviewer=reviewer)
    steps = SlowSteps(monkeypatch, {"score": (reviews, "_store_reviewed_score")})
    domain = services.get_catalogue(assessment.questionnaire).domains[0].code
    assert reviews.domain_accept(assessment=assessment, domain=domain, reviewer=reviewer)
    question = reviews.unreviewed_questions(assessment)[0]
    reviews.verdict_set(
        assessment=assessment, question=question, verdict="accepted", comment="", reviewer=reviewer
    )
    assert [name for name, _ in steps.calls] == ["score", "score"]
    assert steps.under_lock == []
    assert AuditEvent.objects.filter(action=Action.REVIEW_VERDICT).count() >= 2
    assert verify_chain() is None


def test_a_submission_and_a_revision_record_their_move_after_the_slow_work(
    transactional_db, service, editor, reviewer, monkeypatch
):
    """A submission computes the filing checks on its snapshot, a revision copies every answer,
    file and analysis into the new draft and scores it: both after the status's move, which
    used to record its event at once."""
    from filing import summary
    from reviews import services as reviews

    assessment = _assessment(service, editor)
    factories.fill_required(assessment, editor)
    steps = SlowSteps(
        monkeypatch,
        {"checks": (summary, "store"), "state": (services, "refresh_assessment")},
    )
    assessment = services.assessment_submit(assessment=assessment, user=editor)
    assert [name for name, _ in steps.calls] == ["state", "checks"]
    assert steps.under_lock == [], f"ran while the chain's lock was held: {steps.under_lock}"
    assessment = reviews.assessment_claim(assessment=assessment, reviewer=reviewer)
    reviews.request_changes(assessment=assessment, reviewer=reviewer, summary="Fix it.")
    steps.calls.clear()
    draft = services.assessment_revise(assessment=assessment, user=editor)
    assert [name for name, _ in steps.calls] == ["state"]
    assert steps.under_lock == [], f"ran while the chain's lock was held: {steps.under_lock}"
    moves = AuditEvent.objects.filter(action=Action.ASSESSMENT_STATUS_CHANGED).order_by("id")
    assert [(e.assessment_id, e.after["status"]) for e in moves] == [
        (assessment.pk, "submitted"),
        (assessment.pk, "in_review"),
        (assessment.pk, "changes_requested"),
        (assessment.pk, "superseded"),
    ]
    assert draft.answers.count() == assessment.answers.count()

    # A resubmission compares both snapshots to carry the verdicts over, then gives it back to
    # the reviewer: the comparison before the submission's event, the return's events after it.
    compare = SlowSteps(monkeypatch, {"compare": (reviews, "changed_questions")})
    services.assessment_submit(assessment=draft, user=editor)
    assert [name for name, _ in compare.calls] == ["compare"]
    assert compare.under_lock == [], "the snapshots were compared under the chain's lock"
    events = AuditEvent.objects.filter(assessment_id=draft.pk).order_by("id")
    assert [(e.action, (e.after or {}).get("status")) for e in events][-3:] == [
        (Action.ASSESSMENT_STATUS_CHANGED, "submitted"),
        (Action.ASSESSMENT_STATUS_CHANGED, "in_review"),
        (Action.ASSESSMENT_ASSIGNED, None),
    ]
    assert verify_chain() is None
