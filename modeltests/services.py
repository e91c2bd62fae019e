"""Writes of the model-test app: endpoints, runs and their state changes, with audit events."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import record
from modeltests.clients import PING, ChatClient, EndpointConfig, EndpointError
from modeltests.crypto import KeyUnreadable
from modeltests.models import ModelEndpoint

# Fields whose change is worth an audit line (never the key: only that it changed).
_AUDITED = (
    "name",
    "kind",
    "base_url",
    "model_name",
    "concurrency",
    "rate_per_second",
    "timeout_seconds",
    "max_retries",
)


def endpoint_save(*, form, user) -> ModelEndpoint:
    endpoint: ModelEndpoint = form.instance
    before = {}
    if endpoint.pk:
        old = ModelEndpoint.objects.get(pk=endpoint.pk)
        before = {f: getattr(old, f) for f in _AUDITED}
    key = form.cleaned_data.get("api_key") or ""
    key_changed = False
    if form.cleaned_data.get("clear_key"):
        endpoint.api_key_encrypted = ""
        key_changed = True
    elif key:
        endpoint.set_api_key(key)
        key_changed = True
    with transaction.atomic():
        if not endpoint.pk:
            endpoint.provider = form.provider
            endpoint.created_by = user
        endpoint.save()
        after = {f: getattr(endpoint, f) for f in _AUDITED}
        changed_before = {k: v for k, v in before.items() if after.get(k) != v}
        changed_after = {k: after[k] for k in (changed_before if before else after)}
        if key_changed:
            changed_before["api_key"] = "…" if before else None
            changed_after["api_key"] = "changed" if endpoint.has_key else "removed"
        record(
            Action.MODEL_ENDPOINT_CHANGED,
            actor=user,
            provider=endpoint.provider,
            obj=endpoint,
            summary=endpoint.name,
            before=changed_before or None,
            after=changed_after or None,
        )
    return endpoint


def endpoint_check(endpoint: ModelEndpoint) -> tuple[bool, str, str]:
    """Send the one harmless prompt; (ok, answer or error, model name and version)."""
    try:
        config = EndpointConfig.of(endpoint)
    except KeyUnreadable:
        return False, _("The stored API key cannot be decrypted: enter it again."), ""
    # One attempt, short timeout: a button press should not hang for minutes.
    config = EndpointConfig(
        **{**config.__dict__, "max_retries": 0, "timeout": min(config.timeout, 30.0)}
    )
    try:
        with ChatClient(config) as client:
            reply = client.ask(PING)
    except EndpointError as exc:
        ok, text, identity = False, describe_error(str(exc)), ""
    else:
        ok, text = True, reply.text[:2000]
        identity = " · ".join(x for x in (reply.model, reply.version) if x)
    ModelEndpoint.objects.filter(pk=endpoint.pk).update(
        last_check_at=timezone.now(), last_check_ok=ok
    )
    return ok, text, identity


def describe_error(error: str) -> str:
    """An endpoint error (as stored on an item) in the reader's language."""
    status = re.fullmatch(r"HTTP (\d{3})", error or "")
    if status:
        return _("The endpoint answered with HTTP status %(code)s.") % {"code": status.group(1)}
    if error == "timeout":
        return _("The endpoint did not answer in time.")
    if error == "connection failed":
        return _("The endpoint could not be reached.")
    if error == "budget":
        return _("Not sent: the request budget was spent.")
    return _("The endpoint's answer could not be read (%(detail)s).") % {"detail": error}
