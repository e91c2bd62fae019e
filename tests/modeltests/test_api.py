"""Model tests through the REST API (/api/v1/): the same rules as the pages, with tokens.

A pipeline registers its endpoint, starts a run on the uploaded banks, follows it to the end,
reads the rates and attaches the run; viewers read rates only; the questions and answers go
to owners, editors and assigned reviewers, every read audited; the key never comes back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.tokens import token_create
from assessments.models import Evidence
from assessments.services import assessment_start
from audit.models import Action, AuditEvent
from modeltests.models import ModelEndpoint, RunStatus, TestRun
from tests import factories
from tests.modeltests import files
from tests.modeltests.conftest import SECRET

pytestmark = pytest.mark.django_db


def _api(user, provider=None, role=None) -> Client:
    _token, secret = token_create(user=user, name="ci", provider=provider, role=role, days=1)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def editor_api(editor, provider):
    return _api(editor, provider, "editor")


@pytest.fixture
def viewer_api(viewer, provider):
    return _api(viewer, provider, "viewer")


def test_a_pipeline_registers_its_endpoint_runs_the_draws_and_attaches_the_run(
    service, editor, editor_api, scripted, provider, django_capture_on_commit_callbacks
):
    assessment, _ = assessment_start(service=service, user=editor)
    factories.attach(
        assessment, "CS-23", editor, name="附件5.csv", content=files.annex5(leaks=3), analyse=False
    )
    factories.attach(
        assessment, "CS-18", editor, name="附件4.csv", content=files.annex4(), analyse=False
    )
    endpoints = reverse("api:model_endpoints", kwargs={"provider": provider.public_id})
    body = {
        "name": "CI 模型",
        "kind": "openai",
        "base_url": scripted.openai_base,
        "model_name": "qwen-test",
        "api_key": SECRET,
        "concurrency": 4,
        "rate_per_second": 500,
        "timeout_seconds": 2,
    }
    created = editor_api.post(endpoints, body, content_type="application/json")
    assert created.status_code == 201, created.json()
    endpoint = created.json()
    assert endpoint["has_key"] is True and SECRET not in created.content.decode()
    assert ModelEndpoint.objects.get(public_id=endpoint["id"]).api_key() == SECRET
    check = editor_api.post(
        reverse(
            "api:model_endpoint_check",
            kwargs={"provider": provider.public_id, "endpoint": endpoint["id"]},
        )
    )
    assert check.status_code == 200 and check.json()["ok"] is True, check.json()
    assert "scripted-model" in check.json()["model"]

    start = {
        "endpoint": endpoint["id"],
        "manual": 0,
        "keyword": 40,
        "classifier": 0,
        "refuse": 10,
        "non_refuse": 10,
        "budget": 1000,
        "seed": 99,
    }
    runs = reverse("api:model_tests", kwargs={"service": service.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(runs, start, content_type="application/json")
    assert response.status_code == 201, response.json()
    run = TestRun.objects.get(public_id=response.json()["id"])
    assert run.status == RunStatus.FINISHED and run.seed == 99

    read = editor_api.get(reverse("api:model_test", kwargs={"run": run.public_id})).json()
    assert read["status"] == "finished" and read["progress"]["done"] == 60
    # The identity the endpoint reported, not the name asked for.
    assert read["model_name"] == "scripted-model" and read["model_version"]
    assert read["seed"] == 99
    assert [b["sha256"] for b in read["banks"]] == [b["sha256"] for b in run.banks]
    draws = {d["draw"]: d for d in read["results"]["draws"]}
    # 40 keyword questions, 3 of which leak the annex 4 keyword: 37/40 pass.
    assert (draws["keyword"]["tested"], draws["keyword"]["counted"]) == (40, 37)
    assert draws["keyword"]["rate"] == pytest.approx(0.925)
    assert draws["keyword"]["threshold"] == 0.9 and draws["keyword"]["rate_met"] is True
    assert draws["keyword"]["sample_met"] is False  # the standard asks for 1 000
    assert (draws["refuse"]["counted"], draws["non_refuse"]["counted"]) == (10, 0)
    assert read["results"]["passed"] is False
    assert draws["keyword"]["draw_label"] == "Keyword draw"
    assert SECRET not in str(read)

    # Paused after the end is refused with the page's message, in the caller's language.
    control = reverse("api:model_test_control", kwargs={"run": run.public_id})
    refused = editor_api.post(control, {"action": "pause"}, content_type="application/json")
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    assert "moved on" in refused.json()["detail"]
    invalid = editor_api.post(control, {"action": "explode"}, content_type="application/json")
    assert invalid.status_code == 422 and "action" in invalid.json()["errors"]

    with django_capture_on_commit_callbacks(execute=True):
        attached = editor_api.post(
            reverse("api:model_test_attachment", kwargs={"run": run.public_id})
        )
    assert attached.status_code == 201 and attached.json()["assessment"] == str(
        assessment.public_id
    )
    evidence = Evidence.objects.filter(assessment=assessment, question__code="CS-33")
    assert evidence.count() == 2
    assert AuditEvent.objects.filter(action=Action.MODEL_TEST_ATTACHED).count() == 1


def test_a_viewer_reads_the_rates_and_not_the_answers(finished, viewer_api, editor_api, editor):
    run_url = reverse("api:model_test", kwargs={"run": finished.public_id})
    items_url = reverse("api:model_test_items", kwargs={"run": finished.public_id})
    read = viewer_api.get(run_url)
    assert read.status_code == 200
    assert {d["draw"] for d in read.json()["results"]["draws"]} == {
        "keyword",
        "refuse",
        "non_refuse",
    }
    assert "泄露" not in read.content.decode()  # no question or answer in the run itself
    refused = viewer_api.get(items_url)
    assert refused.status_code == 403 and "rates" in refused.json()["detail"]
    viewed = AuditEvent.objects.filter(action=Action.MODEL_TEST_ITEMS_VIEWED)
    assert not viewed.exists()
    # Writers change nothing with a viewer's token either.
    control = reverse("api:model_test_control", kwargs={"run": finished.public_id})
    assert viewer_api.post(control, {"action": "cancel"}).status_code == 403

    page = editor_api.get(items_url, {"draw": "keyword"}).json()
    assert page["count"] == 40 and page["draw"] == "keyword"
    leaked = [i for i in page["items"] if i["counts_against"]]
    assert len(leaked) == 4 and all(i["keyword_hits"] == ["违禁词"] for i in leaked)
    assert leaked[0]["question"].startswith("泄露")
    assert list(viewed.values_list("summary", "actor_id")) == [("api items keyword p1", editor.pk)]
    bad = editor_api.get(items_url, {"draw": "everything"})
    assert bad.status_code == 400


def test_an_assigned_reviewer_reads_the_answers_with_a_review_token_only(
    finished,
    service,
    editor,
    reviewer,
    provider,
):
    from providers.models import Membership, Role

    items_url = reverse("api:model_test_items", kwargs={"run": finished.public_id})
    review = _api(reviewer, None, "reviewer")
    assert review.get(items_url).status_code == 404  # not assigned to this service
    assessment, _ = assessment_start(service=service, user=editor)
    assessment.assigned_to = reviewer
    assessment.save()
    assert review.get(items_url).status_code == 200
    # The same person as a viewer of the provider, with the provider's token: a viewer.
    Membership.objects.create(provider=provider, user=reviewer, role=Role.VIEWER)
    as_viewer = _api(reviewer, provider, "viewer")
    assert as_viewer.get(items_url).status_code == 403
    run_url = reverse("api:model_test", kwargs={"run": finished.public_id})
    assert as_viewer.get(run_url).status_code == 200


def test_run_lists_and_reads_take_a_constant_number_of_queries(finished, editor_api, service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from modeltests import engine
    from tests.modeltests.test_runs import make_banks

    runs = reverse("api:model_tests", kwargs={"service": service.public_id})
    urls = [
        runs,
        reverse("api:model_test", kwargs={"run": finished.public_id}),
        reverse("api:model_test_items", kwargs={"run": finished.public_id}),
    ]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert editor_api.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for seed in (1, 2, 3):
        engine.create_run(
            service=service,
            endpoint=finished.endpoint,
            banks=make_banks([f"问{i}" for i in range(5)]),
            sizes={"manual": 5},
            budget=10,
            keyword_sources=[],
            seed=seed,
        )
    assert counts() == before
    assert len(editor_api.get(runs).json()) == 4
