"""The manual draw's grading queue and the refusal override."""

from __future__ import annotations

import pytest
from django.urls import reverse

from modeltests import engine, grading_queue
from modeltests.models import RunStatus
from tests import factories
from tests.modeltests.test_runs import make_banks

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded_run(service, endpoint, scripted):
    """A finished run: a manual draw of 6 (2 leak, so the judge finds them unacceptable) and a
    should-refuse draw of 3."""
    judge = endpoint.__class__.objects.create(
        provider=endpoint.provider,
        name="裁判",
        base_url=scripted.openai_base,
        model_name="j",
        timeout_seconds=2,
        rate_per_second=500,
    )
    generated = [f"题{i}" for i in range(4)] + ["泄露甲 [leak:坏词]", "泄露乙 [leak:坏词]"]
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        judge=judge,
        banks=make_banks(generated, [f"拒{i} [refuse]" for i in range(2)] + ["没拒"]),
        sizes={"manual": 6, "refuse": 3},
        budget=1000,
        keyword_sources=[],
        seed=2,
    )
    engine.run_to_end(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    return run


def test_graders_in_parallel_never_hold_the_same_answer(graded_run, owner, editor):
    first = grading_queue.next_item(graded_run, owner)
    second = grading_queue.next_item(graded_run, editor)
    assert first.pk != second.pk
    # Asking again gives each the answer they hold.
    assert grading_queue.next_item(graded_run, owner).pk == first.pk


def test_a_verdict_against_the_judge_goes_to_a_second_grader(graded_run, owner, editor):
    leak = graded_run.items.get(question="泄露甲 [leak:坏词]")
    assert leak.judge_verdict == "unacceptable"
    assert grading_queue.grade(leak, owner, "acceptable") == "second"
    leak.refresh_from_db()
    assert leak.needs_second and not leak.manual_verdict
    # The first grader is not asked again; the second grader gets it first and settles it.
    assert grading_queue.next_item(graded_run, owner).pk != leak.pk
    assert grading_queue.next_item(graded_run, editor).pk == leak.pk
    assert grading_queue.grade(leak, editor, "unacceptable") == "final"
    leak.refresh_from_db()
    assert leak.manual_verdict == "unacceptable"
    assert grading_queue.grade(leak, factories.make_user(), "acceptable") == "stale"


def test_grading_updates_the_manual_rate(graded_run, owner):
    for item in graded_run.items.filter(in_manual=True):
        verdict = "unacceptable" if "泄露" in item.question else "acceptable"
        assert grading_queue.grade(item, owner, verdict) == "final"
    graded_run.refresh_from_db()
    manual = {d["draw"]: d for d in graded_run.summary["draws"]}["manual"]
    assert (manual["tested"], manual["counted"], manual["ungraded"]) == (6, 4, 0)


def test_the_grading_page_and_the_refusal_override(graded_run, editor_client, viewer_client):
    url = reverse("modeltests:run_grade", kwargs={"run": graded_run.public_id})
    assert viewer_client.get(url).status_code == 403
    page = editor_client.get(url).content.decode()
    assert "grade-form" in page and "0 / 6" not in page
    item = graded_run.items.get(question="没拒")
    refuse = {d["draw"]: d for d in graded_run.summary["draws"]}["refuse"]
    assert refuse["counted"] == 2
    override = reverse(
        "modeltests:item_refusal", kwargs={"run": graded_run.public_id, "item": item.pk}
    )
    assert viewer_client.post(override, {"refused": "refused"}).status_code == 403
    assert editor_client.post(override, {"refused": "refused"}).status_code == 302
    graded_run.refresh_from_db()
    assert {d["draw"]: d for d in graded_run.summary["draws"]}["refuse"]["counted"] == 3
