"""Two audited writes at once, on two connections: the second waits for the chain's lock and
must link to the event the first committed meanwhile, not to the head it would have read
before the lock was granted (the chain would fork, and verification would fail)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from audit.models import Action, AuditEvent
from audit.services import check_chain, record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks between two connections"
)


def _waiting_for_the_chain() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_writer_waiting_for_the_chain_links_to_what_committed_meanwhile(transactional_db, owner):
    record(Action.LOGIN, actor=owner, summary="before")
    recorded, release, events = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                events["first"] = record(Action.LOGIN, actor=owner, summary="first")
                recorded.set()  # holds the chain's lock until it commits
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            with transaction.atomic():
                events["second"] = record(Action.LOGOUT, actor=owner, summary="second")
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert recorded.wait(10)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 10
    while not _waiting_for_the_chain():  # the second writer is blocked on the lock
        assert time.monotonic() < deadline, "the second writer never waited for the chain"
        time.sleep(0.01)
    release.set()
    one.join(10)
    two.join(10)

    assert events["second"].prev_hash == events["first"].hash
    assert AuditEvent.objects.filter(prev_hash=events["first"].prev_hash).count() == 1
    result = check_chain()
    assert result.broken is None, result.reason
    assert result.count == 3
    assert result.head.hash == events["second"].hash
