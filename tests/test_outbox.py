"""The sweeper re-queues work a dead worker left behind (tests/test_broker_down.py shows work
kept and sent again while a real Redis is stopped and started)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Analysis, AnalysisStatus
from dossiers.models import Dossier, DossierStatus
from dossiers.services import dossier_request
from outbox.models import OutboxMessage
from outbox.services import sweep_lost_work
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_sweeper_requeues_what_a_dead_worker_left(service, editor, settings):
    from assessments.services import assessment_start, get_catalogue, load_state

    assessment, _ = assessment_start(service=service, user=editor)
    dossier, _ = dossier_request(assessment=assessment, user=editor, edition="zh")
    OutboxMessage.objects.all().delete()  # it reached the broker; then the worker died
    long_ago = timezone.now() - timedelta(seconds=settings.DOSSIER_TASK_TIME_LIMIT + 300)
    Dossier.objects.filter(pk=dossier.pk).update(
        status=DossierStatus.RENDERING, updated_at=long_ago
    )
    applicable = load_state(assessment).applicable
    question = next(
        q
        for q in get_catalogue(assessment.questionnaire).questions
        if q.analyser and q.code in applicable
    )
    evidence = factories.attach(assessment, question.code, editor, analyse=False)
    Analysis.objects.filter(evidence=evidence).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    OutboxMessage.objects.all().delete()
    counts = sweep_lost_work()
    assert counts["dossiers"] == 1 and counts["analyses"] == 1
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.QUEUED  # and a new message under a new task id
    tasks = sorted(OutboxMessage.objects.values_list("task", flat=True))
    assert tasks == ["assessments.tasks.analyse_evidence", "dossiers.tasks.build_dossier"]
    assert Analysis.objects.get(evidence=evidence).status == AnalysisStatus.PENDING
    # The next sweep leaves them alone: the dossier is fresh, the analysis was just sent.
    assert sweep_lost_work()["dossiers"] == sweep_lost_work()["analyses"] == 0
