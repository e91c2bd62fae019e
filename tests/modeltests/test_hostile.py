"""A broken or hostile endpoint: a body that is not JSON, JSON in GBK, the wrong shape, a
12 MB answer (declared, chunked, close-delimited or declared as 100 bytes), control characters
and NUL. Each such question fails on its own with a reason
(never the run), is not retried, and nothing of it or of the key breaks a page, the API, the
export or the logs (the HTTP clients' own debug logging switched on)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.tokens import token_create
from modeltests import clients, engine
from modeltests.fakeserver import CONTROL_ANSWER
from modeltests.models import ItemStatus, RunStatus
from tests.modeltests.conftest import SECRET, everything_logged
from tests.modeltests.test_runs import make_banks

pytestmark = pytest.mark.django_db

HOSTILE = {
    "[garbage]": "the response is not JSON",
    "[gbk]": "the response is not JSON",
    "[shape]": "the answer is not text",
    "[huge]": "the response is too large",
    # Refused on the bytes that arrive, not on a declared length: 12 MB in chunks, or until
    # the connection closes; a body declared as 100 bytes is read as 100 bytes.
    "[chunked]": "the response is too large",
    "[unbounded]": "the response is too large",
    "[lying]": "the response is not JSON",
    # 12 MB gzip-compressed into a few kilobytes: inflated under the cap, refused past it.
    "[gzip]": "the response is too large",
    "[br]": "the response is compressed",
}


def test_a_hostile_endpoint_fails_its_questions_one_by_one_and_leaks_nothing(
    service, endpoint, scripted, owner, owner_client, provider, caplog
):
    questions = [f"问题{i} {marker}" for i, marker in enumerate(HOSTILE)]
    questions += ["控制字符 [control]", "普通问题一", "普通问题二"]
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=make_banks(questions),
        sizes={"keyword": len(questions)},
        budget=100,
        keyword_sources=[],
        seed=5,
    )
    engine.use_keywords(run, ["违禁词"])
    with everything_logged(caplog):
        assert engine.run_to_end(run) == "done"
        run.refresh_from_db()
        assert run.status == RunStatus.FINISHED
        items = {i.question: i for i in run.items.all()}
        for question in questions[: len(HOSTILE)]:
            marker = question.split(" ")[1]
            item = items[question]
            assert item.status == ItemStatus.ERROR and item.error == HOSTILE[marker], item.error
            assert scripted.count(question) == 1, f"{marker} was retried"
        control = items["控制字符 [control]"]
        assert control.status == ItemStatus.ANSWERED
        assert control.answer == "回答带控制[31m字符结束" != CONTROL_ANSWER
        assert items["普通问题一"].status == ItemStatus.ANSWERED
        # The pages, the API and the export read the run without trouble.
        run_page = owner_client.get(run.get_absolute_url())
        items_page = owner_client.get(
            reverse("modeltests:run_items", kwargs={"run": run.public_id})
        )
        export = owner_client.get(reverse("modeltests:run_export", kwargs={"run": run.public_id}))
        exported = b"".join(export.streaming_content).decode()
        _t, secret = token_create(user=owner, name="ci", provider=provider, role="owner", days=1)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        api_items = api.get(reverse("api:model_test_items", kwargs={"run": run.public_id}))
    assert run_page.status_code == items_page.status_code == api_items.status_code == 200
    page = items_page.content.decode()
    assert "接口的回答不是 JSON" in page and "大于 8 MB" in page  # the reasons, in Chinese
    assert "the response is not JSON" not in page  # never the internal wording
    assert "\x00" not in exported and "回答带控制" in exported
    reasons = {i["error"] for i in api_items.json()["items"] if i["status"] == "error"}
    assert "接口的回答大于 8 MB，未读取。" in reasons
    # The key went to the model with every request, and nowhere else.
    assert f"Bearer {SECRET}" in scripted.auth_headers
    assert "send_request_headers" in caplog.text  # the clients did log at debug level
    for text in (
        caplog.text,
        run_page.content.decode(),
        page,
        exported,
        api_items.content.decode(),
    ):
        assert SECRET not in text


def test_an_answer_is_kept_to_its_first_hundred_thousand_characters():
    assert len(clients.answer_text("长" * 300_000)) == clients.MAX_ANSWER_CHARS
    assert clients.answer_text("a\x00b\u202ec\r\nd") == "abc\nd"
    with pytest.raises(clients.EndpointError):
        clients.answer_text(42)


@pytest.mark.parametrize("kind", ["openai", "custom"])
def test_a_body_over_the_limit_is_refused_on_the_bytes_read_and_the_client_goes_on(scripted, kind):
    """No declared length to check (chunked, or ended by closing the connection): the client
    stops reading just past MAX_RESPONSE_BYTES and raises, on both kinds of endpoint, and the
    same client answers the next question."""
    base = scripted.openai_base if kind == "openai" else f"{scripted.url}/custom"
    config = clients.EndpointConfig(
        kind=kind,
        base_url=base,
        model="scripted-model",
        request_template='{"input": "{{prompt}}", "model": "{{model}}"}',
        response_path="output.text",
        max_retries=2,
    )
    with clients.ChatClient(config) as client:
        for marker in ("[chunked]", "[unbounded]"):
            client.gate.start_call()
            with pytest.raises(clients.EndpointError, match="the response is too large"):
                client.ask(f"问题 {marker}")
            assert client.gate.call_attempts() == 1  # not retried
            assert client.ask("普通问题").text
        # A server that compresses though asked not to: a small answer is read all the same.
        assert client.ask("问题 [gzip-small]").text == "压缩的回答"
