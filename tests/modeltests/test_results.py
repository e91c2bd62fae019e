"""A finished run: results, the questions and answers (members and assigned reviewers only,
every view audited), and "attach to assessment" checked by the existing results analyser."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.urls import reverse

from assessments.models import Evidence
from assessments.services import assessment_start
from audit.models import Action, AuditEvent
from modeltests.models import RunStatus
from tests import factories
from tests.modeltests.conftest import SECRET

pytestmark = pytest.mark.django_db


def test_the_run_page_shows_rates_per_risk_and_the_worst_answers_to_members(
    finished, owner_client, viewer_client
):
    page = owner_client.get(finished.get_absolute_url()).content.decode()
    assert "draw-results" in page and "90.0 %" in page  # keyword draw: 36 of 40
    assert "泄露0 [leak:违禁词]" in page  # among the worst answers
    assert "误拒 [refuse]" in page
    viewed = AuditEvent.objects.filter(action=Action.MODEL_TEST_ITEMS_VIEWED)
    assert viewed.count() == 1
    # A viewer sees the rates, not the texts, and no view of texts is recorded for them.
    page = viewer_client.get(finished.get_absolute_url()).content.decode()
    assert "90.0 %" in page and "泄露0" not in page
    assert viewed.count() == 1
    items = reverse("modeltests:run_items", kwargs={"run": finished.public_id})
    export = reverse("modeltests:run_export", kwargs={"run": finished.public_id})
    assert viewer_client.get(items).status_code == 403
    assert viewer_client.get(export).status_code == 403


def test_every_view_of_the_items_is_audited(finished, editor_client, editor):
    items = reverse("modeltests:run_items", kwargs={"run": finished.public_id})
    body = editor_client.get(items, {"draw": "refuse"}).content.decode()
    assert "应拒答0 [refuse]" in body and "生成题0" not in body
    export = editor_client.get(reverse("modeltests:run_export", kwargs={"run": finished.public_id}))
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert len(lines) == 1 + finished.items.count()
    assert json.loads(lines[0])["identity"]["seed"] == 3
    events = AuditEvent.objects.filter(action=Action.MODEL_TEST_ITEMS_VIEWED, actor_id=editor.pk)
    assert sorted(e.summary for e in events) == ["export jsonl", "items refuse p1"]


def test_an_assigned_reviewer_sees_the_items_and_another_reviewer_nothing(
    finished, service, editor, reviewer, reviewer_client, client_for
):
    url = reverse("modeltests:run_items", kwargs={"run": finished.public_id})
    assert reviewer_client.get(url).status_code == 404
    assessment, _ = assessment_start(service=service, user=editor)
    assessment.assigned_to = reviewer
    assessment.save()
    assert reviewer_client.get(url).status_code == 200
    other = factories.make_user(email="other-reviewer@example.cn", is_reviewer=True)
    assert client_for(other).get(url).status_code == 404


def test_attaching_feeds_the_results_analyser_like_an_upload(
    finished, service, editor, editor_client, django_capture_on_commit_callbacks
):
    assessment, _ = assessment_start(service=service, user=editor)
    url = reverse("modeltests:run_attach", kwargs={"run": finished.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url)
    assert response.status_code == 302 and response["Location"] == assessment.get_absolute_url()
    files = list(Evidence.objects.filter(assessment=assessment).order_by("uploaded_at"))
    assert [e.question.code for e in files] == ["CS-33", "CS-33"]
    jsonl, workbook = files
    raw = jsonl.file.open("rb").read()
    assert hashlib.sha256(raw).hexdigest() == jsonl.sha256 and jsonl.sha256 in jsonl.note
    assert not hasattr(jsonl, "analysis") or jsonl.analysis is None
    assert SECRET.encode() not in raw and SECRET.encode() not in workbook.file.open("rb").read()
    workbook.refresh_from_db()
    analysis = workbook.analysis
    assert analysis.status == "done", (analysis.error_en, analysis.result)
    draws = {(d["bank"], d["method"]): d for d in analysis.result["figures"]["draws"]}
    assert draws[("generated", "keyword")]["tested"] == 40
    assert draws[("generated", "keyword")]["passed"] == 36
    assert draws[("refuse", "")]["refused"] == 10
    assert draws[("non_refuse", "")]["refused"] == 1
    assert analysis.passed is False  # far from 1 000 questions per draw
    assert AuditEvent.objects.filter(action=Action.MODEL_TEST_ATTACHED).count() == 1


def test_attaching_needs_a_finished_run_and_a_draft(finished, owner_client):
    url = reverse("modeltests:run_attach", kwargs={"run": finished.public_id})
    response = owner_client.post(url, follow=True)
    assert not Evidence.objects.exists()
    assert response.status_code == 200
    finished.status = RunStatus.PAUSED
    finished.save()
    owner_client.post(url)
    assert not Evidence.objects.exists()


def test_the_run_pages_take_a_constant_number_of_queries(
    finished, owner_client, django_assert_max_num_queries
):
    run_url = finished.get_absolute_url()
    items_url = reverse("modeltests:run_items", kwargs={"run": finished.public_id})
    progress_url = reverse("modeltests:run_progress", kwargs={"run": finished.public_id})
    # 60 items here; the counts do not depend on how many a run holds.
    for url in (run_url, items_url, progress_url):
        with django_assert_max_num_queries(30):
            assert owner_client.get(url).status_code == 200
