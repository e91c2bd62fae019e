"""Writers that recompute an assessment's stored figures outside an autosave (the service's
profile changing, the recompute of scores; an analysis finishing goes the same way) take the
row lock before they read the answers. Without it, one that read the answers while an autosave
was committing wrote figures computed without that answer over the save's correct ones."""

from __future__ import annotations

import pytest
from django.db import connection

from assessments import services
from assessments.scores import rescore, score_self
from library.loading import load_library
from library.models import Questionnaire
from tests import factories
from tests.concurrency import while_held

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between two connections"
)


def _profile_saved(assessment):
    service = type(assessment.service).objects.get(pk=assessment.service_id)
    service.save()


def _rescored(assessment):
    rescore(assessment.pk)


@pytest.mark.parametrize("writer", [_profile_saved, _rescored], ids=["profile", "rescore"])
def test_a_recompute_during_an_autosave_keeps_the_saved_answer_in_the_figures(
    transactional_db, service, editor, writer
):
    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    assessment, _ = services.assessment_start(service=service, user=editor)
    state = services.load_state(assessment)
    code = next(
        q.code
        for q in state.catalogue.questions
        if q.code in state.applicable and q.required and q.kind == "text"
    )
    outcome = {}

    def recompute():
        writer(assessment)
        outcome["done"] = True

    # The save holds the row lock until it commits; the recompute comes meanwhile.
    while_held(lambda: factories.answer(assessment, code, editor), recompute)
    assert outcome.get("done")

    assessment.refresh_from_db()
    fresh = services.load_state(assessment)
    progress = services.progress_of(fresh)
    assert assessment.answered_count == sum(done for done, _ in progress.values())
    assert assessment.answered_count == 1
    assert assessment.progress == progress
    assert assessment.self_score == score_self(fresh).to_json()
