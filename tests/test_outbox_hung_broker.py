"""A broker that hangs (it accepts the connection and never answers) costs a send its socket
timeout. Once a send from this process failed, requests leave their work to the sweeper at once
for a while instead of each waiting for the timeout; the sweeper still tries; a broker that
answers again is used again. The broker here is a listening socket of the test's own that never
answers, and the real Redis client talks to it."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from outbox import services
from outbox.models import OutboxMessage
from outbox.services import dispatch, sweep_lost_work
from portal.celery import app
from tests.brokers import use_broker as _use_broker

pytestmark = pytest.mark.django_db

TIMEOUT = 1.0  # the broker's socket timeout in these tests (10 s in the settings)


class HungBroker:
    """Accepts connections and holds them without a byte of answer."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def hung(monkeypatch):
    broker = HungBroker()
    previous = (
        app.conf.broker_write_url,
        app.conf.broker_transport_options,
        app.conf.task_always_eager,
    )
    app.conf.broker_transport_options = {
        **previous[1],
        "socket_timeout": TIMEOUT,
        "socket_connect_timeout": TIMEOUT,
    }
    _use_broker(broker.url)
    app.conf.task_always_eager = False
    monkeypatch.setattr(services, "_broker_down_until", 0.0)
    yield broker
    app.conf.task_always_eager = previous[2]
    app.conf.broker_transport_options = previous[1]
    _use_broker(previous[0])
    broker.close()


@app.task(name="tests.outbox_hung.noop")
def noop(n):
    return n


def _dispatch_timed(django_capture_on_commit_callbacks) -> float:
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(noop, 1, tell=False)
    return time.monotonic() - start


def test_one_request_waits_for_a_hung_broker_not_every_one(
    hung, django_capture_on_commit_callbacks, monkeypatch
):
    first = _dispatch_timed(django_capture_on_commit_callbacks)
    tried = len(hung.held)
    later = [_dispatch_timed(django_capture_on_commit_callbacks) for _ in range(5)]
    assert first >= TIMEOUT * 0.9, "the first send did not reach the hung broker"
    assert max(later) < TIMEOUT / 3, later
    assert len(hung.held) == tried, "a later request tried the broker again"
    assert OutboxMessage.objects.count() == 6  # nothing lost: all left to the sweeper
    # Past the window the next request tries again.
    monkeypatch.setattr(services, "_broker_down_until", time.monotonic() - 1)
    assert _dispatch_timed(django_capture_on_commit_callbacks) >= TIMEOUT * 0.9
    assert len(hung.held) > tried


def test_the_sweeper_tries_whatever_the_window(hung, django_capture_on_commit_callbacks):
    _dispatch_timed(django_capture_on_commit_callbacks)
    assert services._broker_down_until > time.monotonic()
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    tried = len(hung.held)
    start = time.monotonic()
    assert sweep_lost_work()["resent"] == 0
    assert time.monotonic() - start >= TIMEOUT * 0.9
    assert len(hung.held) > tried
    assert OutboxMessage.objects.count() == 1


def test_a_broker_that_answers_again_is_used_again(hung, django_capture_on_commit_callbacks):
    _dispatch_timed(django_capture_on_commit_callbacks)
    assert OutboxMessage.objects.count() == 1
    _use_broker("memory://")  # answers
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert sweep_lost_work()["resent"] == 1
    assert services._broker_down_until == 0.0  # the sweeper's send closed the window
    _dispatch_timed(django_capture_on_commit_callbacks)
    assert OutboxMessage.objects.count() == 0  # sent at once, not left to the sweeper
