"""The events of reads (downloads, views of a model test's questions and answers, API calls) do
not wait for the audit chain's lock, which every audited write holds from its record() to its
commit: a download made meanwhile used to be answered only once that write committed. The
event is still recorded (audit.services.record_read): then, if the chain is free, or by a
worker once it is, with the time of the read in `after.used_at`."""

from __future__ import annotations

import os
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assessments import services
from audit.models import Action, AuditEvent
from audit.services import append_deferred, record, record_read, verify_chain
from library.loading import load_library
from library.models import Questionnaire
from outbox.models import OutboxMessage
from portal.celery import app
from tests import factories
from tests.concurrency import waiting_for_a_lock, while_held
from tests.conftest import _client_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the chain's advisory lock needs PostgreSQL"
)
needs_redis = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="CELERY_BROKER_URL is not a redis:// URL; the real-worker tests need Redis",
)


def read_while_a_write_holds_the_chain(read, *, writer):
    """`read()` on its own connection while another transaction holds the chain's lock (an
    audited write between its record() and its commit); the read's result and when it was
    answered. Fails if the read waited for that write to commit."""
    answered = threading.Event()

    def timed():
        result = read()
        answered.set()
        return result, timezone.now()

    # The task goes to Redis, not run in the request's thread as in other unit tests.
    app.conf.task_always_eager = False
    race = while_held(
        lambda: record(Action.LOGIN, actor=writer, summary="a long audited write"),
        timed,
        # Until the read is answered, or waits for a lock (what it did before).
        blocked=lambda: answered.is_set() or waiting_for_a_lock(),
    )
    assert not race.waited, "the read waited for the audited write to commit"
    assert not OutboxMessage.objects.exists(), "the deferred event was not sent to the broker"
    return race.then


def appended_by_a_worker(events, *, count: int):
    """The real worker on Redis, until `events` holds `count`; the newest."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 15
        while events.count() < count and time.monotonic() < deadline:
            time.sleep(0.05)
    assert events.count() == count, "the worker did not append the deferred event"
    return events.order_by("id").last()


def assert_deferred(event, *, answered_at) -> None:
    """Appended after the write the read did not wait for, in the one chain, with its time."""
    assert parse_datetime(event.after["used_at"]) <= answered_at < event.occurred_at
    held = AuditEvent.objects.get(summary="a long audited write")
    assert held.pk < event.pk
    assert verify_chain() is None


@pytest.mark.worker
@needs_redis
def test_a_download_during_an_audited_write_is_answered_before_it_commits(
    transactional_db, service, editor
):
    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    assessment, _ = services.assessment_start(service=service, user=editor)
    state = services.load_state(assessment)
    code = next(q.code for q in state.catalogue.questions if q.code in state.applicable)
    evidence = factories.attach(assessment, code, editor, analyse=False)
    url = reverse(
        "assessments:evidence_download",
        kwargs={"assessment": assessment.public_id, "evidence": evidence.public_id},
    )
    client = _client_for(editor)
    downloads = AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED)

    response, answered_at = read_while_a_write_holds_the_chain(
        lambda: client.get(url, REMOTE_ADDR="10.1.2.3"), writer=editor
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
    assert not downloads.exists()  # not in the chain yet

    event = appended_by_a_worker(downloads, count=1)
    assert (event.actor_id, event.object_id, event.assessment_id, event.provider_id) == (
        editor.pk,
        str(evidence.public_id),
        assessment.pk,
        service.provider_id,
    )
    assert (event.summary, event.ip) == (evidence.name, "10.1.2.3")
    assert_deferred(event, answered_at=answered_at)


def test_a_read_on_a_free_chain_is_recorded_at_once(db, editor):
    event = record_read(Action.TOKEN_USED, actor=editor, summary="free")
    assert event is not None and event.after is None
    assert not OutboxMessage.objects.exists()


def test_only_the_events_of_reads_can_be_deferred(db, editor):
    """A message of the task names its action: it cannot add any other kind of event."""
    with pytest.raises(ValueError):
        record_read(Action.ANSWER_CHANGED, actor=editor)
    forged = {"action": Action.ASSESSMENT_STATUS_CHANGED, "after": {"use": "k", "used_at": "x"}}
    with pytest.raises(ValueError):
        append_deferred(forged)
    assert not AuditEvent.objects.exists()


def test_a_deferred_event_delivered_twice_is_appended_once(db, editor):
    """The outbox may send the task again (the broker took it, the row's delete failed)."""
    fields = {
        "action": Action.EVIDENCE_DOWNLOADED,
        "actor_id": editor.pk,
        "actor_email": editor.email,
        "summary": "a.pdf",
        "after": {"used_at": timezone.now().isoformat(), "use": "k"},
        "ip": "10.0.0.1",
    }
    assert append_deferred(fields) is not None
    assert append_deferred(fields) is None
    assert AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED).count() == 1
    assert verify_chain() is None


@pytest.mark.worker
@needs_redis
def test_an_export_during_an_audited_write_is_answered_before_it_commits(transactional_db):
    """One event per exported provider, each with what it counts and the time of the export."""
    from providers.models import Membership, Role
    from tests.test_portfolio import EXPORT, make_portfolio

    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    first, second = factories.make_provider(), factories.make_provider()
    user = factories.make_member(first, Role.VIEWER).user
    Membership.objects.create(provider=second, user=user, role=Role.VIEWER)
    make_portfolio(first, 3, prefix="甲组")
    make_portfolio(second, 2, prefix="乙组")
    client = _client_for(user)
    exports = AuditEvent.objects.filter(action=Action.PORTFOLIO_EXPORTED)

    response, answered_at = read_while_a_write_holds_the_chain(
        lambda: client.get(EXPORT), writer=user
    )
    assert response.status_code == 200
    assert not exports.exists()

    appended_by_a_worker(exports, count=2)
    events = list(exports.order_by("id"))
    assert sorted((e.provider_id, e.after["services_exported"]) for e in events) == sorted(
        [(first.pk, 3), (second.pk, 2)]
    )
    for event in events:
        assert event.actor_id == user.pk
        assert_deferred(event, answered_at=answered_at)
