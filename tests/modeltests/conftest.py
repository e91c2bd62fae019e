"""A scripted OpenAI-compatible model on 127.0.0.1 (real HTTP, real clients) and endpoints
of the test provider that point at it."""

from __future__ import annotations

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
