"""Every API call with a token is audited (TOKEN_USED), and the audit chain has one lock, which
every audited write holds from its record() to its commit. A call must not wait for it: a read
made while a questionnaire move (or any long audited write) is under way used to be answered
only once the move committed. Its event is still recorded: then, when the chain is free, or
by a task once it is, with the time of the use."""

from __future__ import annotations

import os
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from api.models import AccessToken
from api.tokens import token_create
from assessments.upgrade import upgrade_assessment
from audit.models import Action, AuditEvent
from audit.services import record, verify_chain
from outbox.models import OutboxMessage
from portal.celery import app
from tests.concurrency import waiting_for_a_lock, while_held
from tests.test_upgrade import draft_on_first_version

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the chain's advisory lock needs PostgreSQL"
)


def _world():
    assessment, editor, _versions = draft_on_first_version("token-use")
    provider = assessment.service.provider
    token, secret = token_create(user=editor, name="CI", provider=provider, role="editor", days=9)
    return editor, assessment, token, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _answer_url(assessment) -> str:
    return reverse("api:answer", kwargs={"assessment": assessment.public_id, "question": "WORD"})


def _uses(token):
    return AuditEvent.objects.filter(action=Action.TOKEN_USED, object_id=str(token.public_id))


@pytest.mark.worker
@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="CELERY_BROKER_URL is not a redis:// URL; the real-worker tests need Redis",
)
def test_a_read_during_a_move_is_answered_before_the_move_commits(transactional_db):
    editor, assessment, token, api = _world()
    # Recorded at once while the chain is free, as before.
    assert api.get(_answer_url(assessment)).status_code == 200
    assert _uses(token).count() == 1
    answered = threading.Event()

    def read():
        response = api.get(_answer_url(assessment))
        answered.set()
        return response, timezone.now()

    # The task goes to Redis, not run in the request's thread as in the other unit tests; the
    # worker starts once the move has committed.
    app.conf.task_always_eager = False
    race = while_held(
        lambda: upgrade_assessment(assessment=assessment, user=editor),
        read,
        # Until the read is answered, or waits for a lock (what it did before).
        blocked=lambda: answered.is_set() or waiting_for_a_lock(),
    )
    response, answered_at = race.then
    assert not race.waited, "the read waited for the move to commit"
    assert response.status_code == 200
    # Read before the move committed: the version it was answered under.
    assert response.json()["questionnaire_version"] == 1
    assert AccessToken.objects.get(pk=token.pk).last_used_at <= answered_at
    # Not in the chain yet: handed to the broker (the outbox row is gone once it took it).
    assert _uses(token).count() == 1
    assert not OutboxMessage.objects.filter(task="audit.tasks.append_deferred").exists()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 15
        while _uses(token).count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    event = _uses(token).order_by("id").last()
    assert _uses(token).count() == 2, "the worker did not record the deferred use"
    path = _answer_url(assessment)
    assert event.summary.startswith(f"GET {path} 200 ")
    assert (event.actor_id, event.provider_id, event.ip) == (
        editor.pk,
        token.provider_id,
        "127.0.0.1",
    )
    assert parse_datetime(event.after["used_at"]) <= answered_at < event.occurred_at
    # Appended after the move's own event, in the one chain.
    moved = AuditEvent.objects.get(action=Action.QUESTIONNAIRE_UPGRADED)
    assert moved.pk < event.pk
    assert verify_chain() is None


def test_a_writer_that_does_not_wait_is_told_the_chain_is_busy(transactional_db, owner):
    """record(wait=False) writes nothing while another transaction holds the lock, and does
    not doom the caller's transaction; with the lock free it records as ever."""

    def try_record():
        from django.db import transaction

        with transaction.atomic():
            event = record(Action.LOGIN, actor=owner, summary="busy", wait=False)
            AuditEvent.objects.count()  # the transaction is still usable
        return event

    race = while_held(lambda: record(Action.LOGIN, actor=owner, summary="held"), try_record)
    assert race.then is None and not race.waited
    assert not AuditEvent.objects.filter(summary="busy").exists()
    assert record(Action.LOGIN, actor=owner, summary="free", wait=False) is not None
    assert verify_chain() is None
