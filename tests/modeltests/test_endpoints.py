"""Registering a model endpoint: the key encrypted at rest and never shown again; the
connection test against a real OpenAI-compatible server and a custom HTTP endpoint."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from modeltests import crypto
from modeltests.models import ModelEndpoint
from tests.modeltests.conftest import SECRET

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "name": "主模型",
        "kind": "openai",
        "base_url": "http://127.0.0.1:9/v1",
        "model_name": "qwen2.5-72b",
        "api_key": SECRET,
        "request_template": "",
        "response_path": "",
        "concurrency": 4,
        "rate_per_second": 5,
        "timeout_seconds": 30,
        "max_retries": 3,
    }
    data.update(overrides)
    return data


def test_the_key_is_stored_encrypted_and_never_shown_again(provider, owner_client):
    url = reverse("modeltests:endpoint_create", kwargs={"provider": provider.public_id})
    response = owner_client.post(url, _form())
    assert response.status_code == 302
    endpoint = ModelEndpoint.objects.get(provider=provider)
    assert SECRET not in endpoint.api_key_encrypted
    assert endpoint.api_key() == SECRET
    page = owner_client.get(endpoint.get_absolute_url()).content.decode()
    listing = owner_client.get(
        reverse("modeltests:endpoint_list", kwargs={"provider": provider.public_id})
    ).content.decode()
    assert SECRET not in page and SECRET not in listing
    assert endpoint.api_key_encrypted not in page
    # Saving without typing a key keeps it; the audit line says it changed, never what it is.
    response = owner_client.post(endpoint.get_absolute_url(), _form(api_key="", name="改名"))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.name == "改名" and endpoint.api_key() == SECRET
    events = AuditEvent.objects.filter(action=Action.MODEL_ENDPOINT_CHANGED)
    assert events.count() == 2
    assert all(SECRET not in str(e.before) + str(e.after) for e in events)


def test_a_form_with_errors_keeps_no_key_in_the_page(provider, editor_client):
    url = reverse("modeltests:endpoint_create", kwargs={"provider": provider.public_id})
    response = editor_client.post(url, _form(base_url="ftp://x", model_name=""))
    assert response.status_code == 422
    body = response.content.decode()
    assert SECRET not in body
    assert not ModelEndpoint.objects.exists()


def test_a_custom_endpoint_needs_a_json_template_with_the_prompt_slot(provider, owner_client):
    url = reverse("modeltests:endpoint_create", kwargs={"provider": provider.public_id})
    bad = owner_client.post(
        url, _form(kind="custom", request_template='{"input": 1}', response_path="output.text")
    )
    assert bad.status_code == 422
    good = owner_client.post(
        url,
        _form(
            kind="custom",
            request_template='{"input": "{{prompt}}", "model": "{{model}}"}',
            response_path="output.text",
        ),
    )
    assert good.status_code == 302


def test_test_connection_shows_the_models_answer(endpoint, scripted, owner_client, caplog):
    url = reverse(
        "modeltests:endpoint_check",
        kwargs={"provider": endpoint.provider.public_id, "endpoint": endpoint.public_id},
    )
    with caplog.at_level(logging.DEBUG):
        response = owner_client.post(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "这是一个正常的回答" in body and "scripted-model" in body
    assert f"Bearer {SECRET}" in scripted.auth_headers  # the key went to the model...
    assert SECRET not in body  # ...and nowhere else
    assert SECRET not in caplog.text
    endpoint.refresh_from_db()
    assert endpoint.last_check_ok is True


def test_test_connection_reports_an_unreachable_endpoint_in_the_readers_language(
    endpoint, owner_client
):
    endpoint.base_url = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    endpoint.save()
    url = reverse(
        "modeltests:endpoint_check",
        kwargs={"provider": endpoint.provider.public_id, "endpoint": endpoint.public_id},
    )
    body = owner_client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "check-result" in body and "alert-danger" in body
    assert "connection failed" not in body  # the internal code is translated, not shown
    endpoint.refresh_from_db()
    assert endpoint.last_check_ok is False


def test_a_custom_endpoint_answers_through_its_template(endpoint, scripted, owner_client):
    endpoint.kind = "custom"
    endpoint.base_url = f"{scripted.url}/custom"
    endpoint.request_template = '{"input": "{{prompt}}", "model": "{{model}}"}'
    endpoint.response_path = "output.text"
    endpoint.save()
    url = reverse(
        "modeltests:endpoint_check",
        kwargs={"provider": endpoint.provider.public_id, "endpoint": endpoint.public_id},
    )
    body = owner_client.post(url).content.decode()
    assert "这是一个正常的回答" in body


def test_keys_survive_a_rotation_and_a_wrong_key_is_refused(settings, endpoint):
    from cryptography.fernet import Fernet

    old = (settings.VAR_DIR / "model-endpoint.key").read_text().strip()
    new = Fernet.generate_key().decode()
    settings.MODEL_ENDPOINT_KEYS = [new, old]
    crypto.reset_cache()
    try:
        assert endpoint.api_key() == SECRET
        settings.MODEL_ENDPOINT_KEYS = [Fernet.generate_key().decode()]
        crypto.reset_cache()
        with pytest.raises(crypto.KeyUnreadable):
            endpoint.api_key()
    finally:
        crypto.reset_cache()
