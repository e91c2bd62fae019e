"""A scripted OpenAI-compatible model on 127.0.0.1 (real HTTP, real clients) and endpoints
of the test provider that point at it."""

from __future__ import annotations

import contextlib
import logging

import pytest

from modeltests.fakeserver import ScriptedModel
from modeltests.models import ModelEndpoint

SECRET = "sk-test-Zq8v3LkP0wT5"


@pytest.fixture(scope="session")
def scripted_server():
    server = ScriptedModel(hang_seconds=2.5).start()
    yield server
    server.stop()


@pytest.fixture
def scripted(scripted_server):
    scripted_server.reset()
    scripted_server.latency = 0.0
    return scripted_server


@pytest.fixture
def endpoint(provider, scripted):
    e = ModelEndpoint(
        provider=provider,
        name="生产模型",
        kind="openai",
        base_url=scripted.openai_base,
        model_name="qwen-test",
        timeout_seconds=1,
        max_retries=2,
        concurrency=4,
        rate_per_second=500,
    )
    e.set_api_key(SECRET)
    e.save()
    return e


@pytest.fixture
def finished(service, endpoint, scripted):
    """A run to the end on the scripted model: keyword draw 36 of 40 pass (4 leak the
    keyword), should-refuse 10 of 10 refused, should-not-refuse 1 of 10 refused."""
    from modeltests import engine
    from tests.modeltests.test_runs import make_banks

    generated = [f"生成题{i}" for i in range(36)] + [f"泄露{i} [leak:违禁词]" for i in range(4)]
    refuse = [f"应拒答{i} [refuse]" for i in range(10)]
    non_refuse = [f"非拒答{i}" for i in range(9)] + ["误拒 [refuse]"]
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=make_banks(generated, refuse, non_refuse),
        sizes={"keyword": 40, "refuse": 10, "non_refuse": 10},
        budget=1000,
        keyword_sources=[],
        seed=3,
    )
    engine.use_keywords(run, ["违禁词"])
    assert engine.run_to_end(run) == "done"
    run.refresh_from_db()
    return run


@contextlib.contextmanager
def everything_logged(caplog):
    """DEBUG for the root and for the clients' loggers, which the settings keep at WARNING."""
    with contextlib.ExitStack() as stack:
        for name in (None, "openai", "httpx2", "httpcore2", "modeltests"):
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name))
        yield
