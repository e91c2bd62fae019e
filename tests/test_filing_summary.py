"""The stored filing routes and blocking checks (filing.summary) equal a fresh computation by
the review desk's functions after every kind of change that feeds them, once the work queued
after the commit has run (the autosave leaves the computation to a background task: the test
runs the transaction's on-commit callbacks for real, and the task with them); a burst of saves
computes once, an older result never overwrites a newer one, and no decision reads the stored
result."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments import services
from assessments.models import Assessment
from filing import disclosure, summary
from filing.checks import run_checks
from filing.facts import facts_for
from outbox.models import OutboxMessage
from providers.services import provider_update, service_save
from reviews.services import blocking_checks, route_blocks
from tests import factories
from tests.test_filing_disclosure import GOOD


def _fresh(assessment) -> Assessment:
    return Assessment.objects.select_related(
        "service__provider", "service__disclosure", "questionnaire"
    ).get(pk=assessment.pk)


def _stored_and_computed(assessment):
    obj = _fresh(assessment)
    routes = route_blocks(obj)
    facts = facts_for(obj)
    computed = (
        {
            code: [c.code for r in routes if r.code == code for c in r.blocks]
            for code in facts.routes
        },
        len(blocking_checks(routes)),
    )
    return (obj.filing_routes, obj.blocking_count), computed


def _assert_exact(assessment):
    stored, computed = _stored_and_computed(assessment)
    assert stored == computed
    assert not _fresh(assessment).summary_outdated
    return stored


@pytest.fixture
def settle(django_capture_on_commit_callbacks):
    """Run `change()` as one transaction would commit it: its on-commit callbacks (sending
    the queued tasks, which run eagerly) run after it, as they do after a real commit."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        return result

    return run


@pytest.mark.django_db
def test_stored_routes_and_blocking_checks_follow_every_change(
    service, owner, settle, django_capture_on_commit_callbacks
):
    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    seen = [_assert_exact(draft)]

    settle(lambda: factories.fill_required(draft, owner))  # answers in bulk, evidence, analyses
    seen.append(_assert_exact(draft))
    assert seen[-1] != seen[0]

    # One answer saved as the page saves it (the autosave): outdated until the task has run.
    assert "anthropomorphic_assessment" in seen[-1][0]  # sustained emotional interaction
    with django_capture_on_commit_callbacks() as after_commit:
        factories.answer(draft, "SCOPE-15", owner, value="no")
    assert _fresh(draft).summary_outdated
    assert _fresh(draft).filing_routes == seen[-1][0]  # shown until then
    assert len(after_commit) == 1  # the task, sent after the commit
    after_commit[0]()
    seen.append(_assert_exact(draft))
    assert "anthropomorphic_assessment" not in seen[-1][0]

    evidence = settle(lambda: factories.attach(draft, "CS-18", owner))  # the keyword list
    seen.append(_assert_exact(draft))
    settle(lambda: services.evidence_delete(evidence=evidence, user=owner))
    seen.append(_assert_exact(draft))

    # The disclosure text, which a draft reads live (only refused texts would block, and those
    # are never saved, so this only shows the result stays exact).
    settle(lambda: disclosure.disclosure_save(service=service, fields=GOOD, revision=0, user=owner))
    _assert_exact(draft)

    # The provider's facts: without a security lead the algorithm filing is blocked.
    before = _assert_exact(draft)
    assert "ALGO-03" in before[0]["algorithm_filing"]
    settle(lambda: provider_update(provider=service.provider, security_lead="李四"))
    after = _assert_exact(draft)
    assert "ALGO-03" not in after[0]["algorithm_filing"]
    assert after[1] < before[1]

    # The service's profile.
    service.channels = ["web"]
    settle(lambda: service_save(service=service))
    _assert_exact(draft)
    service.foundation_model_source = "third_party"
    service.foundation_model_name = "某大模型"
    service.foundation_model_filing_number = ""
    settle(lambda: service_save(service=service))
    changed = _assert_exact(draft)
    assert changed[0] != after[0], "a third party's model changes the routes"

    settle(lambda: factories.fill_required(draft, owner))  # what the third party's model opened
    submitted = settle(lambda: services.assessment_submit(assessment=_fresh(draft), user=owner))
    frozen = _assert_exact(submitted)
    # Stored results do not go stale with the date: no blocking check reads it (warnings do,
    # such as the age of the analysed keyword list and test banks the fixture attached).
    obj = _fresh(submitted)
    warned = []
    for today in (dt.date(2000, 1, 1), dt.date.today(), dt.date.today() + dt.timedelta(3650)):
        facts = facts_for(obj, today=today)
        routes = route_blocks(obj, facts)
        assert obj.filing_routes == {
            code: [c.code for r in routes if r.code == code for c in r.blocks]
            for code in facts.routes
        }
        warned.append({r.code for r in run_checks(facts).results if r.status == "warn"})
    assert len({frozenset(w) for w in warned}) > 1, "the date must matter to some warning"

    # After submission the snapshot is what counts: later edits of the service change nothing.
    service.channels = ["web", "api"]
    settle(lambda: service_save(service=service))
    assert _assert_exact(submitted) == frozen


@pytest.mark.django_db
def test_route_labels_cover_every_route_the_library_accepts():
    from library.loading import ROUTES

    assert set(summary.ROUTE_LABELS) == ROUTES
    questionnaire = services.latest_questionnaire()
    assert {route["code"] for route in questionnaire.filing_routes} <= ROUTES
    assert summary.route_codes({"none": [], "algorithm_filing": [], "gai_filing": []}) == [
        "gai_filing",
        "algorithm_filing",
        "none",
    ]


@pytest.mark.django_db
def test_assessments_from_before_the_fields_are_filled_in_after_migrate(service, owner):
    from django.core.management import call_command

    draft, _created = services.assessment_start(service=service, user=owner)
    factories.fill_required(draft, owner)
    Assessment.objects.filter(pk=draft.pk).update(filing_routes=None, blocking_count=None)
    call_command("migrate", verbosity=0)  # nothing to migrate; post_migrate still runs
    _assert_exact(draft)
    assert _fresh(draft).blocking_count is not None
    assert summary.fill_missing() == 0  # nothing left: one query


@pytest.mark.django_db
def test_a_burst_of_saves_computes_once_and_stores_the_final_result(
    service, owner, settle, django_capture_on_commit_callbacks, monkeypatch
):
    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    settle(lambda: factories.fill_required(draft, owner))
    computed = []
    original = summary.compute
    monkeypatch.setattr(summary, "compute", lambda *a, **k: computed.append(1) or original(*a, **k))
    # Five saves, each its own transaction as autosaves are: only the first queues the task
    # (the others find the summary outdated already); the task runs after the last one.
    queued = []
    for value in ("no", "yes", "no", "yes", "no"):
        with django_capture_on_commit_callbacks() as after_commit:
            factories.answer(draft, "SCOPE-15", owner, value=value)
        queued += after_commit
    assert len(queued) == 1 and not computed
    assert OutboxMessage.objects.count() == 1
    queued[0]()
    assert len(computed) == 1
    assert not OutboxMessage.objects.exists()
    assert "anthropomorphic_assessment" not in _assert_exact(draft)[0]
    # Queued once more (a sweeper's resend, a redelivery): nothing to do, nothing computed.
    assert summary.catch_up(draft.pk) and len(computed) == 1


@pytest.mark.django_db
def test_the_portfolio_says_while_routes_and_checks_are_being_updated(
    service, owner, owner_client, settle, django_capture_on_commit_callbacks
):
    from django.urls import reverse
    from django.utils.html import strip_tags

    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    settle(lambda: factories.fill_required(draft, owner))

    def blocking_cell():
        page = owner_client.get(reverse("assessments:portfolio")).content.decode()
        row = page.split('class="portfolio-row"')[1]
        cell = row.split('data-label="阻止备案的检查"')[1].split(">", 1)[1]
        return strip_tags(cell.split("</td>")[0]).split()

    count = str(_fresh(draft).blocking_count)
    assert blocking_cell() == [count]
    with django_capture_on_commit_callbacks() as after_commit:
        factories.answer(draft, "SCOPE-15", owner, value="no")
    assert blocking_cell() == [count + "正在更新"]  # the count of before, said to be updating
    after_commit[0]()
    assert blocking_cell() == [str(_assert_exact(draft)[1])]


@pytest.mark.django_db
def test_a_result_older_than_the_answers_is_never_stored(
    service, owner, settle, django_capture_on_commit_callbacks, monkeypatch
):
    """A save commits while the task computes: the task's result is of the answers before it,
    so the compare-and-set refuses it and the task computes again."""
    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    settle(lambda: factories.fill_required(draft, owner))
    with django_capture_on_commit_callbacks() as after_commit:
        factories.answer(draft, "SCOPE-15", owner, value="no")
    results = []
    original = summary.compute

    def compute_while_someone_saves(*args, **kwargs):
        result = original(*args, **kwargs)
        if not results:  # the save commits between the task's reading and its storing
            factories.answer(draft, "SCOPE-15", owner, value="yes")
        results.append(result)
        return result

    monkeypatch.setattr(summary, "compute", compute_while_someone_saves)
    assert len(after_commit) == 1
    after_commit[0]()
    assert len(results) == 2 and results[0] != results[1]
    assert "anthropomorphic_assessment" in _assert_exact(draft)[0]  # the later answer's


@pytest.mark.django_db
def test_a_task_lost_with_its_worker_is_queued_again_by_the_sweeper(
    service, owner, settle, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from outbox.services import SUMMARY_LOST_AFTER, sweep_lost_work

    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    settle(lambda: factories.fill_required(draft, owner))
    with django_capture_on_commit_callbacks():  # sent to the broker; the worker then died
        factories.answer(draft, "SCOPE-15", owner, value="no")
    OutboxMessage.objects.all().delete()
    assert _fresh(draft).summary_outdated
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_lost_work()["summaries"] == 0  # not yet: the task may still be queued
    Assessment.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - SUMMARY_LOST_AFTER - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_lost_work()["summaries"] == 1
    assert "anthropomorphic_assessment" not in _assert_exact(draft)[0]


@pytest.mark.django_db
def test_no_decision_reads_the_stored_result(service, owner, reviewer, owner_client, settle):
    """Approval and the checks page run the checks afresh: an outdated stored result that says
    nothing blocks (as if the task had not run yet) changes neither."""
    from django.core.exceptions import ValidationError
    from django.db.models import F
    from django.urls import reverse
    from django.utils import translation

    from reviews import services as reviews

    draft, _created = settle(lambda: services.assessment_start(service=service, user=owner))
    settle(lambda: factories.fill_required(draft, owner))
    submitted = settle(lambda: services.assessment_submit(assessment=_fresh(draft), user=owner))
    in_review = reviews.assessment_claim(assessment=submitted, reviewer=reviewer)
    routes = route_blocks(_fresh(in_review))
    blocking = blocking_checks(routes)
    assert blocking
    Assessment.objects.filter(pk=in_review.pk).update(
        filing_routes={r.code: [] for r in routes},
        blocking_count=0,
        edit_revision=F("edit_revision") + 1,
    )
    assert _fresh(in_review).summary_outdated
    page = owner_client.get(reverse("filing:checks", kwargs={"assessment": in_review.public_id}))
    assert page.status_code == 200
    with translation.override("zh-hans"):
        assert all(str(c.title) in page.content.decode() for c in blocking)
    for domain in services.get_catalogue(in_review.questionnaire).domains:
        reviews.domain_accept(assessment=in_review, domain=domain.code, reviewer=reviewer)
    for q in reviews.unreviewed_questions(in_review):
        reviews.verdict_set(
            assessment=in_review, question=q, verdict="accepted", comment="", reviewer=reviewer
        )
    with pytest.raises(ValidationError) as refusal:
        reviews.approve(assessment=in_review, reviewer=reviewer, opinion="同意")
    assert refusal.value.error_list[0].code == "unacknowledged_blocks"
