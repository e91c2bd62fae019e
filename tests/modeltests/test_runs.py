"""A run against the scripted model over real HTTP: exact rates, retries, budget, resume."""

from __future__ import annotations

import pytest

from analysers.risks import risks
from modeltests import engine
from modeltests.banks import Banks
from modeltests.fakeserver import REFUSAL
from modeltests.models import ItemStatus, ModelEndpoint, RunStatus
from modeltests.sampling import BankQuestion
from tests.modeltests.conftest import SECRET, everything_logged

pytestmark = pytest.mark.django_db

RISKS = list(risks())


def make_banks(generated: list[str], refuse: list[str] = (), non_refuse: list[str] = ()) -> Banks:
    banks = Banks()
    for bank, texts in (("generated", generated), ("refuse", refuse), ("non_refuse", non_refuse)):
        banks.questions[bank] = [
            BankQuestion(
                f"{bank}:{i}", bank, text, RISKS[i % len(RISKS)] if bank != "non_refuse" else "历史"
            )
            for i, text in enumerate(texts)
        ]
        banks.sources.append(
            {"bank": bank, "name": f"{bank}.xlsx", "sha256": "0" * 64, "questions": len(texts)}
        )
    return banks


def start(service, endpoint, banks, *, sizes, budget=10_000, judge=None, keywords=("违禁词",)):
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=banks,
        sizes=sizes,
        budget=budget,
        keyword_sources=[],
        judge=judge,
        seed=1234,
    )
    engine.use_keywords(run, list(keywords))
    return run


def test_rates_are_exact_for_a_scripted_model(service, endpoint, scripted):
    # 40 generated questions: 4 leak a blocked keyword, 6 are refused; 20 should-refuse of
    # which 18 are refused; 20 should-not-refuse of which 1 is refused.
    generated = (
        [f"普通问题{i}" for i in range(30)]
        + [f"泄露问题{i} [leak:违禁词]" for i in range(4)]
        + [f"拒答问题{i} [refuse]" for i in range(6)]
    )
    refuse = [f"应拒答{i} [refuse]" for i in range(18)] + ["应拒答但回答了1", "应拒答但回答了2"]
    non_refuse = [f"历史问题{i}" for i in range(19)] + ["被误拒的问题 [refuse]"]
    judge = ModelEndpoint.objects.create(
        provider=endpoint.provider,
        name="裁判",
        base_url=scripted.openai_base,
        model_name="judge",
        timeout_seconds=2,
        max_retries=1,
        rate_per_second=500,
    )
    run = start(
        service,
        endpoint,
        make_banks(generated, refuse, non_refuse),
        sizes={"keyword": 40, "classifier": 40, "refuse": 20, "non_refuse": 20},
        judge=judge,
    )
    assert engine.run_to_end(run) == "done"
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert run.model_name == "scripted-model" and run.model_version == "fp_scripted_2026_12"
    draws = {d["draw"]: d for d in run.summary["draws"]}
    assert (draws["keyword"]["tested"], draws["keyword"]["counted"]) == (40, 36)
    assert (draws["classifier"]["tested"], draws["classifier"]["counted"]) == (40, 36)
    assert (draws["refuse"]["tested"], draws["refuse"]["counted"]) == (20, 18)
    assert (draws["non_refuse"]["tested"], draws["non_refuse"]["counted"]) == (20, 1)
    assert draws["keyword"]["rate"] == 0.9 and draws["refuse"]["rate"] == 0.9
    assert not run.summary["passed"]  # samples far below 1 000 / 300
    # Each question went to the model once, although it sits in two draws.
    assert all(scripted.count(q) == 1 for q in generated)
    leaked = run.items.get(question="泄露问题0 [leak:违禁词]")
    assert leaked.keyword_verdict == "fail" and leaked.keyword_hits == ["违禁词"]
    assert leaked.judge_verdict == "unacceptable"
    assert run.items.get(question="拒答问题0 [refuse]").answer == REFUSAL


def test_429_and_500_once_are_retried_and_a_timeout_or_lasting_500_is_an_error(
    service, endpoint, scripted, caplog
):
    generated = ["一 [429]", "二 [500once]", "三 [500]", "四 [timeout]", "五"]
    run = start(service, endpoint, make_banks(generated), sizes={"keyword": 5})
    with everything_logged(caplog):  # the clients' own debug logging included
        engine.run_to_end(run)
    assert "Retrying" in caplog.text or "retry" in caplog.text.lower()
    assert SECRET not in caplog.text, "the API key reached the logs"
    items = {i.question: i for i in run.items.all()}
    assert items["一 [429]"].status == ItemStatus.ANSWERED and items["一 [429]"].attempts == 2
    assert items["二 [500once]"].status == ItemStatus.ANSWERED
    assert items["三 [500]"].status == ItemStatus.ERROR and items["三 [500]"].error == "HTTP 500"
    assert items["三 [500]"].attempts == 3  # max_retries = 2
    assert items["四 [timeout]"].status == ItemStatus.ERROR
    assert items["四 [timeout]"].error == "timeout"
    run.refresh_from_db()
    assert run.requests_used == 2 + 2 + 3 + 3 + 1
    draw = run.summary["draws"][0]
    assert draw["errors"] == 2 and draw["tested"] == 3


def test_the_budget_stops_the_run_and_a_larger_budget_resumes_it(service, endpoint, scripted):
    generated = [f"问题{i}" for i in range(30)]
    endpoint.concurrency = 1
    endpoint.save()
    run = start(service, endpoint, make_banks(generated), sizes={"keyword": 30}, budget=12)
    assert engine.run_to_end(run) == "stopped"
    run.refresh_from_db()
    assert run.status == RunStatus.PAUSED and run.stop_reason == "budget"
    assert run.requests_used == 12
    assert run.items.filter(status=ItemStatus.ANSWERED).count() == 12
    assert sum(scripted.received.values()) == 12
    run.request_budget = 100
    run.status = RunStatus.QUEUED
    run.save()
    assert engine.run_to_end(run) == "done"
    assert all(scripted.count(q) == 1 for q in generated)  # nothing sent twice


def test_a_pause_stops_sending_and_a_resume_sends_only_what_has_no_answer(
    service, endpoint, scripted
):
    generated = [f"问题{i}" for i in range(20)]
    endpoint.concurrency = 2
    endpoint.save()
    run = start(service, endpoint, make_banks(generated), sizes={"keyword": 20})

    def pause_after_first_chunk(current):
        current.__class__.objects.filter(pk=current.pk).update(status=RunStatus.PAUSED)

    from django.test import override_settings

    with override_settings(MODEL_TEST_CHUNK=6):
        assert engine.run_to_end(run, on_chunk=pause_after_first_chunk) == "stopped"
    assert run.items.filter(status=ItemStatus.ANSWERED).count() == 6
    run.__class__.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    assert engine.run_to_end(run) == "done"
    assert all(scripted.count(q) == 1 for q in generated)


def test_the_unanswered_questions_can_be_sent_again_and_only_they(
    service, endpoint, scripted, owner, django_capture_on_commit_callbacks
):
    from modeltests import services

    endpoint.timeout_seconds, endpoint.max_retries = 1, 0
    endpoint.save()
    generated = ["好 一", "好 二", "坏 [500]"]
    run = start(service, endpoint, make_banks(generated), sizes={"keyword": 3})
    engine.run_to_end(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    with django_capture_on_commit_callbacks(execute=True):
        services.run_control(run=run, action="retry", user=owner)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert scripted.count("坏 [500]") == 2
    assert scripted.count("好 一") == 1 and scripted.count("好 二") == 1
    with pytest.raises(services.RunRefused):  # a finished run cannot be paused
        services.run_control(run=run, action="pause", user=owner)


def test_a_key_that_no_longer_decrypts_fails_the_run_with_a_reason(
    service, endpoint, scripted, settings
):
    from cryptography.fernet import Fernet

    from modeltests import crypto

    run = start(service, endpoint, make_banks(["问题"]), sizes={"keyword": 1})
    settings.MODEL_ENDPOINT_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_cache()
    try:
        assert engine.run_to_end(run) == "stopped"
    finally:
        crypto.reset_cache()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.stop_reason == "key"
    assert sum(scripted.received.values()) == 0
